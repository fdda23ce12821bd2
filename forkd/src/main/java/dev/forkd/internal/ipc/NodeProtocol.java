package dev.forkd.internal.ipc;

import dev.forkd.internal.io.LazyLogger;
import dev.forkd.internal.io.EventLoop;
import dev.forkd.internal.io.Fd;
import dev.forkd.internal.io.Fds;
import dev.forkd.internal.json.JsonCodec;
import dev.forkd.internal.posix.PosixException;
import dev.forkd.internal.posix.Sockets;
import dev.forkd.ipc.Handle;
import dev.forkd.ipc.SendOptions;
import dev.forkd.ipc.Subscription;
import java.io.IOException;
import java.nio.channels.DatagramChannel;
import java.nio.channels.SelectableChannel;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.BiConsumer;
import java.util.function.BooleanSupplier;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;

/**
 * Node's internal messages on one {@link IpcChannel} (research/node-protocol.md §3): objects whose {@code cmd}
 * starts with {@code NODE_}, which are answered here and never delivered to the user's listeners. Handles
 * ({@code NODE_HANDLE} with one passed fd, answered ACK or NACK), the socket-count queries of a
 * {@code net.Socket} sent from a server ({@code NODE_SOCKET_GET_COUNT}, {@code NODE_SOCKET_NOTIFY_CLOSE}), and
 * every other {@code NODE_} message for forkd's own protocols (the cluster's {@code NODE_CLUSTER}).
 *
 * <p>Receiving runs on the loop thread (except {@link #onLateInternal}, which hands over to it); a listener or
 * an adoption that throws is reported and breaks neither the loop nor the channel (DESIGN §6b).
 */
final class NodeProtocol {
    private static final System.Logger LOG = LazyLogger.of("dev.forkd");

    private final String peer;
    private final EventLoop loop;
    private final SendQueue out;
    private final Inbox inbox;
    private final BooleanSupplier closed;
    private final CopyOnWriteArrayList<BiConsumer<JsonNode, Optional<Handle>>> internalListeners =
            new CopyOnWriteArrayList<>();
    private final Map<String, List<SocketChannel>> socketsByKey = new ConcurrentHashMap<>();

    NodeProtocol(String peer, EventLoop loop, SendQueue out, Inbox inbox, BooleanSupplier closed) {
        this.peer = peer;
        this.loop = loop;
        this.out = out;
        this.inbox = inbox;
        this.closed = closed;
    }

    // ------------------------------------------------------------------ recognising internal messages

    static final int SCAN_LIMIT = 64 * 1024;
    /** Up to this length a byte loop searches a line; longer ones are searched as a String (vectorised). */
    private static final int SHORT_LINE = 256;
    private static final byte[] CMD_PREFIX = "{\"cmd\":".getBytes(StandardCharsets.US_ASCII);

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
        String ascii = new String(line, 0, len, StandardCharsets.ISO_8859_1);
        return ascii.indexOf("\"cmd\"") >= 0 || ascii.indexOf("\\u") >= 0;
    }

    /** Node's rule: an object whose {@code cmd} is a string longer than 5 characters starting with NODE_. */
    static boolean isInternal(JsonNode m) {
        JsonNode cmd = m.isObject() ? m.get("cmd") : null;
        return cmd != null && cmd.isString() && cmd.stringValue().length() > 5 && cmd.stringValue().startsWith("NODE_");
    }

    // ------------------------------------------------------------------ receiving (loop thread)

    /** An internal message ({@link #isInternal}), with the fds waiting for handle messages. Loop thread. */
    void onInternal(JsonNode m, JsonLineDecoder.HandleFds fds) {
        String cmd = m.get("cmd").stringValue();
        switch (cmd) {
            case "NODE_HANDLE_ACK" -> out.acknowledged(false);
            case "NODE_HANDLE_NACK" -> {
                LOG.log(System.Logger.Level.WARNING, "IPC channel to " + peer + ": the peer did not receive a handle (NACK)");
                out.acknowledged(true);
            }
            case "NODE_HANDLE" -> onHandle(m, fds.take());
            case "NODE_SOCKET_GET_COUNT" -> {
                String key = m.path("key").asString("");
                ObjectNode reply = JsonNodeFactory.instance.objectNode().put("cmd", "NODE_SOCKET_COUNT").put("key", key)
                        .put("count", openSockets(key));
                out.sendControl(reply);
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
    void onLateInternal(JsonNode m) {
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

    /** forkd's own internal protocols (cluster) subscribe here; called on the loop thread. */
    Subscription onInternalMessage(BiConsumer<JsonNode, Optional<Handle>> listener) {
        internalListeners.add(listener);
        return () -> internalListeners.remove(listener);
    }

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
    void nackDropped() {
        out.sendControl(JsonNodeFactory.instance.objectNode().put("cmd", "NODE_HANDLE_NACK"));
    }

    /** A NODE_HANDLE message and the fd that belongs to it (null: none arrived). */
    private void onHandle(JsonNode m, Fd received) {
        if (received == null) {
            // No fd arrived (MSG_CTRUNC, or a peer that forgot it): Node answers NACK and the sender retries.
            out.sendControl(JsonNodeFactory.instance.objectNode().put("cmd", "NODE_HANDLE_NACK"));
            return;
        }
        out.sendControl(JsonNodeFactory.instance.objectNode().put("cmd", "NODE_HANDLE_ACK")); // before any user code
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
            out.sendControl(JsonNodeFactory.instance.objectNode().put("cmd", "NODE_SOCKET_ALL_CLOSED").put("key", key));
        } else if (!closed.getAsBoolean()) {
            loop.schedule(100_000_000L, () -> awaitSocketsClosed(key));
        }
    }

    // ------------------------------------------------------------------ sending handles (any thread)

    /** {@link dev.forkd.ipc.Channel#send(Object, SelectableChannel, SendOptions)}: Node's type for the channel. */
    CompletableFuture<Void> sendHandle(Object message, SelectableChannel handle, SendOptions options) {
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
    CompletableFuture<Void> sendHandle(JsonNode message, SelectableChannel handle, String type, boolean closeOnAck) {
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
            if (!out.fits(line.length)) return out.tooLarge(line.length);
            // Our own duplicate travels, so that closing the user's channel early cannot send a recycled fd.
            dup = Fds.dupAtLeast(handleFd, 3);
        } catch (PosixException e) {
            return CompletableFuture.failedFuture(e);
        }
        return out.sendWithFd(line, dup, closeOnAck ? handle : null);
    }
}
