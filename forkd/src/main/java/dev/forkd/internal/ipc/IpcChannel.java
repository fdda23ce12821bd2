package dev.forkd.internal.ipc;

import dev.forkd.internal.io.Dispatch;
import dev.forkd.internal.io.EventLoop;
import dev.forkd.internal.io.Fd;
import dev.forkd.internal.io.Fds;
import dev.forkd.internal.json.JsonCodec;
import dev.forkd.internal.json.JsonFormatException;
import dev.forkd.internal.json.LineBuffer;
import dev.forkd.internal.posix.LibC;
import dev.forkd.internal.posix.PosixException;
import dev.forkd.internal.posix.Sockets;
import dev.forkd.ipc.Channel;
import dev.forkd.ipc.ChannelClosedException;
import dev.forkd.ipc.Handle;
import dev.forkd.ipc.Message;
import dev.forkd.ipc.MessageTooLargeException;
import dev.forkd.ipc.SendOptions;
import dev.forkd.ipc.Subscription;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.channels.DatagramChannel;
import java.nio.channels.SelectableChannel;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.BiConsumer;
import java.util.function.Consumer;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;

/**
 * A Node-compatible IPC channel over a non-blocking AF_UNIX stream socket, driven by the {@link EventLoop}.
 *
 * <p>Receive: the loop thread recvmsg()s into its scratch buffer, frames JSON lines, answers Node's internal
 * messages (NODE_HANDLE, ACK/NACK, the socket-count queries) itself and hands user messages to the
 * {@link Inbox}. It stops reading while more than {@value #INBOX_HIGH} bytes wait for listeners.
 *
 * <p>Send: messages are encoded on the caller's thread and queued; whoever holds the send lock writes as
 * much as the socket takes (the caller, or the loop on EPOLLOUT). After a handle, only control messages
 * (ACK/NACK and replies) go out until the peer's ACK arrives, as Node requires.
 *
 * <p>Closing: the fd is closed on the loop thread, under the send lock, so no thread can ever use a
 * recycled fd number.
 */
public final class IpcChannel implements Channel {
    private static final System.Logger LOG = System.getLogger("dev.forkd");
    private static final long INBOX_HIGH = 8L << 20;
    private static final long INBOX_LOW = 2L << 20;
    private static final int READS_PER_EVENT = 16;

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

    private final EventLoop loop = EventLoop.get();
    private final Fd fd;
    private final String peer;
    private final long maxMessageBytes;
    /** The longest encoded line a send may queue: {@code maxMessageBytes} plus its {@code \n}. */
    private final int maxLine;
    private final JsonLineDecoder decoder;
    private final Inbox inbox;
    private final CopyOnWriteArrayList<BiConsumer<JsonNode, Optional<Handle>>> internalListeners =
            new CopyOnWriteArrayList<>();
    private final CompletableFuture<Void> closedInternal = new CompletableFuture<>();
    private final CompletableFuture<Void> disconnected = new CompletableFuture<>();
    private final Map<String, List<SocketChannel>> socketsByKey = new ConcurrentHashMap<>();

    // loop thread only. One epoll registration per fd (a second ADD fails with EEXIST), so reading and
    // waiting for writability share it: the interest mask is EPOLLIN unless paused, plus EPOLLOUT when armed.
    private long token = -1;
    private int interest;
    private boolean readPaused;
    private boolean writeWanted;

    /** recvmsg's structs: loop thread only. */
    private final Arena structsArena = Arena.ofAuto();
    private final FdPassing.MsgStructs recvStructs = new FdPassing.MsgStructs(structsArena);
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
    private volatile boolean connected = true;

    private IpcChannel(Fd fd, String peer, long maxMessageBytes) {
        this.fd = fd;
        this.peer = peer;
        this.maxMessageBytes = maxMessageBytes;
        this.maxLine = Math.toIntExact(maxMessageBytes + 1);
        this.inbox = new Inbox(peer, this::resumeIfDrained, this::onLateInternal);
        this.decoder = new JsonLineDecoder((int) maxMessageBytes, new JsonLineDecoder.Listener() {
            @Override
            public void line(byte[] buf, int len, JsonLineDecoder.HandleFds fds) {
                onLine(buf, len, fds);
            }

            @Override
            public void error(MessageFormatException error) {
                // A receiver cannot tell the sender: say here what was lost and which setting decides it.
                LOG.log(System.Logger.Level.WARNING, "IPC channel to " + peer + ": " + error.getMessage()
                        + (error.kind() == MessageFormatException.Kind.LINE_TOO_LONG
                                ? " (this channel's maxMessageBytes; the sender's limit should not exceed it)" : ""));
                if (error.handleMessage()) nackDropped();
            }
        });
    }

    /** Opens a channel with the default message size limit; see {@link #open(Fd, String, long)}. */
    public static IpcChannel open(Fd fd, String peer) throws PosixException {
        return open(fd, peer, DEFAULT_MAX_MESSAGE_BYTES);
    }

    /**
     * Opens a channel on a connected AF_UNIX stream socket, which it owns from now on, sending and accepting
     * messages of up to {@code maxMessageBytes} bytes of JSON (see {@link Channel#maxMessageBytes()}).
     */
    public static IpcChannel open(Fd fd, String peer, long maxMessageBytes) throws PosixException {
        if (maxMessageBytes < 1 || maxMessageBytes > MAX_MESSAGE_BYTES_LIMIT) {
            throw new IllegalArgumentException("maxMessageBytes out of range: " + maxMessageBytes);
        }
        Fds.setNonBlocking(fd.value());
        IpcChannel c = new IpcChannel(fd, peer, maxMessageBytes);
        OPEN.add(c);
        c.loop.execute(c::armRead);
        return c;
    }

    // ------------------------------------------------------------------ JVM exit

    /** Channels not closed yet: the exit hook writes out what they still hold. */
    private static final Set<IpcChannel> OPEN = ConcurrentHashMap.newKeySet();
    /** How long the exit hook waits for a peer that does not read. */
    private static final long EXIT_FLUSH_NANOS = 1_000_000_000L;

    static {
        Runtime.getRuntime().addShutdownHook(Thread.ofPlatform().name("forkd-ipc-exit").unstarted(() -> {
            long deadline = System.nanoTime() + EXIT_FLUSH_NANOS;
            for (IpcChannel c : OPEN) c.drainBefore(deadline);
        }));
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

    // ------------------------------------------------------------------ receiving (loop thread)

    private void armRead() {
        updateInterest();
    }

    /** Brings the epoll registration in line with readPaused/writeWanted. Loop thread. */
    private void updateInterest() {
        if (closed()) return;
        int want = (readPaused ? 0 : LibC.EPOLLIN) | (writeWanted ? LibC.EPOLLOUT : 0);
        if (want == interest && (token >= 0) == (want != 0)) return;
        if (want == 0) {
            // Unregister rather than wait for nothing: epoll reports EPOLLHUP whatever the mask says.
            loop.unregister(fd.number(), token);
            token = -1;
        } else if (token < 0) {
            token = loop.register(fd.value(), want, this::onEvents);
            if (token < 0) {
                closeNow();
                return;
            }
        } else {
            loop.modify(fd.number(), token, want);
        }
        interest = want;
    }

    private void onEvents(int events) {
        if (writeWanted && (events & (LibC.EPOLLOUT | LibC.EPOLLERR | LibC.EPOLLHUP)) != 0) {
            writeWanted = false;
            updateInterest();
            lock.lock();
            try {
                writeArmed = false;
            } finally {
                lock.unlock();
            }
            flush();
        }
        if (!readPaused && (events & (LibC.EPOLLIN | LibC.EPOLLERR | LibC.EPOLLHUP)) != 0) onReadable(events);
    }

    private boolean closed() {
        lock.lock();
        try {
            return closed;
        } finally {
            lock.unlock();
        }
    }

    private void onReadable(int events) {
        MemorySegment buf = loop.scratch();
        for (int i = 0; i < READS_PER_EVENT; i++) {
            FdPassing.Received r;
            try {
                r = FdPassing.recv(fd.value(), buf, recvStructs);
            } catch (PosixException e) {
                // ECONNRESET and friends: the peer vanished. A clean disconnect, not a crash.
                LOG.log(System.Logger.Level.DEBUG, "IPC channel to " + peer + " failed: " + e.getMessage());
                decoder.end();
                closeNow();
                return;
            }
            switch (r) {
                case FdPassing.Received.Data d -> {
                    decoder.feed(buf.asSlice(0, d.bytes()), d.fds(), d.fdsTruncated());
                    if (inbox.pendingBytes() > INBOX_HIGH) {
                        pauseRead();
                        return;
                    }
                    if (d.bytes() < buf.byteSize()) return;
                }
                case FdPassing.Received.EndOfStream eos -> {
                    decoder.end();
                    closeNow();
                    return;
                }
                case FdPassing.Received.WouldBlock wb -> {
                    return;
                }
            }
        }
    }

    private void pauseRead() {
        readPaused = true;
        updateInterest();
    }

    /** Called by the inbox after it delivered a batch; any thread. */
    private void resumeIfDrained() {
        if (inbox.pendingBytes() <= INBOX_LOW) {
            loop.execute(() -> {
                if (readPaused && !closed() && inbox.pendingBytes() <= INBOX_LOW) {
                    readPaused = false;
                    updateInterest();
                }
            });
        }
    }

    private void onLine(byte[] line, int len, JsonLineDecoder.HandleFds fds) {
        if (!mayBeInternal(line, len)) {
            // Parsed on the delivery thread, so that the loop thread goes back to reading. A long line was not
            // searched: the inbox tells once it has parsed it whether it is internal after all, unless an fd
            // is waiting that it may need (then it is a handle message, or one sent with it: parse it now).
            boolean unscanned = len > SCAN_LIMIT;
            if (!unscanned || !fds.pending()) {
                inbox.addRaw(line, len, unscanned);
                return;
            }
        }
        try {
            JsonNode m;
            try {
                m = JsonCodec.shared().parse(line, len);
            } catch (JsonFormatException e) {
                // A handle message that cannot be read still came with an fd: close it, or the next one gets it.
                boolean handle = JsonLineDecoder.looksLikeHandle(line, len);
                Fd lost = handle ? fds.take() : null;
                if (lost != null) lost.close();
                LOG.log(System.Logger.Level.WARNING, "IPC channel to " + peer + ": dropped a line: " + e.getMessage()
                        + (lost != null ? " (closed the fd that came with it)" : ""));
                if (handle) nackDropped();
                return;
            }
            if (isInternal(m)) {
                onInternal(m, fds);
                return;
            }
            inbox.add(new ReceivedMessage(m, JsonCodec.shared(), null, null), len);
        } catch (RuntimeException | StackOverflowError e) {
            // Nothing a peer sends may break the loop or the channel (DESIGN §6b): report, drop, read on.
            LOG.log(System.Logger.Level.ERROR, "IPC channel to " + peer + ": failed to handle a message", e);
        }
    }

    private static final int SCAN_LIMIT = 64 * 1024;
    /** Up to this length a byte loop searches a line; longer ones are searched as a String (vectorised). */
    private static final int SHORT_LINE = 256;
    private static final byte[] CMD_PREFIX = "{\"cmd\":".getBytes(java.nio.charset.StandardCharsets.US_ASCII);

    /**
     * False when a line cannot be one of Node's internal messages, which are all objects with a {@code "cmd"}
     * member (a {@code \\u} escape could spell it too). Up to {@link #SCAN_LIMIT} bytes the whole line is
     * searched. A longer one is not, because the search would cost the loop thread about a third of what
     * parsing it on the delivery thread costs (0.22 vs 0.69 ms for a 1 MiB string here; dropping it was part
     * of what made 1 MiB messages faster than Node's, see BENCHMARKS.md): it counts as possibly internal here
     * when it starts with <code>{"cmd":</code>, as every internal message Node and forkd write does, and any
     * other is decided by the inbox once it has parsed it ({@link #onLateInternal}).
     */
    static boolean mayBeInternal(byte[] line, int len) {
        if (len > SCAN_LIMIT) {
            int i = 0;
            while (i < len && (line[i] == ' ' || line[i] == '\t' || line[i] == '\r')) i++;
            return len - i >= CMD_PREFIX.length
                    && Arrays.equals(line, i, i + CMD_PREFIX.length, CMD_PREFIX, 0, CMD_PREFIX.length);
        }
        if (len <= SHORT_LINE) {
            // The common small message: a plain loop, no copy.
            for (int i = 0; i + 1 < len; i++) {
                byte c = line[i];
                if (c == '\\' && line[i + 1] == 'u') return true;
                if (c == '"' && i + 4 < len && line[i + 1] == 'c' && line[i + 2] == 'm' && line[i + 3] == 'd'
                        && line[i + 4] == '"') {
                    return true;
                }
            }
            return false;
        }
        // The bytes seen as Latin-1: a plain copy (compact strings), and String.indexOf is vectorised.
        String ascii = new String(line, 0, len, java.nio.charset.StandardCharsets.ISO_8859_1);
        return ascii.indexOf("\"cmd\"") >= 0 || ascii.indexOf("\\u") >= 0;
    }

    /** Node's rule: an object whose {@code cmd} is a string longer than 5 characters starting with NODE_. */
    static boolean isInternal(JsonNode m) {
        JsonNode cmd = m.isObject() ? m.get("cmd") : null;
        return cmd != null && cmd.isString() && cmd.stringValue().length() > 5 && cmd.stringValue().startsWith("NODE_");
    }

    private void onInternal(JsonNode m, JsonLineDecoder.HandleFds fds) {
        String cmd = m.get("cmd").stringValue();
        switch (cmd) {
            case "NODE_HANDLE_ACK" -> onAck(false);
            case "NODE_HANDLE_NACK" -> onAck(true);
            case "NODE_HANDLE" -> onHandle(m, fds.take());
            case "NODE_SOCKET_GET_COUNT" -> {
                String key = m.path("key").asString("");
                ObjectNode reply = JsonNodeFactory.instance.objectNode().put("cmd", "NODE_SOCKET_COUNT").put("key", key)
                        .put("count", openSockets(key));
                sendControl(reply);
            }
            case "NODE_SOCKET_NOTIFY_CLOSE" -> awaitSocketsClosed(m.path("key").asString(""));
            default -> deliverInternal(m, Optional.empty());
        }
    }

    /**
     * An internal message the inbox found when it parsed a long line that does not start with its {@code cmd}
     * (Node's rule holds whatever the size and the order of members: such a message is never delivered). Any
     * thread; handled on the loop like the others, but after any internal message that came behind it
     * (Node's and forkd's own internal messages always start with {@code cmd}, so only hand-made ones can
     * come this way). No fd was waiting for it when its line was read, so a NODE_HANDLE is answered NACK.
     */
    private void onLateInternal(JsonNode m) {
        loop.execute(() -> {
            try {
                onInternal(m, NO_FDS);
            } catch (RuntimeException e) {
                LOG.log(System.Logger.Level.ERROR, "IPC channel to " + peer + ": failed to handle a message", e);
            }
        });
    }

    private static final JsonLineDecoder.HandleFds NO_FDS = new JsonLineDecoder.HandleFds() {
        @Override
        public Fd take() {
            return null;
        }

        @Override
        public boolean pending() {
            return false;
        }
    };

    /** Hands an internal message to forkd's own protocols; one that throws breaks neither the others nor the loop. */
    private void deliverInternal(JsonNode m, Optional<Handle> handle) {
        for (var l : internalListeners) {
            try {
                l.accept(m, handle);
            } catch (RuntimeException e) {
                LOG.log(System.Logger.Level.ERROR, "IPC channel to " + peer + ": internal message listener failed", e);
            }
        }
    }

    /**
     * A handle message was dropped (malformed, or longer than the limit): its sender queues everything after
     * it until an answer comes (Node's rule), so answer NACK, as for a handle that came without its fd. A Node
     * sender then retries a socket a few times and gives up on it; other handles it just forgets.
     */
    private void nackDropped() {
        sendControl(JsonNodeFactory.instance.objectNode().put("cmd", "NODE_HANDLE_NACK"));
    }

    /** A NODE_HANDLE message and the fd that belongs to it (null: none arrived). */
    private void onHandle(JsonNode m, Fd received) {
        if (received == null) {
            // No fd arrived (MSG_CTRUNC, or a peer that forgot it): Node answers NACK and the sender retries.
            sendControl(JsonNodeFactory.instance.objectNode().put("cmd", "NODE_HANDLE_NACK"));
            return;
        }
        sendControl(JsonNodeFactory.instance.objectNode().put("cmd", "NODE_HANDLE_ACK")); // before any user code
        String type = m.path("type").asString("");
        JsonNode msg = m.has("msg") ? m.get("msg") : JsonNodeFactory.instance.nullNode();
        Handle handle = null;
        RuntimeException error = null;
        try {
            handle = switch (type) {
                case "net.Server" -> new Handle.Server(HandleAdoption.serverSocket(received.number()));
                case "net.Socket" -> new Handle.Socket(HandleAdoption.socket(received.number()));
                case "dgram.Socket" -> new Handle.Datagram(HandleAdoption.datagram(received.number()));
                default -> switch (HandleAdoption.adopt(received.number())) { // net.Native, dgram.Native
                    case ServerSocketChannel s -> new Handle.Server(s);
                    case SocketChannel s -> new Handle.Socket(s);
                    case DatagramChannel d -> new Handle.Datagram(d);
                    default -> throw new IllegalArgumentException("unsupported handle type " + type);
                };
            };
        } catch (IOException | RuntimeException e) {
            received.close();
            error = e instanceof RuntimeException re ? re
                    : new IllegalStateException("cannot use the " + type + " handle received from " + peer + ": "
                            + e.getMessage(), e);
            LOG.log(System.Logger.Level.ERROR, "IPC channel to " + peer + ": " + error.getMessage());
        }
        if (handle instanceof Handle.Socket(SocketChannel s) && m.hasNonNull("key")) {
            socketsByKey.computeIfAbsent(m.get("key").asString(), k -> new CopyOnWriteArrayList<>()).add(s);
        }
        if (isInternal(msg)) {
            deliverInternal(msg, Optional.ofNullable(handle));
        } else {
            inbox.add(new ReceivedMessage(msg, JsonCodec.shared(), handle, error), 64);
        }
    }

    private int openSockets(String key) {
        List<SocketChannel> list = socketsByKey.getOrDefault(key, List.of());
        list.removeIf(s -> !s.isOpen());
        return list.size();
    }

    /** Node's server.close() in the sender waits for this: poll until every socket with the key is closed. */
    private void awaitSocketsClosed(String key) {
        if (openSockets(key) == 0) {
            sendControl(JsonNodeFactory.instance.objectNode().put("cmd", "NODE_SOCKET_ALL_CLOSED").put("key", key));
        } else if (!closed()) {
            loop.schedule(100_000_000L, () -> awaitSocketsClosed(key));
        }
    }

    /** forkd's own internal protocols (cluster) subscribe here; called on the loop thread. */
    public Subscription onInternalMessage(BiConsumer<JsonNode, Optional<Handle>> listener) {
        internalListeners.add(listener);
        return () -> internalListeners.remove(listener);
    }

    // ------------------------------------------------------------------ sending

    @Override
    public CompletableFuture<Void> send(Object message) {
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

    /** The future of a send whose encoded line (with its {@code \n}) is {@code lineLength} bytes: too many. */
    private CompletableFuture<Void> tooLarge(long lineLength) {
        return CompletableFuture.failedFuture(new MessageTooLargeException(lineLength - 1, maxMessageBytes));
    }

    @Override
    public long maxMessageBytes() {
        return maxMessageBytes;
    }

    /** Sends one already encoded message: a JSON text and its {@code \n}, as {@link JsonCodec#encode} makes it. */
    CompletableFuture<Void> sendLine(byte[] line) {
        if (line.length > maxLine) return tooLarge(line.length);
        return enqueue(new Outgoing(line, null, false, null), null, 0);
    }

    @Override
    public CompletableFuture<Void> send(Object message, SelectableChannel handle, SendOptions options) {
        String type = switch (handle) {
            case ServerSocketChannel s -> "net.Server";
            case SocketChannel s -> "net.Socket";
            case DatagramChannel d -> "dgram.Socket";
            default -> throw new IllegalArgumentException("cannot send a " + handle.getClass().getName()
                    + ": only ServerSocketChannel, SocketChannel and DatagramChannel can be passed");
        };
        return sendHandle(JsonCodec.shared().toTree(message), handle, type,
                handle instanceof SocketChannel && !options.keepOpen());
    }

    /**
     * Sends {@code handle} wrapped in a NODE_HANDLE of {@code type} ({@code net.Native} for cluster
     * hand-offs). {@code closeOnAck}: close the caller's channel once the peer acknowledged it.
     */
    public CompletableFuture<Void> sendHandle(JsonNode message, SelectableChannel handle, String type,
                                              boolean closeOnAck) {
        if (!handle.isOpen()) throw new IllegalArgumentException("the handle is closed: " + handle);
        ObjectNode envelope = JsonNodeFactory.instance.objectNode().put("cmd", "NODE_HANDLE").put("type", type);
        envelope.set("msg", message);
        byte[] line;
        Fd dup;
        try {
            int handleFd = HandleAdoption.fdOf(handle);
            if (handle instanceof DatagramChannel) {
                envelope.put("dgramType", SocketInfo.family(handleFd) == Sockets.AF_INET6 ? "udp6" : "udp4");
            }
            line = JsonCodec.shared().encode(envelope);
            if (line.length > maxLine) return tooLarge(line.length);
            // Our own duplicate travels, so that closing the user's channel early cannot send a recycled fd.
            dup = Fds.dupAtLeast(handleFd, 3);
        } catch (PosixException e) {
            return CompletableFuture.failedFuture(e);
        }
        return enqueue(new Outgoing(line, dup, false, closeOnAck ? handle : null), null, 0);
    }

    /** Sends one of forkd's internal messages (cmd NODE_...), in order with user messages. */
    public CompletableFuture<Void> sendInternal(JsonNode message) {
        byte[] line = JsonCodec.shared().encode(message);
        if (line.length > maxLine) return tooLarge(line.length);
        return enqueue(new Outgoing(line, null, false, null), null, 0);
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
            while (queuedBytes > SEND_QUEUE_LIMIT && !closed && !closeWhenDrained
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
    private void sendControl(JsonNode message) {
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
    private void flush() {
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
        if (closeNow) loop.execute(this::closeNow);
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
    public void pipelineHandles(boolean on) {
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
        loop.execute(() -> {
            writeWanted = true;
            updateInterest();
        });
    }

    private void onAck(boolean nack) {
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
        if (nack) {
            LOG.log(System.Logger.Level.WARNING, "IPC channel to " + peer + ": the peer did not receive a handle (NACK)");
        }
        flush();
    }

    // ------------------------------------------------------------------ lifecycle

    @Override
    public Subscription onMessage(Consumer<Message> listener) {
        inbox.subscribe(listener);
        return () -> inbox.unsubscribe(listener);
    }

    @Override
    public CompletableFuture<Void> onDisconnect() {
        return disconnected.copy();
    }

    /** Completes on the loop thread once the channel is closed and every received message was delivered. */
    public CompletableFuture<Void> closedFuture() {
        return closedInternal;
    }

    /**
     * Waits (at most {@code maxNanos}) until every received message has been handed to the listeners; returns
     * at once when there are none, since messages then wait for a listener, as in Node.
     */
    public void awaitDelivered(long maxNanos) {
        inbox.awaitIdle(maxNanos);
    }

    @Override
    public boolean isConnected() {
        return connected;
    }

    @Override
    public void disconnect() {
        connected = false;
        lock.lock();
        try {
            closeWhenDrained = true;
        } finally {
            lock.unlock();
        }
        flush();
    }

    /** Closes now (EOF, error, or a drained disconnect). Loop thread. */
    private void closeNow() {
        List<Outgoing> dropped;
        Outgoing ack;
        lock.lock();
        try {
            if (closed) return;
            closed = true;
            connected = false;
            OPEN.remove(this);
            if (token >= 0) loop.unregister(fd.number(), token);
            token = -1;
            fd.close();
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
        decoder.close(); // fds that arrived for handle messages that never came
        Dispatch.EVENTS.execute(() -> {
            completeNow(dropped, new ChannelClosedException(
                    "the IPC channel to " + peer + " closed before the message was written"));
            disconnected.complete(null);
        });
        if (ack != null && ack.closeOnAck != null) {
            // never acknowledged: Node keeps the socket in that case; so do we (the user still owns it)
            LOG.log(System.Logger.Level.DEBUG, "IPC channel to " + peer + " closed before a handle was acknowledged");
        }
        closedInternal.complete(null);
    }

    @Override
    public String toString() {
        return "IpcChannel[" + peer + (connected ? ", connected]" : ", disconnected]");
    }
}
