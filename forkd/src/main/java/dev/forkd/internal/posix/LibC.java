package dev.forkd.internal.posix;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;

/**
 * libc bindings (Linux, glibc ≥ 2.34). Each function lives in its own holder class so that its downcall
 * handle is created the first time it is called and never before; see {@link Native}.
 *
 * <p>Functions marked "errno" return -1 on failure and leave the reason in {@link #errno()}; the
 * {@code posix_spawn*} family returns the error number itself (it does not set errno).
 */
public final class LibC {
    private LibC() {}

    // ---- constants (x86_64 and aarch64 glibc agree on all of these) ----
    public static final int O_RDONLY = 0, O_WRONLY = 1, O_RDWR = 2, O_CREAT = 0x40, O_EXCL = 0x80,
            O_TRUNC = 0x200, O_APPEND = 0x400, O_NONBLOCK = 0x800, O_CLOEXEC = 0x80000;
    public static final int F_GETFD = 1, F_SETFD = 2, F_GETFL = 3, F_SETFL = 4, F_DUPFD_CLOEXEC = 1030,
            F_SETPIPE_SZ = 1031, F_GETPIPE_SZ = 1032, FD_CLOEXEC = 1;
    public static final short POSIX_SPAWN_SETPGROUP = 0x02, POSIX_SPAWN_SETSIGDEF = 0x04,
            POSIX_SPAWN_SETSIGMASK = 0x08, POSIX_SPAWN_SETSID = 0x80;
    public static final int P_ALL = 0, P_PID = 1, P_PIDFD = 3;
    public static final int WNOHANG = 1, WEXITED = 4, WNOWAIT = 0x01000000;
    public static final int PR_SET_CHILD_SUBREAPER = 36;
    public static final int CLD_EXITED = 1, CLD_KILLED = 2, CLD_DUMPED = 3;
    public static final int EPOLL_CLOEXEC = 0x80000, EPOLL_CTL_ADD = 1, EPOLL_CTL_DEL = 2, EPOLL_CTL_MOD = 3;
    public static final int EPOLLIN = 0x1, EPOLLOUT = 0x4, EPOLLERR = 0x8, EPOLLHUP = 0x10, EPOLLRDHUP = 0x2000;
    public static final int EFD_CLOEXEC = 0x80000, EFD_NONBLOCK = 0x800;
    public static final int AF_UNIX = 1, SOCK_STREAM = 1, SOCK_DGRAM = 2, SOCK_NONBLOCK = 0x800,
            SOCK_CLOEXEC = 0x80000;
    public static final int SIGCHLD = 17;
    public static final int CLOCK_MONOTONIC = 1;

    /** Sizes of opaque or fixed structs, verified with sizeof() on glibc 2.36 x86_64. */
    public static final long SIZEOF_FILE_ACTIONS = 80, SIZEOF_SPAWNATTR = 336, SIZEOF_SIGSET = 128,
            SIZEOF_SIGINFO = 128, SIZEOF_EPOLL_EVENT = 12, SIZEOF_SIGACTION = 152;
    /** struct timespec: tv_sec (long) @0, tv_nsec (long) @8. */
    public static final long SIZEOF_TIMESPEC = 16, TV_SEC = 0, TV_NSEC = 8;

    public static int errno() {
        return Native.errno();
    }

    private static RuntimeException rethrow(Throwable t) {
        if (t instanceof RuntimeException r) return r;
        // A holder class whose downcall was refused fails its static init; say why, every time.
        if (t instanceof ExceptionInInitializerError e && e.getCause() instanceof RuntimeException r) return r;
        if (t instanceof NoClassDefFoundError && Native.denied != null) {
            return new IllegalStateException(Native.ADVICE, Native.denied);
        }
        if (t instanceof Error e) throw e;
        return new IllegalStateException(t);
    }

    // ---- posix_spawn family (returns the error number) ----

    private static final class Spawn {
        static final MethodHandle H = Native.plain("posix_spawn",
                FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, ADDRESS, ADDRESS, ADDRESS, ADDRESS));
    }

    public static int posix_spawn(MemorySegment pid, MemorySegment path, MemorySegment fa, MemorySegment attr,
                                  MemorySegment argv, MemorySegment envp) {
        try {
            return (int) Spawn.H.invokeExact(pid, path, fa, attr, argv, envp);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    private static final class FaInit {
        static final MethodHandle INIT = Native.plain("posix_spawn_file_actions_init",
                FunctionDescriptor.of(JAVA_INT, ADDRESS));
        static final MethodHandle DESTROY = Native.plain("posix_spawn_file_actions_destroy",
                FunctionDescriptor.of(JAVA_INT, ADDRESS));
        static final MethodHandle DUP2 = Native.plain("posix_spawn_file_actions_adddup2",
                FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT));
        static final MethodHandle CLOSEFROM = Native.plain("posix_spawn_file_actions_addclosefrom_np",
                FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT));
    }

    private static final class FaChdir {
        static final MethodHandle H = Native.plain("posix_spawn_file_actions_addchdir_np",
                FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS));
    }

    public static int posix_spawn_file_actions_init(MemorySegment fa) {
        try {
            return (int) FaInit.INIT.invokeExact(fa);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    public static int posix_spawn_file_actions_destroy(MemorySegment fa) {
        try {
            return (int) FaInit.DESTROY.invokeExact(fa);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    public static int posix_spawn_file_actions_adddup2(MemorySegment fa, int fd, int newFd) {
        try {
            return (int) FaInit.DUP2.invokeExact(fa, fd, newFd);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    public static int posix_spawn_file_actions_addclosefrom_np(MemorySegment fa, int from) {
        try {
            return (int) FaInit.CLOSEFROM.invokeExact(fa, from);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    public static int posix_spawn_file_actions_addchdir_np(MemorySegment fa, MemorySegment path) {
        try {
            return (int) FaChdir.H.invokeExact(fa, path);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    private static final class Attr {
        static final MethodHandle INIT = Native.plain("posix_spawnattr_init",
                FunctionDescriptor.of(JAVA_INT, ADDRESS));
        static final MethodHandle DESTROY = Native.plain("posix_spawnattr_destroy",
                FunctionDescriptor.of(JAVA_INT, ADDRESS));
        static final MethodHandle SETFLAGS = Native.plain("posix_spawnattr_setflags",
                FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_SHORT));
        static final MethodHandle SETSIGMASK = Native.plain("posix_spawnattr_setsigmask",
                FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS));
        static final MethodHandle SETSIGDEFAULT = Native.plain("posix_spawnattr_setsigdefault",
                FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS));
        static final MethodHandle SETPGROUP = Native.plain("posix_spawnattr_setpgroup",
                FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT));
        static final MethodHandle SIGEMPTYSET = Native.plain("sigemptyset", FunctionDescriptor.of(JAVA_INT, ADDRESS));
        static final MethodHandle SIGFILLSET = Native.plain("sigfillset", FunctionDescriptor.of(JAVA_INT, ADDRESS));
    }

    public static int posix_spawnattr_init(MemorySegment attr) {
        try {
            return (int) Attr.INIT.invokeExact(attr);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    public static int posix_spawnattr_destroy(MemorySegment attr) {
        try {
            return (int) Attr.DESTROY.invokeExact(attr);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    public static int posix_spawnattr_setflags(MemorySegment attr, short flags) {
        try {
            return (int) Attr.SETFLAGS.invokeExact(attr, flags);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    public static int posix_spawnattr_setsigmask(MemorySegment attr, MemorySegment sigset) {
        try {
            return (int) Attr.SETSIGMASK.invokeExact(attr, sigset);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    public static int posix_spawnattr_setsigdefault(MemorySegment attr, MemorySegment sigset) {
        try {
            return (int) Attr.SETSIGDEFAULT.invokeExact(attr, sigset);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    public static int posix_spawnattr_setpgroup(MemorySegment attr, int pgroup) {
        try {
            return (int) Attr.SETPGROUP.invokeExact(attr, pgroup);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    public static int sigemptyset(MemorySegment set) {
        try {
            return (int) Attr.SIGEMPTYSET.invokeExact(set);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    public static int sigfillset(MemorySegment set) {
        try {
            return (int) Attr.SIGFILLSET.invokeExact(set);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    // ---- process control (errno) ----

    private static final class Pidfd {
        static final MethodHandle OPEN = Native.withErrno("pidfd_open",
                FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT));
        static final MethodHandle SEND_SIGNAL = Native.withErrno("pidfd_send_signal",
                FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT));
        static final MethodHandle WAITID = Native.withErrno("waitid",
                FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT));
    }

    public static int pidfd_open(int pid, int flags) {
        try {
            return (int) Pidfd.OPEN.invokeExact(Native.capture(), pid, flags);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    public static int pidfd_send_signal(int pidfd, int sig) {
        try {
            return (int) Pidfd.SEND_SIGNAL.invokeExact(Native.capture(), pidfd, sig, MemorySegment.NULL, 0);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    public static int waitid(int idtype, int id, MemorySegment siginfo, int options) {
        try {
            return (int) Pidfd.WAITID.invokeExact(Native.capture(), idtype, id, siginfo, options);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    private static final class Kill {
        static final MethodHandle H = Native.withErrno("kill", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT));
    }

    /** kill(2); a negative pid signals that process group. */
    public static int kill(int pid, int sig) {
        try {
            return (int) Kill.H.invokeExact(Native.capture(), pid, sig);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    private static final class Prctl {
        static final MethodHandle H = Native.withErrno("prctl", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_LONG),
                java.lang.foreign.Linker.Option.firstVariadicArg(1));
    }

    /** prctl(2) with one argument (it is variadic in glibc). */
    public static int prctl(int option, long arg) {
        try {
            return (int) Prctl.H.invokeExact(Native.capture(), option, arg);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    private static final class SigAction {
        static final MethodHandle H = Native.withErrno("sigaction",
                FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, ADDRESS));
    }

    public static int sigaction(int sig, MemorySegment act, MemorySegment oldact) {
        try {
            return (int) SigAction.H.invokeExact(Native.capture(), sig, act, oldact);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    // ---- file descriptors (errno) ----

    private static final class Io {
        static final MethodHandle READ = Native.withErrno("read",
                FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG));
        static final MethodHandle WRITE = Native.withErrno("write",
                FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG));
        static final MethodHandle CLOSE = Native.withErrno("close", FunctionDescriptor.of(JAVA_INT, JAVA_INT));
    }

    public static long read(int fd, MemorySegment buf, long count) {
        try {
            return (long) Io.READ.invokeExact(Native.capture(), fd, buf, count);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    public static long write(int fd, MemorySegment buf, long count) {
        try {
            return (long) Io.WRITE.invokeExact(Native.capture(), fd, buf, count);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /**
     * write(2) straight from a Java array, without a native buffer to copy into first. A critical call: the
     * garbage collector waits until it returns, so use it only on non-blocking fds and with bounded lengths.
     */
    public static long writeArray(int fd, byte[] b, int off, int len) {
        try {
            return (long) HeapIo.WRITE.invokeExact(Native.capture(), fd, MemorySegment.ofArray(b).asSlice(off, len),
                    (long) len);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    private static final class HeapIo {
        static final MethodHandle WRITE = Native.withErrno("write",
                FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG), Linker.Option.critical(true));
    }

    public static int close(int fd) {
        try {
            return (int) Io.CLOSE.invokeExact(Native.capture(), fd);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    private static final class Pipe2 {
        static final MethodHandle H = Native.withErrno("pipe2", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT));
    }

    public static int pipe2(MemorySegment fds, int flags) {
        try {
            return (int) Pipe2.H.invokeExact(Native.capture(), fds, flags);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    private static final class SocketPair {
        static final MethodHandle H = Native.withErrno("socketpair",
                FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS));
    }

    public static int socketpair(int domain, int type, int protocol, MemorySegment fds) {
        try {
            return (int) SocketPair.H.invokeExact(Native.capture(), domain, type, protocol, fds);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    private static final class Open {
        static final MethodHandle H = Native.withErrno("open",
                FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT), Linker.Option.firstVariadicArg(2));
    }

    public static int open(MemorySegment path, int flags, int mode) {
        try {
            return (int) Open.H.invokeExact(Native.capture(), path, flags, mode);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    private static final class Fcntl {
        static final MethodHandle H = Native.withErrno("fcntl",
                FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT), Linker.Option.firstVariadicArg(2));
    }

    public static int fcntl(int fd, int cmd, int arg) {
        try {
            return (int) Fcntl.H.invokeExact(Native.capture(), fd, cmd, arg);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    // ---- clocks (errno) ----

    private static final class ClockGettime {
        static final MethodHandle H = Native.withErrno("clock_gettime",
                FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS));
    }

    /** clock_gettime(2) into a {@link #SIZEOF_TIMESPEC}-byte struct timespec. */
    public static int clock_gettime(int clockId, MemorySegment timespec) {
        try {
            return (int) ClockGettime.H.invokeExact(Native.capture(), clockId, timespec);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    // ---- epoll / eventfd (errno) ----

    private static final class Epoll {
        static final MethodHandle CREATE = Native.withErrno("epoll_create1", FunctionDescriptor.of(JAVA_INT, JAVA_INT));
        static final MethodHandle CTL = Native.withErrno("epoll_ctl",
                FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS));
        static final MethodHandle WAIT = Native.withErrno("epoll_wait",
                FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT));
        static final MethodHandle EVENTFD = Native.withErrno("eventfd",
                FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT));
    }

    public static int epoll_create1(int flags) {
        try {
            return (int) Epoll.CREATE.invokeExact(Native.capture(), flags);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    public static int epoll_ctl(int epfd, int op, int fd, MemorySegment event) {
        try {
            return (int) Epoll.CTL.invokeExact(Native.capture(), epfd, op, fd, event);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    public static int epoll_wait(int epfd, MemorySegment events, int maxEvents, int timeoutMillis) {
        try {
            return (int) Epoll.WAIT.invokeExact(Native.capture(), epfd, events, maxEvents, timeoutMillis);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    public static int eventfd(int initval, int flags) {
        try {
            return (int) Epoll.EVENTFD.invokeExact(Native.capture(), initval, flags);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }
}
