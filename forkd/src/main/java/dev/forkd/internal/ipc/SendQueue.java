package dev.forkd.internal.ipc;

import dev.forkd.internal.io.LazyLogger;
import dev.forkd.internal.io.Dispatch;
import dev.forkd.internal.io.EventLoop;
import dev.forkd.internal.io.Fd;
import dev.forkd.internal.json.JsonCodec;
import dev.forkd.internal.json.LineBuffer;
import dev.forkd.internal.posix.PosixException;
import dev.forkd.internal.posix.Sockets;
import dev.forkd.ipc.Channel;
import dev.forkd.ipc.ChannelClosedException;
import dev.forkd.ipc.MessageTooLargeException;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.channels.SelectableChannel;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import tools.jackson.databind.JsonNode;

/**
 * The sending half of an {@link IpcChannel}: messages are encoded on the caller's thread and queued; whoever
 * holds the lock writes as much as the socket takes (the caller, or the loop on EPOLLOUT). Small plain
 * messages are batched, a flood of sends is coalesced into few writes, and a sender waits while more than
 * {@link Channel#SEND_QUEUE_LIMIT} bytes are queued (back-pressure). After a handle, only control messages
 * (ACK/NACK and replies) go out until the peer's ACK arrives, as Node requires.
 *
 * <p>The lock also guards the channel's {@code closed} state: the fd is closed under it ({@link #close}), so no
 * thread can ever write to a recycled fd number. Before the JVM exits, a hook writes out what every open queue
 * still holds ({@link #drainBefore}).
 */
final class SendQueue {
    private static final System.Logger LOG = LazyLogger.of("dev.forkd");

    /**
     * One queued write: a message, or a batch of small plain messages (each with its own future) that later
     * ones join until its first byte is written. {@code fd} is a private duplicate, closed once sent.
     */
    private static final class Outgoing {
        byte[] bytes;
        int len;
        final Fd fd;
        final boolean control;
        final SelectableChannel closeOnAck;
        final boolean batch;
        /** The futures of the sends this write completes, in order. */
        CompletableFuture<?>[] futures;
        int futureCount;
        int off;

        Outgoing(byte[] bytes, Fd fd, boolean control, SelectableChannel closeOnAck) {
            this.bytes = bytes;
            this.len = bytes.length;
            this.fd = fd;
            this.control = control;
            this.closeOnAck = closeOnAck;
            this.batch = false;
            this.futures = new CompletableFuture<?>[] {new CompletableFuture<Void>()};
            this.futureCount = 1;
        }

        private Outgoing(byte[] buffer) {
            this.bytes = buffer;
            this.fd = null;
            this.control = false;
            this.closeOnAck = null;
            this.batch = true;
            this.futures = new CompletableFuture<?>[16];
        }

        @SuppressWarnings("unchecked")
        CompletableFuture<Void> done() {
            return (CompletableFuture<Void>) futures[0];
        }

        /** Appends one message to this batch. */
        void append(byte[] b, int n, CompletableFuture<Void> done) {
            if (len + n > bytes.length) {
                bytes = Arrays.copyOf(bytes, Math.min(BATCH_BYTES, Math.max(bytes.length * 2, len + n)));
            }
            System.arraycopy(b, 0, bytes, len, n);
            len += n;
            if (futureCount == futures.length) futures = Arrays.copyOf(futures, futureCount * 2);
            futures[futureCount++] = done;
        }
    }

    /** A batch holds at most this many bytes; messages up to {@link #BATCH_MESSAGE} bytes join one. */
    private static final int BATCH_BYTES = 64 * 1024;
    private static final int BATCH_MESSAGE = 4 * 1024;
    /** Each sending thread encodes plain messages into its own buffer, then copies them into a batch. */
    private static final ThreadLocal<LineBuffer> SINKS = ThreadLocal.withInitial(() -> new LineBuffer(256));

    private final EventLoop loop;
    private final Fd fd;
    private final String peer;
    private final long maxMessageBytes;
    /** The longest encoded line a send may queue: {@code maxMessageBytes} plus its {@code \n}. */
    private final int maxLine;
    /** Runs on the loop thread when the socket is full: the channel then waits for EPOLLOUT. */
    private final Runnable wantWrite;
    /** Runs on the loop thread when the channel must close (a failed write, a drained disconnect). */
    private final Runnable closeChannel;

    private final Arena structsArena = Arena.ofAuto();
    /**
     * Messages without fds are copied here and written together: one syscall for a burst. Grows on demand
     * up to {@link #SEND_BUFFER} (a channel's set-up is part of every fork; 256 KiB zeroed at once cost
     * ~0.1 ms there). Guarded by lock.
     */
    private MemorySegment sendBuffer = MemorySegment.NULL;
    private final FdPassing.MsgStructs sendStructs = new FdPassing.MsgStructs(structsArena);
    private static final int SEND_BUFFER = 256 * 1024;

    // guarded by lock
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition room = lock.newCondition();
    private final ArrayDeque<Outgoing> queue = new ArrayDeque<>();
    private long queuedBytes;
    /** Handle messages written but not yet acknowledged, oldest first (the peer ACKs in order). */
    private final ArrayDeque<Outgoing> awaitingAcks = new ArrayDeque<>();
    /**
     * Node's rule: nothing but control messages follows a handle until its ACK. A forkd peer gives every fd
     * to the handle message of its own sendmsg however many follow (JsonLineDecoder), so handles may be
     * pipelined to it (the cluster primary turns this on for forkd workers). Guarded by lock.
     */
    private boolean pipelineHandles;
    private boolean writeArmed;
    /**
     * Set once a message of {@link #BIG_MESSAGE} bytes or more was queued: the socket's send buffer was raised
     * to {@link #BIG_SEND_BUFFER}. With the default (net.core.wmem_default, 208 KiB here) a 1 MiB message
     * crosses in five rounds of "buffer full, wait for the reader"; channels that only carry small messages
     * keep the default, which measured faster for them.
     */
    private boolean bigSendBuffer;
    private static final int BIG_MESSAGE = 256 * 1024;
    private static final int BIG_SEND_BUFFER = Integer.getInteger("forkd.ipc.bigSendBuffer", 1 << 20);
    private boolean closeWhenDrained;
    /**
     * Write coalescing under a flood: a send that follows the previous one within {@link #FLOOD_GAP_NANOS}
     * only queues, and the loop writes everything queued in one go. Otherwise a fast reader is woken for every
     * few-byte write, both sides context-switch per message, and throughput drops threefold (measured: 14k vs
     * 158k context switches for the same 6 M messages). A lone send, or one per round trip, is written at once.
     */
    private long lastSendNanos; // guarded by lock
    private boolean flushScheduled; // guarded by lock
    /** The buffer of the last batch written, for the next batch. Guarded by lock. */
    private byte[] spareBatch;
    private static final long FLOOD_GAP_NANOS = 2_000;
    /** Coalesced bytes beyond this are written by the sender itself. */
    private static final int COALESCE_LIMIT = 64 * 1024;
    private boolean closed;

    SendQueue(EventLoop loop, Fd fd, String peer, long maxMessageBytes, Runnable wantWrite, Runnable closeChannel) {
        this.loop = loop;
        this.fd = fd;
        this.peer = peer;
        this.maxMessageBytes = maxMessageBytes;
        this.maxLine = Math.toIntExact(maxMessageBytes + 1);
        this.wantWrite = wantWrite;
        this.closeChannel = closeChannel;
    }

    // ------------------------------------------------------------------ JVM exit

    /** Queues not closed yet: the exit hook writes out what they still hold. */
    private static final Set<SendQueue> OPEN = ConcurrentHashMap.newKeySet();
    /** How long the exit hook waits for a peer that does not read. */
    private static final long EXIT_FLUSH_NANOS = 1_000_000_000L;

    static {
        Runtime.getRuntime().addShutdownHook(Thread.ofPlatform().name("forkd-ipc-exit").unstarted(() -> {
            long deadline = System.nanoTime() + EXIT_FLUSH_NANOS;
            for (SendQueue q : OPEN) q.drainBefore(deadline);
        }));
    }

    /** From now on the exit hook drains this queue (until it is closed). */
    void drainAtExit() {
        OPEN.add(this);
    }

    /**
     * Writes what is queued before the JVM exits, from the calling (hook) thread: small sends are coalesced
     * and written by the loop a moment later, so {@code send(...); System.exit(0)} would otherwise lose the
     * last burst. The loop may be the thread that called exit, so this writes itself, retrying until the
     * socket takes everything or {@code deadline} passes (a peer that does not read).
     */
    private void drainBefore(long deadline) {
        while (true) {
            lock.lock();
            try {
                if (closed || queue.isEmpty()) return;
                writeArmed = false; // nobody may be left to handle EPOLLOUT: try the socket again from here
            } finally {
                lock.unlock();
            }
            flush();
            if (System.nanoTime() - deadline > 0) return;
            try {
                Thread.sleep(1);
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    // ------------------------------------------------------------------ sending (any thread)

    /** {@link Channel#send(Object)}. */
    CompletableFuture<Void> send(Object message) {
        // Plain values (maps, lists, records, strings, numbers) skip Jackson's per-call set-up and are encoded
        // into this thread's buffer; a small one is then copied into the batch at the queue's tail, so that a
        // flood of small messages costs one future each, not a byte array, a queue entry and a future.
        LineBuffer sink = SINKS.get();
        if (!sink.claim()) { // a record accessor that sends, while we encode
            sink = new LineBuffer(256);
            sink.claim();
        }
        try {
            sink.reset();
            if (JsonCodec.shared().encodePlain(message, sink)) {
                int len = sink.length();
                if (len > maxLine) return tooLarge(len);
                return len <= BATCH_MESSAGE ? enqueue(null, sink.bytes(), len)
                        : enqueue(new Outgoing(Arrays.copyOf(sink.bytes(), len), null, false, null), null, 0);
            }
        } finally {
            sink.release();
            if (sink.bytes().length > BATCH_BYTES) SINKS.remove(); // do not keep a big message's buffer
        }
        byte[] line = JsonCodec.shared().encodeWithMapper(message); // the plain writer has just said no
        if (line.length > maxLine) return tooLarge(line.length);
        return line.length <= BATCH_MESSAGE ? enqueue(null, line, line.length)
                : enqueue(new Outgoing(line, null, false, null), null, 0);
    }

    /** Queues one already encoded message: a JSON text and its {@code \n}, as {@link JsonCodec#encode} makes it. */
    CompletableFuture<Void> sendLine(byte[] line) {
        if (line.length > maxLine) return tooLarge(line.length);
        return enqueue(new Outgoing(line, null, false, null), null, 0);
    }

    /**
     * Queues a handle message's {@code line} with {@code dup}, a duplicate of the handle's fd that this queue
     * owns from now on. {@code closeOnAck}: the caller's channel, to close once the peer acknowledged it.
     */
    CompletableFuture<Void> sendWithFd(byte[] line, Fd dup, SelectableChannel closeOnAck) {
        return enqueue(new Outgoing(line, dup, false, closeOnAck), null, 0);
    }

    /** True when a line of {@code lineLength} bytes (with its {@code \n}) may be queued. */
    boolean fits(long lineLength) {
        return lineLength <= maxLine;
    }

    /** The future of a send whose encoded line (with its {@code \n}) is {@code lineLength} bytes: too many. */
    CompletableFuture<Void> tooLarge(long lineLength) {
        return CompletableFuture.failedFuture(new MessageTooLargeException(lineLength - 1, maxMessageBytes));
    }

    /**
     * Queues {@code o}, or, when it is null, the small fd-less message {@code plain[0, plainLen)} (copied into
     * the batch at the queue's tail). Returns the message's future.
     */
    private CompletableFuture<Void> enqueue(Outgoing o, byte[] plain, int plainLen) {
        CompletableFuture<Void> done;
        lock.lock();
        try {
            // The loop thread never waits for room, except inside a listener it runs (its watchdog moves the loop
            // to another thread, which then writes the queue out).
            while (queuedBytes > Channel.SEND_QUEUE_LIMIT && !closed && !closeWhenDrained
                    && !loop.inHandler()) {
                try {
                    room.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    break; // queue it anyway; the caller's interrupt status says what happened
                }
            }
            if (closed || closeWhenDrained) {
                if (o != null && o.fd != null) o.fd.close();
                return CompletableFuture.failedFuture(new ChannelClosedException(
                        "the IPC channel to " + peer + " is closed"));
            }
            if (o == null) {
                done = new CompletableFuture<>();
                Outgoing tail = queue.peekLast();
                if (tail == null || !tail.batch || tail.off > 0 || tail.len + plainLen > BATCH_BYTES) {
                    byte[] buffer;
                    if (spareBatch != null && spareBatch.length >= plainLen) {
                        buffer = spareBatch;
                        spareBatch = null;
                    } else {
                        buffer = new byte[Math.max(plainLen, 256)];
                    }
                    tail = new Outgoing(buffer);
                    queue.add(tail);
                }
                tail.append(plain, plainLen, done);
                queuedBytes += plainLen;
            } else {
                done = o.done();
                queue.add(o);
                queuedBytes += o.len;
                if (o.len >= BIG_MESSAGE && !bigSendBuffer) {
                    bigSendBuffer = true;
                    // best effort: the kernel caps it at net.core.wmem_max without a word
                    Sockets.setsockopt(fd.value(), Sockets.SOL_SOCKET, Sockets.SO_SNDBUF, BIG_SEND_BUFFER);
                }
            }
            long now = System.nanoTime();
            // While a coalesced write is pending, later sends join it (a sender slowed by a page fault or a GC
            // would otherwise fall back to one write per message).
            boolean flood = (flushScheduled || now - lastSendNanos < FLOOD_GAP_NANOS) && queuedBytes < COALESCE_LIMIT
                    && (o == null || o.fd == null);
            lastSendNanos = now;
            if (flood) {
                if (!flushScheduled && !writeArmed) {
                    flushScheduled = true;
                    loop.execute(this::scheduledFlush);
                }
                return done;
            }
        } finally {
            lock.unlock();
        }
        flush();
        return done;
    }

    private void scheduledFlush() {
        lock.lock();
        try {
            flushScheduled = false;
        } finally {
            lock.unlock();
        }
        flush();
    }

    /** Queues a control message ahead of user messages (but never inside one already half-written). */
    void sendControl(JsonNode message) {
        Outgoing o = new Outgoing(JsonCodec.shared().encode(message), null, true, null);
        lock.lock();
        try {
            if (closed) return;
            Outgoing head = queue.peekFirst();
            if (head != null && head.off > 0) {
                queue.pollFirst();
                queue.addFirst(o);
                queue.addFirst(head);
            } else {
                queue.addFirst(o);
            }
            queuedBytes += o.len;
        } finally {
            lock.unlock();
        }
        flush();
    }

    /**
     * Writes what the socket takes; any thread. A message with an fd goes out alone (its first byte carries
     * the fd); messages without one are gathered into one write. After a handle only control messages pass
     * until the peer's ACK.
     */
    void flush() {
        List<Outgoing> written = null;
        boolean closeNow = false;
        lock.lock();
        try {
            while (!closed && !writeArmed) {
                Outgoing head = queue.peekFirst();
                if (head == null || (gated() && !head.control)) break;
                int n;
                boolean withFd = head.off == 0 && head.fd != null;
                try {
                    if (withFd) {
                        n = FdPassing.send(fd.value(), head.bytes, 0, head.len, head.fd.number());
                    } else {
                        int len = gather(); // first: it may replace the buffer
                        n = FdPassing.sendPlain(fd.value(), sendBuffer, len, sendStructs);
                    }
                } catch (PosixException e) {
                    // EPIPE/ECONNRESET: the peer is gone; the reader will see it too. Close from the loop.
                    LOG.log(System.Logger.Level.DEBUG, "IPC send to " + peer + " failed: " + e.getMessage());
                    closeNow = true;
                    break;
                }
                if (n == 0) {
                    armWrite();
                    break;
                }
                if (withFd) head.fd.close(); // it travelled with the first byte
                // Hand the n bytes out to the messages they came from, in order.
                while (n > 0) {
                    Outgoing o = queue.peekFirst();
                    int take = Math.min(n, o.len - o.off);
                    o.off += take;
                    n -= take;
                    if (o.off < o.len) break;
                    queue.pollFirst();
                    queuedBytes -= o.len;
                    if (o.fd != null) awaitingAcks.add(o);
                    if (o.batch && (spareBatch == null || o.bytes.length > spareBatch.length)) spareBatch = o.bytes;
                    if (written == null) written = new ArrayList<>();
                    written.add(o);
                }
                room.signalAll();
            }
            if (closeWhenDrained && queue.isEmpty() && awaitingAcks.isEmpty()) closeNow = true;
        } finally {
            lock.unlock();
        }
        if (closeNow) loop.execute(closeChannel);
        if (written != null) complete(written);
    }

    /** Sizes the send buffer for what is queued: powers of two from 4 KiB to SEND_BUFFER. Lock held. */
    private void ensureSendBuffer() {
        if (sendBuffer.byteSize() == SEND_BUFFER) return;
        long queued = Math.min(queuedBytes, SEND_BUFFER);
        if (sendBuffer.byteSize() >= queued && sendBuffer.byteSize() > 0) return;
        long size = Math.max(4096, Long.highestOneBit(Math.max(1, queued - 1)) << 1);
        sendBuffer = Arena.ofAuto().allocate(Math.min(size, SEND_BUFFER), 8);
    }

    /**
     * Copies the head's unwritten bytes and the fd-less messages after it (stopping at a handle, or at a user
     * message while an ACK is awaited) into the send buffer; returns the byte count. Called with the lock held.
     */
    private int gather() {
        ensureSendBuffer();
        int total = 0;
        for (Outgoing o : queue) {
            if (total > 0 && ((o.fd != null && o.off == 0) || (gated() && !o.control))) break;
            int take = (int) Math.min(o.len - o.off, sendBuffer.byteSize() - total);
            MemorySegment.copy(o.bytes, o.off, sendBuffer, ValueLayout.JAVA_BYTE, total, take);
            total += take;
            if (total == sendBuffer.byteSize() || o.fd != null) break; // nothing follows a handle before its ACK
        }
        return total;
    }

    private void complete(List<Outgoing> written) {
        if (loop.inHandler()) {
            Dispatch.EVENTS.execute(() -> completeNow(written, null));
        } else {
            completeNow(written, null);
        }
    }

    /** Completes the futures of {@code written}: normally, or with {@code failure}. */
    private static void completeNow(List<Outgoing> written, Throwable failure) {
        for (Outgoing o : written) {
            for (int i = 0; i < o.futureCount; i++) {
                if (failure == null) {
                    o.futures[i].complete(null);
                } else {
                    o.futures[i].completeExceptionally(failure);
                }
            }
        }
    }

    /** True while user messages must wait for a handle's ACK. Lock held. */
    private boolean gated() {
        return !awaitingAcks.isEmpty() && !pipelineHandles;
    }

    /** Lets handles follow each other without waiting for ACKs; only for a forkd peer. Any thread. */
    void pipelineHandles(boolean on) {
        lock.lock();
        try {
            pipelineHandles = on;
        } finally {
            lock.unlock();
        }
        flush();
    }

    /** Called with the lock held: the socket is full, wait for EPOLLOUT before writing more. */
    private void armWrite() {
        writeArmed = true;
        loop.execute(wantWrite);
    }

    /** The socket is writable again (EPOLLOUT, or an error the next write will see). Loop thread. */
    void writable() {
        lock.lock();
        try {
            writeArmed = false;
        } finally {
            lock.unlock();
        }
        flush();
    }

    /**
     * The peer answered the oldest handle in flight: ACK (it has its copy: close ours if the sender asked) or
     * NACK. Either way, what waited behind it may go now.
     */
    void acknowledged(boolean nack) {
        Outgoing acked;
        lock.lock();
        try {
            acked = awaitingAcks.pollFirst();
        } finally {
            lock.unlock();
        }
        if (acked != null && acked.closeOnAck != null && !nack) {
            try {
                acked.closeOnAck.close();
            } catch (IOException ignored) {
                // the peer has its copy; ours is only being released
            }
        }
        flush();
    }

    // ------------------------------------------------------------------ closing

    /** {@link Channel#disconnect()}: refuse further sends, close the channel once everything queued is out. */
    void closeWhenDrained() {
        lock.lock();
        try {
            closeWhenDrained = true;
        } finally {
            lock.unlock();
        }
        flush();
    }

    boolean isClosed() {
        lock.lock();
        try {
            return closed;
        } finally {
            lock.unlock();
        }
    }

    /** What {@link #close} took from the queue: sends that never went out. */
    record Dropped(List<Outgoing> writes, boolean unacknowledgedHandle) {
        /** Fails the futures of the dropped sends with {@code failure}. */
        void fail(Throwable failure) {
            completeNow(writes, failure);
        }
    }

    /**
     * Closes the queue: {@code closeFd} runs under the lock (so no writer can be using the fd number), queued
     * sends are dropped (their fds closed; their futures are the caller's to fail). Null if already closed.
     */
    Dropped close(Runnable closeFd) {
        List<Outgoing> dropped;
        Outgoing ack;
        lock.lock();
        try {
            if (closed) return null;
            closed = true;
            OPEN.remove(this);
            closeFd.run();
            dropped = new ArrayList<>(queue);
            queue.clear();
            queuedBytes = 0;
            ack = awaitingAcks.pollFirst();
            awaitingAcks.clear();
            room.signalAll();
        } finally {
            lock.unlock();
        }
        for (Outgoing o : dropped) {
            if (o.fd != null) o.fd.close();
        }
        return new Dropped(dropped, ack != null && ack.closeOnAck != null);
    }
}
