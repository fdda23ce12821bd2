package dev.forkd.internal.ipc;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import dev.forkd.internal.io.Fd;
import dev.forkd.internal.posix.Errno;
import dev.forkd.internal.posix.PosixException;
import dev.forkd.internal.posix.Sockets;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Bytes plus file descriptors over an AF_UNIX stream socket: one {@code sendmsg} per send, one {@code recvmsg}
 * per receive. Never use plain {@code read} on a channel socket: it silently discards passed fds (and closes
 * them in the kernel), so a handle would vanish without a trace.
 *
 * <p>Ownership: {@link #send} never closes the fd it passes (the kernel duplicates it into the message; the
 * caller still owns its copy). Fds returned by {@link #recv} are new, CLOEXEC, and owned by the caller.
 */
final class FdPassing {
    /** The most fds one {@link #recv} accepts; more in one message sets MSG_CTRUNC and they are lost. */
    public static final int MAX_FDS = 16;

    private static final long CONTROL_SPACE = Sockets.cmsgSpace(4L * MAX_FDS);

    private FdPassing() {}

    /**
     * Sends {@code data[off, off+len)} in one {@code sendmsg(MSG_NOSIGNAL)}, with {@code fd} attached as one
     * SCM_RIGHTS fd when it is not -1.
     *
     * <p>Returns the number of bytes the kernel took, which may be fewer than {@code len}: the caller sends the
     * rest with later calls and <em>without</em> the fd, since the fd travelled with the first byte. Returns 0
     * only when the socket is non-blocking and its buffer is full (EAGAIN): nothing was sent, the fd included,
     * and the caller retries when the socket is writable — the same contract as {@code SocketChannel.write}.
     * EINTR is retried here.
     *
     * @throws IllegalArgumentException when {@code len} is 0 (a zero-length send on a stream socket carries no
     *     control message, so the fd would be silently dropped) or the range is outside {@code data}
     * @throws PosixException for every other failure; EPIPE or ECONNRESET mean the peer has gone
     */
    public static int send(int sock, byte[] data, int off, int len, int fd) throws PosixException {
        if (fd < -1) throw new IllegalArgumentException("negative fd " + fd);
        return sendFds(sock, data, off, len, fd == -1 ? new int[0] : new int[] {fd});
    }

    /**
     * Sends {@code len} bytes already in native memory, without fds, in one {@code sendmsg(MSG_NOSIGNAL)}.
     * Returns the bytes taken, 0 on EAGAIN; the structs are the caller's (one thread at a time).
     */
    public static int sendPlain(int sock, MemorySegment data, int len, MsgStructs structs) throws PosixException {
        MemorySegment iov = structs.iov;
        iov.set(ADDRESS, Sockets.IOV_BASE, data);
        iov.set(JAVA_LONG, Sockets.IOV_LEN, len);
        MemorySegment msg = structs.msg;
        msg.fill((byte) 0);
        msg.set(ADDRESS, Sockets.MSG_IOV, iov);
        msg.set(JAVA_LONG, Sockets.MSG_IOVLEN, 1);
        while (true) {
            long n = Sockets.sendmsg(sock, msg, Sockets.MSG_NOSIGNAL);
            if (n >= 0) return (int) n;
            int errno = Sockets.errno();
            if (errno == Errno.EINTR) continue;
            if (errno == Errno.EAGAIN) return 0;
            throw new PosixException("sendmsg", errno, "fd " + sock);
        }
    }

    /**
     * {@link #send} with any number of fds in one SCM_RIGHTS control message. Node's protocol never passes
     * more than one; tests use this to provoke MSG_CTRUNC in {@link #recv}.
     */
    static int sendFds(int sock, byte[] data, int off, int len, int... fds) throws PosixException {
        Objects.checkFromIndexSize(off, len, data.length);
        if (len == 0) throw new IllegalArgumentException("sendmsg needs at least one byte of data");
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment buf = arena.allocate(len);
            MemorySegment.copy(data, off, buf, JAVA_BYTE, 0, len);
            MemorySegment iov = arena.allocate(Sockets.SIZEOF_IOVEC, 8);
            iov.set(ADDRESS, Sockets.IOV_BASE, buf);
            iov.set(JAVA_LONG, Sockets.IOV_LEN, len);
            MemorySegment msg = arena.allocate(Sockets.SIZEOF_MSGHDR, 8);
            msg.set(ADDRESS, Sockets.MSG_IOV, iov);
            msg.set(JAVA_LONG, Sockets.MSG_IOVLEN, 1);
            if (fds.length > 0) {
                long space = Sockets.cmsgSpace(4L * fds.length);
                MemorySegment control = arena.allocate(space, 8);
                control.set(JAVA_LONG, Sockets.CMSG_LEN_OFFSET, Sockets.cmsgLen(4L * fds.length));
                control.set(JAVA_INT, Sockets.CMSG_LEVEL, Sockets.SOL_SOCKET);
                control.set(JAVA_INT, Sockets.CMSG_TYPE, Sockets.SCM_RIGHTS);
                for (int i = 0; i < fds.length; i++) {
                    control.set(JAVA_INT, Sockets.CMSG_DATA + 4L * i, fds[i]);
                }
                msg.set(ADDRESS, Sockets.MSG_CONTROL, control);
                msg.set(JAVA_LONG, Sockets.MSG_CONTROLLEN, space);
            }
            while (true) {
                long n = Sockets.sendmsg(sock, msg, Sockets.MSG_NOSIGNAL);
                if (n >= 0) return (int) n;
                int errno = Sockets.errno();
                if (errno == Errno.EINTR) continue;
                if (errno == Errno.EAGAIN) return 0;
                throw new PosixException("sendmsg", errno,
                        fds.length > 0 ? "fd " + sock + " passing fd " + fds[0] : "fd " + sock);
            }
        }
    }

    /** What one {@link #recv} produced. */
    public sealed interface Received {
        /**
         * {@code bytes} (> 0) bytes were stored at the start of the buffer, with the fds that arrived with them.
         *
         * @param fds new CLOEXEC fds, owned by the caller, in the order the sender attached them
         * @param fdsTruncated the sender attached more fds than {@link #MAX_FDS} (MSG_CTRUNC): the kernel
         *     dropped the excess and {@link #recv} closed the ones that did arrive, so {@code fds} is empty.
         *     The bytes are intact; a NODE_HANDLE among them must be answered with NODE_HANDLE_NACK.
         */
        record Data(int bytes, List<Fd> fds, boolean fdsTruncated) implements Received {
            public Data {
                fds = List.copyOf(fds);
            }
        }

        /** The peer closed its end (or shut down writing); no more bytes will come. */
        record EndOfStream() implements Received {}

        /** The socket is non-blocking and has nothing to read now (EAGAIN). */
        record WouldBlock() implements Received {}
    }

    private static final Received.EndOfStream EOF = new Received.EndOfStream();
    private static final Received.WouldBlock WOULD_BLOCK = new Received.WouldBlock();

    /**
     * One {@code recvmsg(MSG_CMSG_CLOEXEC)} into {@code buf} (up to its whole size). Walks every control
     * message and collects every SCM_RIGHTS fd. EINTR is retried here.
     *
     * @throws PosixException for failures other than EINTR and EAGAIN (ECONNRESET: the peer vanished)
     */
    public static Received recv(int sock, MemorySegment buf) throws PosixException {
        try (Arena arena = Arena.ofConfined()) {
            return recv(sock, buf, new MsgStructs(arena));
        }
    }

    /** A msghdr, iovec and control buffer, allocated once for a reader or writer that calls often. */
    public static final class MsgStructs {
        final MemorySegment iov;
        final MemorySegment control;
        final MemorySegment msg;

        public MsgStructs(Arena arena) {
            iov = arena.allocate(Sockets.SIZEOF_IOVEC, 8);
            control = arena.allocate(CONTROL_SPACE, 8);
            msg = arena.allocate(Sockets.SIZEOF_MSGHDR, 8);
        }
    }

    /** {@link #recv(int, MemorySegment)} with the caller's structs (one thread at a time per instance). */
    public static Received recv(int sock, MemorySegment buf, MsgStructs structs) throws PosixException {
        if (buf.byteSize() == 0) throw new IllegalArgumentException("empty receive buffer");
        {
            MemorySegment iov = structs.iov;
            iov.set(ADDRESS, Sockets.IOV_BASE, buf);
            iov.set(JAVA_LONG, Sockets.IOV_LEN, buf.byteSize());
            MemorySegment control = structs.control;
            MemorySegment msg = structs.msg;
            long n;
            while (true) {
                msg.fill((byte) 0);
                msg.set(ADDRESS, Sockets.MSG_IOV, iov);
                msg.set(JAVA_LONG, Sockets.MSG_IOVLEN, 1);
                msg.set(ADDRESS, Sockets.MSG_CONTROL, control);
                msg.set(JAVA_LONG, Sockets.MSG_CONTROLLEN, CONTROL_SPACE);
                n = Sockets.recvmsg(sock, msg, Sockets.MSG_CMSG_CLOEXEC);
                if (n >= 0) break;
                int errno = Sockets.errno();
                if (errno == Errno.EINTR) continue;
                if (errno == Errno.EAGAIN) return WOULD_BLOCK;
                throw new PosixException("recvmsg", errno, "fd " + sock);
            }
            List<Fd> fds = controlFds(control, msg.get(JAVA_LONG, Sockets.MSG_CONTROLLEN));
            boolean truncated = (msg.get(JAVA_INT, Sockets.MSG_FLAGS) & Sockets.MSG_CTRUNC) != 0;
            if (truncated) {
                // A partial set of fds is worse than none: the receiver cannot tell which handle is missing.
                fds.forEach(Fd::close);
                fds = List.of();
            }
            if (n == 0) {
                // Fds cannot arrive without at least one byte on a stream socket; close defensively anyway.
                fds.forEach(Fd::close);
                return EOF;
            }
            return new Received.Data((int) n, fds, truncated);
        }
    }

    private static List<Fd> controlFds(MemorySegment control, long controlLen) {
        List<Fd> fds = new ArrayList<>(1);
        long off = 0;
        while (off + Sockets.SIZEOF_CMSGHDR <= controlLen) {
            long cmsgLen = control.get(JAVA_LONG, off + Sockets.CMSG_LEN_OFFSET);
            if (cmsgLen < Sockets.SIZEOF_CMSGHDR || off + cmsgLen > controlLen) break;
            if (control.get(JAVA_INT, off + Sockets.CMSG_LEVEL) == Sockets.SOL_SOCKET
                    && control.get(JAVA_INT, off + Sockets.CMSG_TYPE) == Sockets.SCM_RIGHTS) {
                long count = (cmsgLen - Sockets.SIZEOF_CMSGHDR) / 4;
                for (long i = 0; i < count; i++) {
                    fds.add(new Fd(control.get(JAVA_INT, off + Sockets.CMSG_DATA + 4 * i)));
                }
            }
            off += Sockets.cmsgAlign(cmsgLen);
        }
        return fds;
    }
}
