package dev.forkd.internal.notify;

import dev.forkd.internal.io.LazyLogger;
import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import dev.forkd.NotifyMessage;
import dev.forkd.internal.io.EventLoop;
import dev.forkd.internal.io.Fd;
import dev.forkd.internal.posix.Errno;
import dev.forkd.internal.posix.LibC;
import dev.forkd.internal.posix.Posix;
import dev.forkd.internal.posix.Sockets;
import dev.forkd.internal.posix.UnixAddress;
import dev.forkd.ipc.Subscription;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.Map;
import java.util.Objects;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;

/**
 * A bound AF_UNIX datagram socket that receives sd_notify(3) messages on forkd's {@link EventLoop}.
 *
 * <p>The socket is CLOEXEC and non-blocking and has SO_PASSCRED set before it is bound, so every datagram
 * carries its sender's pid. It is read from the moment it is bound, whether or not anyone listens
 * ({@link OrderedDelivery} holds what waits): a receiver that stopped reading would block its senders, since
 * the kernel queues only a few datagrams per socket ({@code net.unix.max_dgram_qlen}, 10 by default).
 *
 * <p>Each datagram: fds passed with it are closed at once (forkd keeps no fd store; closing is also what
 * answers {@code sd_notify_barrier}'s {@code BARRIER=1}, which is not delivered); a datagram larger than
 * {@value #MAX_DATAGRAM} bytes, or malformed ({@link NotifyProtocol#parse}), is logged and skipped.
 *
 * <p>Ownership: the fd is closed by {@link #close()}, on the loop thread after it is unregistered, never while
 * registered. A path socket's file is unlinked by {@link #close()} if it is still the one {@code bind} made.
 */
public final class NotifyReceiver {
    private static final System.Logger LOG = LazyLogger.of("dev.forkd");

    /** The largest datagram delivered; larger ones are skipped (systemd itself takes at most 4 KiB). */
    public static final int MAX_DATAGRAM = 64 * 1024;
    /** Messages kept while listeners lag or are absent. */
    static final int MAX_WAITING = 1024;
    /** Datagrams read per readiness event before other fds get their turn (epoll is level-triggered). */
    private static final int READS_PER_EVENT = 64;
    /** One SCM_CREDENTIALS and as many SCM_RIGHTS fds as one message can carry. */
    private static final long CONTROL_SPACE =
            Sockets.cmsgSpace(Sockets.SIZEOF_UCRED) + Sockets.cmsgSpace(4L * Sockets.SCM_MAX_FD);

    private final EventLoop loop;
    private final Fd fd;
    private final UnixAddress address;
    /** The socket file bind created and its file key, or nulls for an abstract address. */
    private final Path file;
    private final Object fileKey;
    private final String name;
    private final OrderedDelivery<NotifyMessage> delivery;
    private final AtomicBoolean closed = new AtomicBoolean();
    private final long token;
    // Loop thread only:
    private final MemorySegment iov;
    private final MemorySegment control;
    private final MemorySegment msg;

    private NotifyReceiver(EventLoop loop, Fd fd, UnixAddress address, Path file, Object fileKey) {
        this.loop = loop;
        this.fd = fd;
        this.address = address;
        this.file = file;
        this.fileKey = fileKey;
        this.name = "notify socket " + address;
        this.delivery = new OrderedDelivery<>(name, MAX_WAITING, loop);
        this.token = loop.newToken();
        Arena arena = Arena.ofAuto();
        this.iov = arena.allocate(Sockets.SIZEOF_IOVEC, 8);
        this.control = arena.allocate(CONTROL_SPACE, 8);
        this.msg = arena.allocate(Sockets.SIZEOF_MSGHDR, 8);
    }

    /**
     * Binds a new socket to {@code address}, or to an abstract name the kernel chooses when it is null, and
     * starts reading it.
     *
     * @throws IOException naming the call, the errno and the address: EADDRINUSE (a file or an abstract
     *                     socket of that name exists; a stale socket file is not removed for you), ENOENT or
     *                     EACCES for the directory, ...
     */
    public static NotifyReceiver bind(UnixAddress address) throws IOException {
        String subject = address == null ? "notify socket (autobind)" : address.toString();
        Fd fd = new Fd(Posix.datagramSocket(true, subject));
        Path file = null;
        try {
            // Before bind: the kernel attaches credentials only to datagrams sent while the receiver asks.
            Posix.check(Sockets.setsockopt(fd.value(), Sockets.SOL_SOCKET, Sockets.SO_PASSCRED, 1),
                    "setsockopt(SO_PASSCRED)", subject);
            UnixAddress bound;
            if (address == null) {
                bound = Posix.autobind(fd.value(), subject);
            } else {
                Posix.bind(fd.value(), address);
                bound = address;
            }
            Object key = null;
            if (!bound.isAbstract()) {
                file = Path.of(bound.toString());
                key = Files.readAttributes(file, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS).fileKey();
            }
            EventLoop loop = EventLoop.get();
            NotifyReceiver r = new NotifyReceiver(loop, fd, bound, file, key);
            // Registered from this thread; the fd is closed only on the loop after its unregistration.
            if (!loop.register(fd.value(), LibC.EPOLLIN, r.token, r::ready)) {
                throw new IOException("cannot watch " + r.name + " with epoll");
            }
            return r;
        } catch (IOException | RuntimeException | Error e) {
            fd.close();
            if (file != null) Files.deleteIfExists(file);
            throw e;
        }
    }

    /** {@code /path} or {@code @name}, as {@code NOTIFY_SOCKET} wants it. */
    public String address() {
        return address.toString();
    }

    public Subscription subscribe(Consumer<? super NotifyMessage> listener) {
        return delivery.subscribe(listener);
    }

    public boolean isClosed() {
        return closed.get();
    }

    /**
     * Stops reading, closes the fd (on the loop thread, after unregistering it) and unlinks the socket file.
     * Returns once the fd is closed. Idempotent.
     */
    public void close() {
        if (!closed.compareAndSet(false, true)) return;
        delivery.close();
        Runnable shut = () -> {
            loop.unregister(fd.number(), token); // a no-op if a read error unregistered it already
            fd.close();
        };
        if (loop.inLoop()) {
            shut.run();
        } else {
            CompletableFuture<Void> done = new CompletableFuture<>();
            loop.execute(() -> {
                try {
                    shut.run();
                } finally {
                    done.complete(null);
                }
            });
            done.join();
        }
        if (file != null) unlink();
    }

    /** Unlinks the socket file unless something else has taken its name meanwhile. */
    private void unlink() {
        try {
            Object key = Files.readAttributes(file, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS).fileKey();
            if (Objects.equals(key, fileKey)) Files.deleteIfExists(file);
        } catch (java.nio.file.NoSuchFileException e) {
            // already gone
        } catch (IOException e) {
            LOG.log(System.Logger.Level.WARNING, "could not remove " + name + ": " + e);
        }
    }

    @Override
    public String toString() {
        return name + (closed.get() ? " (closed)" : "");
    }

    // ---- the loop side ----

    private void ready(int events) {
        MemorySegment buf = loop.scratch();
        for (int i = 0; i < READS_PER_EVENT && !closed.get(); i++) {
            iov.set(ADDRESS, Sockets.IOV_BASE, buf);
            iov.set(JAVA_LONG, Sockets.IOV_LEN, MAX_DATAGRAM);
            msg.fill((byte) 0);
            msg.set(ADDRESS, Sockets.MSG_IOV, iov);
            msg.set(JAVA_LONG, Sockets.MSG_IOVLEN, 1);
            msg.set(ADDRESS, Sockets.MSG_CONTROL, control);
            msg.set(JAVA_LONG, Sockets.MSG_CONTROLLEN, CONTROL_SPACE);
            // MSG_TRUNC: the return value is the datagram's full length, so an oversize one can be named.
            long n = Sockets.recvmsg(fd.value(), msg, Sockets.MSG_CMSG_CLOEXEC | Sockets.MSG_TRUNC);
            if (n < 0) {
                int err = Sockets.errno();
                if (err == Errno.EINTR) continue;
                if (err == Errno.EAGAIN) return;
                // Not expected of a bound datagram socket; left registered, level-triggered epoll would call
                // again at once, for ever. Senders now block or fail; close() still cleans up.
                LOG.log(System.Logger.Level.ERROR, name + ": recvmsg failed: " + Errno.describe(err)
                        + "; no longer reading it");
                loop.unregister(fd.number(), token);
                return;
            }
            int flags = msg.get(JAVA_INT, Sockets.MSG_FLAGS);
            Control c = control(msg.get(JAVA_LONG, Sockets.MSG_CONTROLLEN));
            received(buf, n, flags, c);
        }
    }

    /** What the control messages said: the sender's pid (0 if unknown) and how many fds came (and were closed). */
    private record Control(int pid, int fds) {}

    private Control control(long controlLen) {
        int pid = 0, fds = 0;
        long off = 0;
        while (off + Sockets.SIZEOF_CMSGHDR <= controlLen) {
            long len = control.get(JAVA_LONG, off + Sockets.CMSG_LEN_OFFSET);
            if (len < Sockets.SIZEOF_CMSGHDR || off + len > controlLen) break;
            if (control.get(JAVA_INT, off + Sockets.CMSG_LEVEL) == Sockets.SOL_SOCKET) {
                int type = control.get(JAVA_INT, off + Sockets.CMSG_TYPE);
                if (type == Sockets.SCM_CREDENTIALS && len >= Sockets.cmsgLen(Sockets.SIZEOF_UCRED)) {
                    pid = control.get(JAVA_INT, off + Sockets.CMSG_DATA + Sockets.UCRED_PID);
                } else if (type == Sockets.SCM_RIGHTS) {
                    long count = (len - Sockets.SIZEOF_CMSGHDR) / 4;
                    for (long k = 0; k < count; k++) {
                        LibC.close(control.get(JAVA_INT, off + Sockets.CMSG_DATA + 4 * k));
                        fds++;
                    }
                }
            }
            off += Sockets.cmsgAlign(len);
        }
        return new Control(pid, fds);
    }

    private void received(MemorySegment buf, long n, int flags, Control c) {
        String from = c.pid() > 0 ? "pid " + c.pid() : "an unknown sender";
        if ((flags & Sockets.MSG_CTRUNC) != 0) {
            LOG.log(System.Logger.Level.WARNING, name + ": " + from + " passed more fds than a message can carry;"
                    + " the kernel closed the rest");
        }
        if (n > MAX_DATAGRAM || (flags & Sockets.MSG_TRUNC) != 0) {
            LOG.log(System.Logger.Level.WARNING, name + ": skipped a datagram of " + n + " bytes from " + from
                    + ", larger than the " + MAX_DATAGRAM + " a notify message may have");
            return;
        }
        Map<String, String> fields;
        try {
            fields = NotifyProtocol.parse(buf.asSlice(0, n).toArray(JAVA_BYTE));
        } catch (NotifyProtocol.MalformedException e) {
            LOG.log(System.Logger.Level.WARNING, name + ": skipped a datagram from " + from
                    + " that is not a notify message: " + e.getMessage());
            return;
        }
        if (fields.isEmpty()) return; // an empty datagram, or blank lines only: nothing said
        // sd_notify_barrier(): its fd is closed above, which is the whole answer; systemd drops it too.
        if (fields.size() == 1 && "1".equals(fields.get("BARRIER"))) return;
        if (c.fds() > 0) {
            LOG.log(System.Logger.Level.DEBUG, name + ": closed " + c.fds() + " fds that came with a message from "
                    + from + " (forkd keeps no fd store)");
        }
        delivery.add(new NotifyMessage(fields, c.pid() > 0 ? OptionalLong.of(c.pid()) : OptionalLong.empty()));
    }
}
