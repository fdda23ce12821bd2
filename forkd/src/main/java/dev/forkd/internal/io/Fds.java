package dev.forkd.internal.io;

import dev.forkd.internal.posix.LibC;
import dev.forkd.internal.posix.PosixException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;

/** Creating fds: pipes, socketpairs, files. Everything comes back O_CLOEXEC. */
public final class Fds {
    private Fds() {}

    /** A pipe: {@code [0]} is the read end, {@code [1]} the write end. */
    public static Fd[] pipe() throws PosixException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment fds = arena.allocate(ValueLayout.JAVA_INT, 2);
            if (LibC.pipe2(fds, LibC.O_CLOEXEC) != 0) {
                throw new PosixException("pipe2", LibC.errno(), null);
            }
            return new Fd[] {new Fd(fds.getAtIndex(ValueLayout.JAVA_INT, 0)),
                             new Fd(fds.getAtIndex(ValueLayout.JAVA_INT, 1))};
        }
    }

    /** An AF_UNIX stream socketpair, both ends CLOEXEC and blocking. */
    public static Fd[] socketPair() throws PosixException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment fds = arena.allocate(ValueLayout.JAVA_INT, 2);
            if (LibC.socketpair(LibC.AF_UNIX, LibC.SOCK_STREAM | LibC.SOCK_CLOEXEC, 0, fds) != 0) {
                throw new PosixException("socketpair", LibC.errno(), null);
            }
            return new Fd[] {new Fd(fds.getAtIndex(ValueLayout.JAVA_INT, 0)),
                             new Fd(fds.getAtIndex(ValueLayout.JAVA_INT, 1))};
        }
    }

    /** open(2) with O_CLOEXEC added; mode applies when O_CREAT is set. */
    public static Fd open(String path, int flags, int mode) throws PosixException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment cPath = arena.allocateFrom(path, StandardCharsets.UTF_8);
            int fd = LibC.open(cPath, flags | LibC.O_CLOEXEC, mode);
            if (fd < 0) throw new PosixException("open", LibC.errno(), path);
            return new Fd(fd);
        }
    }

    public static void setNonBlocking(int fd) throws PosixException {
        int flags = LibC.fcntl(fd, LibC.F_GETFL, 0);
        if (flags < 0 || LibC.fcntl(fd, LibC.F_SETFL, flags | LibC.O_NONBLOCK) < 0) {
            throw new PosixException("fcntl(F_SETFL, O_NONBLOCK)", LibC.errno(), "fd " + fd);
        }
    }

    /** A CLOEXEC duplicate numbered at least {@code min}. */
    public static Fd dupAtLeast(int fd, int min) throws PosixException {
        int dup = LibC.fcntl(fd, LibC.F_DUPFD_CLOEXEC, min);
        if (dup < 0) throw new PosixException("fcntl(F_DUPFD_CLOEXEC)", LibC.errno(), "fd " + fd);
        return new Fd(dup);
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
