package dev.forkd.ipc;

import dev.forkd.internal.ipc.ParentChannel;
import java.nio.channels.SelectableChannel;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;

/**
 * The IPC channel between a parent and a child, wire-compatible with Node's: one compact JSON text and a
 * {@code \n} per message over an AF_UNIX socket, handles passed with SCM_RIGHTS. A forkd parent can drive a
 * Node child ({@code process.send}, {@code process.on('message')}) and a Node parent can drive a forkd child.
 *
 * <p>A parent forks a JVM and talks to it:
 * {@snippet class=dev.forkd.snippets.ChannelSnippets region=parent}
 * and the child answers (the same code works when the parent is a Node process):
 * {@snippet class=dev.forkd.snippets.ChannelSnippets region=child}
 *
 * <p><b>Ordering.</b> Messages arrive in the order they were sent; listeners are called one message at a time.
 * Messages that arrive before the first listener is added are kept and delivered to it, as in Node.
 *
 * <p><b>Threads.</b> Listeners may block. forkd first calls them on the thread that read the message (its
 * event-loop thread, after the current batch of reads), which saves the thread hand-offs that dominate a round
 * trip. A watchdog sees a listener that stays blocked there (parked, waiting, sleeping) for more than about
 * 10 ms, or busy (computing, or in a blocking system call) for more than about 100 ms: the event loop moves to
 * a new thread at once, so other channels and children wait at most that long, and that channel's listeners
 * run on virtual threads for a while (50 ms, doubling with every further stall up to about a minute). A
 * listener that computes for long should hand the work to its own executor. Do not rely on the identity of
 * the calling thread.
 *
 * <p><b>Flow control.</b> {@link #send} queues the message and returns; the future completes once it has been
 * written to the socket (not when the peer has read it). Sends that follow each other within microseconds are
 * written together by forkd's event loop a moment later; if the JVM exits meanwhile ({@code System.exit},
 * the end of {@code main}, SIGTERM), a shutdown hook writes what is still queued, waiting at most a second
 * for a peer that does not read. {@code Runtime.halt}, SIGKILL or a crash skip it: to be sure, wait for the
 * last send's future. While more than {@link #SEND_QUEUE_LIMIT} bytes are
 * queued because the peer reads slowly, {@code send} blocks the calling thread until there is room, so a slow
 * reader never grows the sender's heap without bound. (Two peers that only ever send from inside their
 * message listeners, faster than the other side reads, can therefore stall each other; send from another
 * thread if a listener produces floods.)
 *
 * <p><b>Size.</b> A message may be up to {@link #maxMessageBytes()} bytes of JSON (default
 * {@value #DEFAULT_MAX_MESSAGE_BYTES}, 1 GiB). A larger send fails its future with
 * {@link MessageTooLargeException} and writes nothing; a larger message from the peer is skipped and reported
 * in the log (logger {@code dev.forkd}, WARNING), and answered NACK if it was a handle message, so that its
 * sender goes on. Either way the channel carries on with the next message.
 *
 * <p><b>Handles.</b> {@link #send(Object, SelectableChannel)} passes a listening {@code ServerSocketChannel},
 * a connected {@code SocketChannel} or a {@code DatagramChannel} to the peer, which receives it as
 * {@link Message#handle()}. As in Node, every message sent after a handle waits until the peer has
 * acknowledged it.
 */
public interface Channel {

    /** Bytes the send queue may hold before {@link #send} blocks: 16 MiB. */
    long SEND_QUEUE_LIMIT = 16L << 20;

    /**
     * The default of {@link #maxMessageBytes()}: 1 GiB. Node has no limit of its own but V8's longest string,
     * 2^29 - 24 UTF-16 units ({@code buffer.constants.MAX_STRING_LENGTH}), which it can neither send nor
     * receive beyond (up to 512 MiB of ASCII JSON, more for text of multi-byte characters); 1 GiB takes every
     * such message of ASCII and most others, and still bounds what a peer can make this process buffer.
     */
    long DEFAULT_MAX_MESSAGE_BYTES = 1L << 30;

    /** The largest {@link #maxMessageBytes()} can be: a line is held in one Java array. */
    long MAX_MESSAGE_BYTES_LIMIT = Integer.MAX_VALUE - 16;

    /**
     * The channel to this process's parent, if it was started with one (by {@code fork}, by
     * {@link dev.forkd.Stdio#ipc()}, or by a Node parent with an {@code 'ipc'} stdio entry). The first call
     * opens it; later calls return the same channel. The {@code NODE_CHANNEL_*} variables are not passed on to
     * this process's own children.
     *
     * <p>A fresh JVM can send at once: messages of plain values (maps, lists, plain records, strings, numbers,
     * booleans, {@code JsonNode} trees) go out before forkd's native layer is loaded, which happens in the
     * background after the first send (with {@code --add-opens java.base/sun.nio.ch}, which forkd's
     * {@code fork} passes). Adding a listener, sending a handle or disconnecting waits for that.
     *
     * <p>Its {@link #maxMessageBytes()} is the system property {@code forkd.ipc.maxMessageBytes} if set, else
     * the variable {@code FORKD_IPC_MAX_MESSAGE_BYTES}, which a forkd parent passes when its end has a limit
     * other than the default ({@link dev.forkd.ForkOptions#maxMessageBytes(long)},
     * {@link dev.forkd.Stdio#ipc(long)}), else {@link #DEFAULT_MAX_MESSAGE_BYTES}.
     *
     * @throws IllegalStateException if {@code NODE_CHANNEL_FD}, the property or the variable is not a valid
     *                               number
     */
    static Optional<Channel> parent() {
        return ParentChannel.get();
    }

    /**
     * Sends a message: anything Jackson can write as JSON (a record, a Map, a String, a number, a
     * {@code JsonNode}...). Objects whose {@code cmd} starts with {@code NODE_} are reserved.
     *
     * @return completes when the message has been written, or fails with {@link ChannelClosedException}, or
     *     with {@link MessageTooLargeException} when its JSON is longer than {@link #maxMessageBytes()}
     * @throws IllegalArgumentException if the message cannot be written as JSON (nothing is sent)
     */
    CompletableFuture<Void> send(Object message);

    /** Sends a message with a handle; see {@link #send(Object, SelectableChannel, SendOptions)}. */
    default CompletableFuture<Void> send(Object message, SelectableChannel handle) {
        return send(message, handle, SendOptions.defaults());
    }

    /**
     * Sends a message together with a socket the peer can use. A server stays open here (both processes can
     * accept on it); a connected socket is closed here once the peer has acknowledged it, unless
     * {@link SendOptions#keepOpen()}.
     *
     * @throws IllegalArgumentException for a channel that is not a server socket, socket or datagram channel
     * @throws IllegalStateException    if this JVM was started without
     *                                  {@code --add-opens java.base/sun.nio.ch=ALL-UNNAMED} (for {@code java -jar}:
     *                                  the manifest attribute {@code Add-Opens: java.base/sun.nio.ch}): sending
     *                                  a socket needs its fd, which only the JDK's internals know
     */
    CompletableFuture<Void> send(Object message, SelectableChannel handle, SendOptions options);

    /**
     * The longest message this channel sends or accepts, in bytes of UTF-8 JSON without the line feed that
     * ends it on the wire (a handle's message counts with its {@code NODE_HANDLE} envelope). Set per channel:
     * {@link dev.forkd.ForkOptions#maxMessageBytes(long)}, {@link dev.forkd.Stdio#ipc(long)}, and in a child
     * as {@link #parent()} says; the default is {@link #DEFAULT_MAX_MESSAGE_BYTES}.
     *
     * <p>A send of more fails with {@link MessageTooLargeException} and writes nothing. A longer message from
     * the peer is skipped as soon as it crosses the limit (this side never buffers more) and reported in the
     * log; the peer is not told, which is why a forkd parent gives its child its own limit. Either way the
     * channel goes on with the next message. (forkd's channels return their own limit; this default, for other
     * implementations, returns {@link #DEFAULT_MAX_MESSAGE_BYTES}.)
     */
    default long maxMessageBytes() {
        return DEFAULT_MAX_MESSAGE_BYTES;
    }

    /** Adds a listener for the peer's messages. Closing the subscription removes it. */
    Subscription onMessage(Consumer<Message> listener);

    /** Completes once, when the channel is closed by either side (Node's 'disconnect'). */
    CompletableFuture<Void> onDisconnect();

    /** True until the channel is closed by either side. */
    boolean isConnected();

    /**
     * Closes the channel after the messages already queued have been written. The peer sees 'disconnect'.
     * Idempotent.
     */
    void disconnect();
}
