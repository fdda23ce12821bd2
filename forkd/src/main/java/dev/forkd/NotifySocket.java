package dev.forkd;

import dev.forkd.internal.notify.NotifyReceiver;
import dev.forkd.internal.posix.UnixAddress;
import dev.forkd.ipc.Subscription;
import java.io.IOException;
import java.nio.file.Path;
import java.util.function.Consumer;

/**
 * The receiving side of systemd's notify protocol, for a supervisor: an AF_UNIX datagram socket whose
 * {@link #address()} goes into a child's {@code NOTIFY_SOCKET}, so that the child's {@link Notify#ready()}
 * (or sd_notify(3), or {@code systemd-notify}) reaches {@link #onMessage} listeners as a {@link NotifyMessage}.
 *
 * {@snippet :
 * try (NotifySocket notify = NotifySocket.bindAbstract()) {
 *     CompletableFuture<Void> ready = new CompletableFuture<>();
 *     notify.onMessage(m -> { if (m.isReady()) ready.complete(null); });
 *     ChildProcess app = ChildProcesses.spawn(Command.of("./app").env("NOTIFY_SOCKET", notify.address()));
 *     ready.get(30, TimeUnit.SECONDS);
 * }
 * }
 *
 * <p><b>Senders.</b> One socket can serve many children: each message carries the sender's {@link
 * NotifyMessage#pid() pid} as the kernel saw it. Anyone who can reach the address can send: a path socket is
 * guarded by the file's permissions (its directory's, to be sure), an abstract one by nothing but the network
 * namespace, so check the pid when that matters. Fds a sender passes along are closed on arrival (there is no
 * fd store); that also answers {@code sd_notify_barrier(3)}, whose {@code BARRIER=1} message is not delivered.
 *
 * <p><b>What is skipped.</b> A datagram that is not a notify message (not UTF-8, a NUL byte, a line without
 * {@code KEY=}) is logged (System.Logger {@code dev.forkd}, WARNING) and dropped whole; so is one larger than
 * 64 KiB. Empty datagrams are ignored.
 *
 * <p><b>Threads and order.</b> The socket is read by forkd's event loop from the moment it is bound. Listeners
 * are called one message at a time, in the order the datagrams arrived, the way {@link dev.forkd.ipc.Channel}
 * listeners are: first on the event-loop thread, moved to virtual threads for a while when one blocks or runs
 * long; do not rely on the calling thread. A listener that throws is logged and breaks nothing else. Messages
 * that arrive while there is no listener wait for the first one (up to 1024; beyond that the oldest are
 * dropped and a warning logged), so that no message is lost between binding and subscribing, and so that a
 * socket nobody listens to never blocks its senders.
 *
 * <p><b>Closing.</b> The caller owns the socket and must {@link #close()} it; nothing closes it otherwise.
 */
public final class NotifySocket implements AutoCloseable {
    private final NotifyReceiver receiver;

    private NotifySocket(NotifyReceiver receiver) {
        this.receiver = receiver;
    }

    /**
     * Binds a socket file at {@code path} (made absolute, since children may run elsewhere). {@link #close()}
     * removes the file. An existing file is an error, not replaced: remove a stale socket first.
     *
     * @throws IllegalArgumentException if the absolute path is longer than 107 bytes
     * @throws IOException              naming bind's errno and the path: EADDRINUSE (the file exists), ENOENT
     *                                  (no such directory), EACCES, ...
     */
    public static NotifySocket bind(Path path) throws IOException {
        return new NotifySocket(NotifyReceiver.bind(UnixAddress.ofPath(path.toAbsolutePath().toString())));
    }

    /**
     * Binds a socket in the abstract namespace: no file, gone when closed; {@link #address()} is
     * {@code "@" + name}.
     *
     * @throws IllegalArgumentException for an empty name, a NUL in it, or more than 107 bytes (UTF-8)
     * @throws IOException              EADDRINUSE if a socket of that name exists in this network namespace
     */
    public static NotifySocket bindAbstract(String name) throws IOException {
        return new NotifySocket(NotifyReceiver.bind(UnixAddress.ofAbstract(name)));
    }

    /**
     * Binds a socket in the abstract namespace under a name the kernel chooses (unique in this network
     * namespace; five hex digits), the easy choice when the children share this process's network namespace.
     */
    public static NotifySocket bindAbstract() throws IOException {
        return new NotifySocket(NotifyReceiver.bind(null));
    }

    /** The value for a child's {@code NOTIFY_SOCKET}: an absolute path, or {@code @name}. */
    public String address() {
        return receiver.address();
    }

    /**
     * Adds a listener for the messages; closing the subscription removes it. Messages that waited for a
     * listener go to the first one added.
     */
    public Subscription onMessage(Consumer<? super NotifyMessage> listener) {
        return receiver.subscribe(listener);
    }

    /**
     * Stops receiving, closes the socket and removes its file (a path socket, if the file is still the one
     * {@link #bind} made). Returns once the socket is closed; no message's delivery starts afterwards, though one
     * in progress (on another thread) may still be calling listeners. Senders then get ECONNREFUSED (or ENOENT for a path). Idempotent.
     */
    @Override
    public void close() {
        receiver.close();
    }

    @Override
    public String toString() {
        return receiver.toString();
    }
}
