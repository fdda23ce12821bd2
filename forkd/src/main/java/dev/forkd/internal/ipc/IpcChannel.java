package dev.forkd.internal.ipc;

import dev.forkd.internal.io.LazyLogger;
import dev.forkd.internal.io.Dispatch;
import dev.forkd.internal.io.EventLoop;
import dev.forkd.internal.io.Fd;
import dev.forkd.internal.io.Fds;
import dev.forkd.internal.json.JsonCodec;
import dev.forkd.internal.json.JsonFormatException;
import dev.forkd.internal.posix.LibC;
import dev.forkd.internal.posix.PosixException;
import dev.forkd.ipc.Channel;
import dev.forkd.ipc.ChannelClosedException;
import dev.forkd.ipc.Handle;
import dev.forkd.ipc.Message;
import dev.forkd.ipc.SendOptions;
import dev.forkd.ipc.Subscription;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.channels.SelectableChannel;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.function.BiConsumer;
import java.util.function.Consumer;
import tools.jackson.databind.JsonNode;

/**
 * A Node-compatible IPC channel over a non-blocking AF_UNIX stream socket, driven by the {@link EventLoop}.
 * Three parts: this class receives and owns the channel's life; {@link SendQueue} sends (batching,
 * coalescing, back-pressure, the exit drain); {@link NodeProtocol} answers Node's internal messages (handles,
 * ACK/NACK, the socket-count queries). JSON goes through {@link JsonCodec} only.
 *
 * <p>Receive: the loop thread recvmsg()s into its scratch buffer, frames JSON lines ({@link JsonLineDecoder}),
 * hands Node's internal messages to the protocol and user messages to the {@link Inbox}. It stops reading while
 * more than {@value #INBOX_HIGH} bytes wait for listeners.
 *
 * <p>Closing: the fd is closed on the loop thread, under the send queue's lock, so no thread can ever use a
 * recycled fd number.
 */
public final class IpcChannel implements Channel {
    private static final System.Logger LOG = LazyLogger.of("dev.forkd");
    private static final long INBOX_HIGH = 8L << 20;
    private static final long INBOX_LOW = 2L << 20;
    private static final int READS_PER_EVENT = 16;

    private final EventLoop loop = EventLoop.get();
    private final Fd fd;
    private final String peer;
    private final long maxMessageBytes;
    private final JsonLineDecoder decoder;
    private final Inbox inbox;
    private final SendQueue out;
    private final NodeProtocol protocol;
    private final CompletableFuture<Void> closedInternal = new CompletableFuture<>();
    private final CompletableFuture<Void> disconnected = new CompletableFuture<>();

    // loop thread only. One epoll registration per fd (a second ADD fails with EEXIST), so reading and
    // waiting for writability share it: the interest mask is EPOLLIN unless paused, plus EPOLLOUT when armed.
    private long token = -1;
    private int interest;
    private boolean readPaused;
    private boolean writeWanted;

    /** recvmsg's structs: loop thread only. */
    private final Arena structsArena = Arena.ofAuto();
    private final FdPassing.MsgStructs recvStructs = new FdPassing.MsgStructs(structsArena);
    private volatile boolean connected = true;

    private IpcChannel(Fd fd, String peer, long maxMessageBytes) {
        this.fd = fd;
        this.peer = peer;
        this.maxMessageBytes = maxMessageBytes;
        this.out = new SendQueue(loop, fd, peer, maxMessageBytes, this::wantWrite, this::closeNow);
        this.inbox = new Inbox(peer, this::resumeIfDrained, m -> protocol().onLateInternal(m));
        this.protocol = new NodeProtocol(peer, loop, out, inbox, out::isClosed);
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
                if (error.handleMessage()) protocol.nackDropped();
            }
        });
    }

    private NodeProtocol protocol() {
        return protocol;
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
        c.out.drainAtExit();
        c.loop.execute(c::armRead);
        return c;
    }

    // ------------------------------------------------------------------ receiving (loop thread)

    private void armRead() {
        updateInterest();
    }

    /** Brings the epoll registration in line with readPaused/writeWanted. Loop thread. */
    private void updateInterest() {
        if (out.isClosed()) return;
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

    /** The send queue found the socket full: wait for EPOLLOUT. Loop thread. */
    private void wantWrite() {
        writeWanted = true;
        updateInterest();
    }

    private void onEvents(int events) {
        if (writeWanted && (events & (LibC.EPOLLOUT | LibC.EPOLLERR | LibC.EPOLLHUP)) != 0) {
            writeWanted = false;
            updateInterest();
            out.writable();
        }
        if (!readPaused && (events & (LibC.EPOLLIN | LibC.EPOLLERR | LibC.EPOLLHUP)) != 0) onReadable(events);
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
                if (readPaused && !out.isClosed() && inbox.pendingBytes() <= INBOX_LOW) {
                    readPaused = false;
                    updateInterest();
                }
            });
        }
    }

    private void onLine(byte[] line, int len, JsonLineDecoder.HandleFds fds) {
        if (!NodeProtocol.mayBeInternal(line, len)) {
            // Parsed on the delivery thread, so that the loop thread goes back to reading. A long line was not
            // searched: the inbox tells once it has parsed it whether it is internal after all, unless an fd
            // is waiting that it may need (then it is a handle message, or one sent with it: parse it now).
            boolean unscanned = len > NodeProtocol.SCAN_LIMIT;
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
                if (handle) protocol.nackDropped();
                return;
            }
            if (NodeProtocol.isInternal(m)) {
                protocol.onInternal(m, fds);
                return;
            }
            inbox.add(new ReceivedMessage(m, JsonCodec.shared(), null, null), len);
        } catch (RuntimeException | StackOverflowError e) {
            // Nothing a peer sends may break the loop or the channel (DESIGN §6b): report, drop, read on.
            LOG.log(System.Logger.Level.ERROR, "IPC channel to " + peer + ": failed to handle a message", e);
        }
    }

    /** forkd's own internal protocols (cluster) subscribe here; called on the loop thread. */
    public Subscription onInternalMessage(BiConsumer<JsonNode, Optional<Handle>> listener) {
        return protocol.onInternalMessage(listener);
    }

    // ------------------------------------------------------------------ sending

    @Override
    public CompletableFuture<Void> send(Object message) {
        return out.send(message);
    }

    @Override
    public long maxMessageBytes() {
        return maxMessageBytes;
    }

    /** Sends one already encoded message: a JSON text and its {@code \n}, as {@link JsonCodec#encode} makes it. */
    CompletableFuture<Void> sendLine(byte[] line) {
        return out.sendLine(line);
    }

    @Override
    public CompletableFuture<Void> send(Object message, SelectableChannel handle, SendOptions options) {
        return protocol.sendHandle(message, handle, options);
    }

    /**
     * Sends {@code handle} wrapped in a NODE_HANDLE of {@code type} ({@code net.Native} for cluster
     * hand-offs). {@code closeOnAck}: close the caller's channel once the peer acknowledged it.
     */
    public CompletableFuture<Void> sendHandle(JsonNode message, SelectableChannel handle, String type,
                                              boolean closeOnAck) {
        return protocol.sendHandle(message, handle, type, closeOnAck);
    }

    /** Sends one of forkd's internal messages (cmd NODE_...), in order with user messages. */
    public CompletableFuture<Void> sendInternal(JsonNode message) {
        return out.sendLine(JsonCodec.shared().encode(message));
    }

    /** Lets handles follow each other without waiting for ACKs; only for a forkd peer. Any thread. */
    public void pipelineHandles(boolean on) {
        out.pipelineHandles(on);
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
        out.closeWhenDrained();
    }

    /** Closes now (EOF, error, or a drained disconnect). Loop thread. */
    private void closeNow() {
        SendQueue.Dropped dropped = out.close(() -> {
            connected = false;
            if (token >= 0) loop.unregister(fd.number(), token);
            token = -1;
            fd.close();
        });
        if (dropped == null) return; // closed already
        decoder.close(); // fds that arrived for handle messages that never came
        Dispatch.EVENTS.execute(() -> {
            dropped.fail(new ChannelClosedException(
                    "the IPC channel to " + peer + " closed before the message was written"));
            disconnected.complete(null);
        });
        if (dropped.unacknowledgedHandle()) {
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
