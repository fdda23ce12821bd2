package dev.forkd.internal.posix;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;

/**
 * Typed system calls that throw: the one place where a failed call's return value and errno become a
 * {@link PosixException} naming the call, the errno and the subject. {@link LibC} is the raw binding (return
 * values as C has them); code above the posix layer calls these, or, where it must branch on an errno first
 * (EAGAIN in a non-blocking loop, ESRCH for a gone process), {@link #failure} for everything else.
 *
 * <p>Three conventions are covered: -1 and errno ({@link #check}), an error number returned instead of
 * errno (the posix_spawn family, {@link #checkReturned}), and calls whose "failure" is an expected answer
 * (kill of a gone process: {@link #signal}).
 */
public final class Posix {
    private Posix() {}

    /** {@code rc} if the call succeeded (rc >= 0); else the failure with the errno this thread's call captured. */
    public static int check(int rc, String call, String subject) throws PosixException {
        if (rc < 0) throw failure(call, subject);
        return rc;
    }

    /** For the posix_spawn family, which returns the error number (0 for success) and leaves errno alone. */
    public static void checkReturned(int rc, String call, String subject) throws PosixException {
        if (rc != 0) throw new PosixException(call, rc, subject);
    }

    /** The failure of the errno-capturing call this thread made last. */
    public static PosixException failure(String call, String subject) {
        return new PosixException(call, LibC.errno(), subject);
    }

    /** pipe2(O_CLOEXEC): {@code [read end, write end]}. */
    public static int[] pipe() throws PosixException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment fds = arena.allocate(ValueLayout.JAVA_INT, 2);
            check(LibC.pipe2(fds, LibC.O_CLOEXEC), "pipe2", null);
            return fds.toArray(ValueLayout.JAVA_INT);
        }
    }

    /** An AF_UNIX stream socketpair, both ends CLOEXEC and blocking. */
    public static int[] socketPair() throws PosixException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment fds = arena.allocate(ValueLayout.JAVA_INT, 2);
            check(LibC.socketpair(LibC.AF_UNIX, LibC.SOCK_STREAM | LibC.SOCK_CLOEXEC, 0, fds), "socketpair", null);
            return fds.toArray(ValueLayout.JAVA_INT);
        }
    }

    /**
     * An AF_UNIX datagram socket, CLOEXEC, non-blocking if asked; unbound. {@code subject} names what it is
     * for in the error message.
     */
    public static int datagramSocket(boolean nonBlocking, String subject) throws PosixException {
        int type = Sockets.SOCK_DGRAM | Sockets.SOCK_CLOEXEC | (nonBlocking ? Sockets.SOCK_NONBLOCK : 0);
        return check(Sockets.socket(Sockets.AF_UNIX, type, 0), "socket(AF_UNIX, SOCK_DGRAM)", subject);
    }

    /** bind(2) to an AF_UNIX address. */
    public static void bind(int fd, UnixAddress address) throws PosixException {
        try (Arena arena = Arena.ofConfined()) {
            check(Sockets.bind(fd, address.encode(arena), address.length()), "bind", address.toString());
        }
    }

    /**
     * Binds an AF_UNIX socket to an abstract name the kernel chooses (five hex digits, unique in this network
     * namespace) and returns it.
     */
    public static UnixAddress autobind(int fd, String subject) throws PosixException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment addr = arena.allocate(Sockets.SIZEOF_SOCKADDR_UN, 8);
            addr.set(ValueLayout.JAVA_SHORT, 0, (short) Sockets.AF_UNIX);
            check(Sockets.bind(fd, addr, (int) Sockets.SUN_PATH), "bind (autobind)", subject);
            MemorySegment len = arena.allocateFrom(ValueLayout.JAVA_INT, (int) Sockets.SIZEOF_SOCKADDR_UN);
            check(Sockets.getsockname(fd, addr, len), "getsockname", subject);
            return UnixAddress.decode(addr, len.get(ValueLayout.JAVA_INT, 0));
        }
    }

    /** CLOCK_MONOTONIC in microseconds (what systemd's MONOTONIC_USEC= means; System.nanoTime() need not be it). */
    public static long monotonicMicros() throws PosixException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment ts = arena.allocate(LibC.SIZEOF_TIMESPEC, 8);
            check(LibC.clock_gettime(LibC.CLOCK_MONOTONIC, ts), "clock_gettime(CLOCK_MONOTONIC)", null);
            return ts.get(ValueLayout.JAVA_LONG, LibC.TV_SEC) * 1_000_000
                    + ts.get(ValueLayout.JAVA_LONG, LibC.TV_NSEC) / 1_000;
        }
    }

    /** open(2) with O_CLOEXEC added; mode applies when O_CREAT is set. */
    public static int open(String path, int flags, int mode) throws PosixException {
        try (Arena arena = Arena.ofConfined()) {
            return check(LibC.open(arena.allocateFrom(path, StandardCharsets.UTF_8), flags | LibC.O_CLOEXEC, mode),
                    "open", path);
        }
    }

    public static void setNonBlocking(int fd) throws PosixException {
        int flags = check(LibC.fcntl(fd, LibC.F_GETFL, 0), "fcntl(F_GETFL)", "fd " + fd);
        check(LibC.fcntl(fd, LibC.F_SETFL, flags | LibC.O_NONBLOCK), "fcntl(F_SETFL, O_NONBLOCK)", "fd " + fd);
    }

    /** Marks fd close-on-exec. */
    public static void setCloexec(int fd, String subject) throws PosixException {
        check(LibC.fcntl(fd, LibC.F_SETFD, LibC.FD_CLOEXEC), "fcntl(F_SETFD, FD_CLOEXEC)", subject);
    }

    /** Fails unless fd is open (fcntl F_GETFD). */
    public static void requireOpen(int fd, String subject) throws PosixException {
        check(LibC.fcntl(fd, LibC.F_GETFD, 0), "fcntl(F_GETFD)", subject);
    }

    /** A CLOEXEC duplicate numbered at least {@code min}. */
    public static int dupAtLeast(int fd, int min) throws PosixException {
        return check(LibC.fcntl(fd, LibC.F_DUPFD_CLOEXEC, min), "fcntl(F_DUPFD_CLOEXEC)", "fd " + fd);
    }

    /**
     * Sends {@code sig} through the pidfd, or by pid (a negative pid: that process group) without one. True if
     * sent, false if the process (group) is gone (ESRCH); throws for EPERM, EINVAL and other real failures.
     */
    public static boolean signal(int pidfd, int pid, int sig, String subject) throws PosixException {
        boolean viaPidfd = pidfd >= 0;
        int rc = viaPidfd ? LibC.pidfd_send_signal(pidfd, sig) : LibC.kill(pid, sig);
        if (rc == 0) return true;
        int err = LibC.errno();
        if (err == Errno.ESRCH) return false;
        throw new PosixException(viaPidfd ? "pidfd_send_signal" : "kill", err, subject);
    }
}
