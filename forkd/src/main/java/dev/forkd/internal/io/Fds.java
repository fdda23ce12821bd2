package dev.forkd.internal.io;

import dev.forkd.internal.posix.LibC;
import dev.forkd.internal.posix.Posix;
import dev.forkd.internal.posix.PosixException;

/** Creating fds: pipes, socketpairs, files. Everything comes back O_CLOEXEC. */
public final class Fds {
    private Fds() {}

    /** A pipe: {@code [0]} is the read end, {@code [1]} the write end. */
    public static Fd[] pipe() throws PosixException {
        int[] fds = Posix.pipe();
        return new Fd[] {new Fd(fds[0]), new Fd(fds[1])};
    }

    /** An AF_UNIX stream socketpair, both ends CLOEXEC and blocking. */
    public static Fd[] socketPair() throws PosixException {
        int[] fds = Posix.socketPair();
        return new Fd[] {new Fd(fds[0]), new Fd(fds[1])};
    }

    /** open(2) with O_CLOEXEC added; mode applies when O_CREAT is set. */
    public static Fd open(String path, int flags, int mode) throws PosixException {
        return new Fd(Posix.open(path, flags, mode));
    }

    public static void setNonBlocking(int fd) throws PosixException {
        Posix.setNonBlocking(fd);
    }

    /** A CLOEXEC duplicate numbered at least {@code min}. */
    public static Fd dupAtLeast(int fd, int min) throws PosixException {
        return new Fd(Posix.dupAtLeast(fd, min));
    }

    /** A shared read-write /dev/null, opened once per JVM, for every 'ignore' slot. Never closed. */
    public static int devNull() throws PosixException {
        return DevNull.get();
    }

    private static final class DevNull {
        private static volatile int fd = -1;

        static int get() throws PosixException {
            int f = fd;
            if (f >= 0) return f;
            synchronized (DevNull.class) {
                if (fd < 0) fd = open("/dev/null", LibC.O_RDWR, 0).number();
                return fd;
            }
        }
    }
}
