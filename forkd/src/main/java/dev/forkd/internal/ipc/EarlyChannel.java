package dev.forkd.internal.ipc;

import dev.forkd.internal.io.EventLoop;
import dev.forkd.internal.io.Fd;
import dev.forkd.internal.json.JsonCodec;
import dev.forkd.internal.posix.LibC;
import dev.forkd.internal.posix.PosixException;
import dev.forkd.ipc.Channel;
import dev.forkd.ipc.ChannelClosedException;
import dev.forkd.ipc.Message;
import dev.forkd.ipc.MessageTooLargeException;
import dev.forkd.ipc.SendOptions;
import dev.forkd.ipc.Subscription;
import java.io.FileOutputStream;
import java.io.IOException;
import java.nio.channels.SelectableChannel;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;

/**
 * The channel to the parent as {@link Channel#parent()} returns it: it can send before forkd's native layer is
 * up, so that a forked child's first message does not wait for the FFM linker, the event loop and a databind
 * mapper (together 150-250 ms of a JVM's start here, see BENCHMARKS.md).
 *
 * <p>Until it is <em>attached</em>, sends are encoded by {@link JsonCodec#encodeEarly} (no mapper for plain
 * values) and written synchronously, with blocking {@code write(2)}s, through a JDK {@code FileDescriptor}
 * for the channel fd. The first send then starts attaching on a background thread: the full {@link IpcChannel} on the event
 * loop, which from then on does everything. Every other operation (listeners, handles, disconnect) attaches
 * first and waits for it. Nothing the parent sends is lost meanwhile: it waits in the socket, and the kernel
 * keeps any passed fds with their bytes until the channel's {@code recvmsg} takes them.
 *
 * <p>The early path needs {@code --add-opens java.base/sun.nio.ch} (forkd's fork passes it); without it, or
 * if anything in it fails, the channel attaches at once, as it always did. The channel fd is made CLOEXEC when
 * attaching; before that only children spawned by other means than forkd or the JDK (both close every fd
 * above 2 in their children) could inherit it.
 */
final class EarlyChannel implements Channel {
    private final int fd;
    private final long maxMessageBytes;
    private final ReentrantLock lock = new ReentrantLock();
    /** Blocking writes on the channel fd until attached; null when the early path is unavailable. */
    private final FileOutputStream early;
    /**
     * Created by the first attach, not here: a JVM's first CompletableFuture initialises the common
     * ForkJoinPool (~2 ms), which an early send puts after its write.
     */
    private CompletableFuture<IpcChannel> attached; // guarded by lock
    private volatile IpcChannel real;
    private boolean attaching; // guarded by lock
    private boolean broken; // guarded by lock: an early write failed (the parent is gone)

    private EarlyChannel(int fd, long maxMessageBytes, FileOutputStream early) {
        this.fd = fd;
        this.maxMessageBytes = maxMessageBytes;
        this.early = early;
    }

    /** A channel on {@code fd}; attaches at once when the early path is not available. */
    static EarlyChannel open(int fd, long maxMessageBytes) {
        EarlyChannel c = new EarlyChannel(fd, maxMessageBytes, blockingStream(fd));
        if (c.early == null) {
            c.attachNow();
            c.attach(); // throws what attaching threw
        }
        return c;
    }

    /** The attached channel, attaching first if needed. */
    IpcChannel attach() {
        IpcChannel r = real;
        if (r != null) return r;
        startAttach();
        try {
            return attachedFuture().join();
        } catch (CompletionException e) {
            if (e.getCause() instanceof RuntimeException re) throw re;
            throw e;
        }
    }

    /** Starts attaching if nobody has; completes with the attached channel, or fails as {@link #attach()} throws. */
    CompletableFuture<IpcChannel> attachAsync() {
        startAttach();
        return attachedFuture().copy();
    }

    private CompletableFuture<IpcChannel> attachedFuture() {
        lock.lock();
        try {
            if (attached == null) attached = new CompletableFuture<>();
            return attached;
        } finally {
            lock.unlock();
        }
    }

    private void startAttach() {
        lock.lock();
        try {
            if (attaching) return;
            attaching = true;
        } finally {
            lock.unlock();
        }
        // A class, not a method reference: a fresh JVM spins a class for its first lambda (~1-2 ms here).
        Thread.ofPlatform().daemon().name("forkd-ipc-attach").start(new Runnable() {
            @Override
            public void run() {
                attachNow();
            }
        });
    }

    private void attachNow() {
        lock.lock();
        try {
            attaching = true;
        } finally {
            lock.unlock();
        }
        try {
            // The dear part first, outside the lock, so that early sends go on meanwhile. (Jackson's mapper is
            // not warmed here: plain messages and trees never need it, and a child that exits soon after its
            // first send would leave it half loaded, which an AOT cache trained on that run then pays for.)
            EventLoop.get();
            lock.lock();
            try {
                // Node leaves the channel inheritable; our own children must not get it.
                if (LibC.fcntl(fd, LibC.F_SETFD, LibC.FD_CLOEXEC) < 0) {
                    throw new PosixException("fcntl(F_SETFD, FD_CLOEXEC)", LibC.errno(), ParentChannel.FD_VARIABLE + "=" + fd);
                }
                real = IpcChannel.open(new Fd(fd), "parent", maxMessageBytes); // switches the fd to non-blocking
            } finally {
                lock.unlock();
            }
            attachedFuture().complete(real);
        } catch (Throwable e) { // whatever it is, nobody may wait for the attachment forever
            attachedFuture().completeExceptionally(new IllegalStateException(
                    "cannot open the IPC channel to the parent: " + e.getMessage(), e));
            if (e instanceof VirtualMachineError fatal) throw fatal;
        }
    }

    @Override
    public CompletableFuture<Void> send(Object message) {
        IpcChannel r = real;
        if (r != null) return r.send(message);
        byte[] line = JsonCodec.shared().encodeEarly(message);
        if (line.length - 1 > maxMessageBytes) {
            return CompletableFuture.failedFuture(new MessageTooLargeException(line.length - 1, maxMessageBytes));
        }
        lock.lock();
        try {
            r = real;
            if (r == null) {
                if (broken) return closedFuture();
                try {
                    early.write(line);
                } catch (IOException e) {
                    // EPIPE or ECONNRESET: the parent has gone; the attached channel will see the EOF too.
                    broken = true;
                    log().log(System.Logger.Level.DEBUG, "IPC send to parent failed: " + e.getMessage());
                    return closedFuture();
                }
            }
        } finally {
            lock.unlock();
        }
        if (r != null) return r.sendLine(line);
        startAttach();
        return CompletableFuture.completedFuture(null);
    }

    private static CompletableFuture<Void> closedFuture() {
        return CompletableFuture.failedFuture(new ChannelClosedException("the IPC channel to parent is closed"));
    }

    @Override
    public CompletableFuture<Void> send(Object message, SelectableChannel handle, SendOptions options) {
        return attach().send(message, handle, options);
    }

    @Override
    public long maxMessageBytes() {
        return maxMessageBytes;
    }

    @Override
    public Subscription onMessage(Consumer<Message> listener) {
        return attach().onMessage(listener);
    }

    @Override
    public CompletableFuture<Void> onDisconnect() {
        return attach().onDisconnect();
    }

    @Override
    public boolean isConnected() {
        IpcChannel r = real;
        if (r != null) return r.isConnected();
        lock.lock();
        try {
            return !broken;
        } finally {
            lock.unlock();
        }
    }

    @Override
    public void disconnect() {
        attach().disconnect();
    }

    @Override
    public String toString() {
        IpcChannel r = real;
        return r != null ? r.toString() : "IpcChannel[parent, connecting]";
    }

    /**
     * A blocking stream on {@code fd} through {@code sun.nio.ch.IOUtil}, or null when the JVM does not open
     * that package (the channel then attaches at once; the flag is needed for handles anyway).
     */
    private static FileOutputStream blockingStream(int fd) {
        try {
            // No cleaner is registered for a FileDescriptor made this way: dropping the stream never closes fd.
            return new FileOutputStream(DirectFd.blocking(fd));
        } catch (IllegalAccessError | IOException e) { // without the flag; fcntl failing
            log().log(System.Logger.Level.DEBUG, "IPC channel to parent: no early path (" + e + ")");
            return null;
        }
    }

    /** Looked up only when used: the first System.getLogger costs a JVM ~10 ms. */
    private static System.Logger log() {
        return System.getLogger("dev.forkd");
    }
}
