package dev.forkd.internal.notify;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import dev.forkd.internal.io.Fd;
import dev.forkd.internal.posix.Errno;
import dev.forkd.internal.posix.Posix;
import dev.forkd.internal.posix.PosixException;
import dev.forkd.internal.posix.Sockets;
import dev.forkd.internal.posix.UnixAddress;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * Sends one datagram to an AF_UNIX datagram socket, as sd_notify(3) does: a fresh unbound CLOEXEC socket, one
 * {@code sendmsg} with the address in {@code msg_name}, close. No credentials are attached by hand; a receiver
 * with SO_PASSCRED gets this process's pid from the kernel.
 */
public final class NotifySender {
    private NotifySender() {}

    /**
     * Sends {@code datagram} whole (a datagram is never split). Blocks while the receiver's queue is full, as
     * sd_notify does. EINTR is retried.
     *
     * @param subject what to name in an error, e.g. {@code NOTIFY_SOCKET=/run/app/notify}
     * @throws PosixException ENOENT (no such socket file), ECONNREFUSED (no socket bound there any more, or no
     *                        abstract socket by that name), EACCES, EMSGSIZE (larger than the send buffer),
     *                        EPROTOTYPE (a stream socket), ...
     */
    public static void send(UnixAddress to, byte[] datagram, String subject) throws PosixException {
        try (Fd sock = new Fd(Posix.datagramSocket(false, subject)); Arena arena = Arena.ofConfined()) {
            MemorySegment name = to.encode(arena);
            MemorySegment buf = arena.allocate(Math.max(1, datagram.length));
            MemorySegment.copy(datagram, 0, buf, JAVA_BYTE, 0, datagram.length);
            MemorySegment iov = arena.allocate(Sockets.SIZEOF_IOVEC, 8);
            iov.set(ADDRESS, Sockets.IOV_BASE, buf);
            iov.set(JAVA_LONG, Sockets.IOV_LEN, datagram.length);
            MemorySegment msg = arena.allocate(Sockets.SIZEOF_MSGHDR, 8);
            msg.set(ADDRESS, Sockets.MSG_NAME, name);
            msg.set(JAVA_INT, Sockets.MSG_NAMELEN, to.length());
            msg.set(ADDRESS, Sockets.MSG_IOV, iov);
            msg.set(JAVA_LONG, Sockets.MSG_IOVLEN, 1);
            while (Sockets.sendmsg(sock.value(), msg, Sockets.MSG_NOSIGNAL) < 0) {
                int errno = Sockets.errno();
                if (errno != Errno.EINTR) throw new PosixException("sendmsg", errno, subject);
            }
        }
    }
}
