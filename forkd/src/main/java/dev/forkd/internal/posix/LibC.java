package dev.forkd.internal.posix;

import static dev.forkd.internal.posix.Native.addr;
import static dev.forkd.internal.posix.Native.call;
import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.ref.Reference.reachabilityFence;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;

/**
 * libc bindings (Linux, glibc ≥ 2.34). All but one go through {@link Native}'s single downcall shape; the
 * function addresses are looked up in small holder classes, the first time a function of that group is
 * called.
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
    /** poll(2): struct pollfd is fd (int) @0, events (short) @4, revents (short) @6. */
    public static final short POLLIN = 0x1;
    public static final long SIZEOF_POLLFD = 8;
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

    // ---- posix_spawn family (returns the error number) ----

    private static final class Spawn {
        static final MemorySegment SPAWN = Native.symbol("posix_spawn");
    }

    public static int posix_spawn(MemorySegment pid, MemorySegment path, MemorySegment fa, MemorySegment attr,
                                  MemorySegment argv, MemorySegment envp) {
        try {
            return (int) call(Spawn.SPAWN, addr(pid), addr(path), addr(fa), addr(attr), addr(argv), addr(envp));
        } finally {
            reachabilityFence(pid);
            reachabilityFence(path);
            reachabilityFence(fa);
            reachabilityFence(attr);
            reachabilityFence(argv);
            reachabilityFence(envp);
        }
    }

    private static final class FileActions {
        static final MemorySegment INIT = Native.symbol("posix_spawn_file_actions_init");
        static final MemorySegment DESTROY = Native.symbol("posix_spawn_file_actions_destroy");
        static final MemorySegment DUP2 = Native.symbol("posix_spawn_file_actions_adddup2");
        static final MemorySegment CLOSEFROM = Native.symbol("posix_spawn_file_actions_addclosefrom_np");
    }

    private static final class FileActionsChdir {
        static final MemorySegment CHDIR = Native.symbol("posix_spawn_file_actions_addchdir_np");
    }

    public static int posix_spawn_file_actions_init(MemorySegment fa) {
        try {
            return (int) call(FileActions.INIT, addr(fa));
        } finally {
            reachabilityFence(fa);
        }
    }

    public static int posix_spawn_file_actions_destroy(MemorySegment fa) {
        try {
            return (int) call(FileActions.DESTROY, addr(fa));
        } finally {
            reachabilityFence(fa);
        }
    }

    public static int posix_spawn_file_actions_adddup2(MemorySegment fa, int fd, int newFd) {
        try {
            return (int) call(FileActions.DUP2, addr(fa), fd, newFd);
        } finally {
            reachabilityFence(fa);
        }
    }

    public static int posix_spawn_file_actions_addclosefrom_np(MemorySegment fa, int from) {
        try {
            return (int) call(FileActions.CLOSEFROM, addr(fa), from);
        } finally {
            reachabilityFence(fa);
        }
    }

    public static int posix_spawn_file_actions_addchdir_np(MemorySegment fa, MemorySegment path) {
        try {
            return (int) call(FileActionsChdir.CHDIR, addr(fa), addr(path));
        } finally {
            reachabilityFence(fa);
            reachabilityFence(path);
        }
    }

    private static final class Attr {
        static final MemorySegment INIT = Native.symbol("posix_spawnattr_init");
        static final MemorySegment DESTROY = Native.symbol("posix_spawnattr_destroy");
        static final MemorySegment SETFLAGS = Native.symbol("posix_spawnattr_setflags");
        static final MemorySegment SETSIGMASK = Native.symbol("posix_spawnattr_setsigmask");
        static final MemorySegment SETSIGDEFAULT = Native.symbol("posix_spawnattr_setsigdefault");
        static final MemorySegment SETPGROUP = Native.symbol("posix_spawnattr_setpgroup");
        static final MemorySegment SIGEMPTYSET = Native.symbol("sigemptyset");
        static final MemorySegment SIGFILLSET = Native.symbol("sigfillset");
    }

    public static int posix_spawnattr_init(MemorySegment attr) {
        try {
            return (int) call(Attr.INIT, addr(attr));
        } finally {
            reachabilityFence(attr);
        }
    }

    public static int posix_spawnattr_destroy(MemorySegment attr) {
        try {
            return (int) call(Attr.DESTROY, addr(attr));
        } finally {
            reachabilityFence(attr);
        }
    }

    public static int posix_spawnattr_setflags(MemorySegment attr, short flags) {
        try {
            return (int) call(Attr.SETFLAGS, addr(attr), flags);
        } finally {
            reachabilityFence(attr);
        }
    }

    public static int posix_spawnattr_setsigmask(MemorySegment attr, MemorySegment sigset) {
        try {
            return (int) call(Attr.SETSIGMASK, addr(attr), addr(sigset));
        } finally {
            reachabilityFence(attr);
            reachabilityFence(sigset);
        }
    }

    public static int posix_spawnattr_setsigdefault(MemorySegment attr, MemorySegment sigset) {
        try {
            return (int) call(Attr.SETSIGDEFAULT, addr(attr), addr(sigset));
        } finally {
            reachabilityFence(attr);
            reachabilityFence(sigset);
        }
    }

    public static int posix_spawnattr_setpgroup(MemorySegment attr, int pgroup) {
        try {
            return (int) call(Attr.SETPGROUP, addr(attr), pgroup);
        } finally {
            reachabilityFence(attr);
        }
    }

    public static int sigemptyset(MemorySegment set) {
        try {
            return (int) call(Attr.SIGEMPTYSET, addr(set));
        } finally {
            reachabilityFence(set);
        }
    }

    public static int sigfillset(MemorySegment set) {
        try {
            return (int) call(Attr.SIGFILLSET, addr(set));
        } finally {
            reachabilityFence(set);
        }
    }

    // ---- process control (errno) ----

    private static final class Pidfd {
        static final MemorySegment OPEN = Native.symbol("pidfd_open");
        static final MemorySegment SEND_SIGNAL = Native.symbol("pidfd_send_signal");
        static final MemorySegment WAITID = Native.symbol("waitid");
    }

    public static int pidfd_open(int pid, int flags) {
        return (int) call(Pidfd.OPEN, pid, flags);
    }

    public static int pidfd_send_signal(int pidfd, int sig) {
        return (int) call(Pidfd.SEND_SIGNAL, pidfd, sig, 0L, 0);
    }

    public static int waitid(int idtype, int id, MemorySegment siginfo, int options) {
        try {
            return (int) call(Pidfd.WAITID, idtype, id, addr(siginfo), options);
        } finally {
            reachabilityFence(siginfo);
        }
    }

    private static final class Kill {
        static final MemorySegment KILL = Native.symbol("kill");
    }

    /** kill(2); a negative pid signals that process group. */
    public static int kill(int pid, int sig) {
        return (int) call(Kill.KILL, pid, sig);
    }

    /** prctl(2) with one argument (through syscall(2): prctl is variadic in glibc). */
    public static int prctl(int option, long arg) {
        return (int) call(Syscall.SYSCALL, Syscall.PRCTL, option, arg);
    }

    private static final class SigAction {
        static final MemorySegment SIGACTION = Native.symbol("sigaction");
    }

    public static int sigaction(int sig, MemorySegment act, MemorySegment oldact) {
        try {
            return (int) call(SigAction.SIGACTION, sig, addr(act), addr(oldact));
        } finally {
            reachabilityFence(act);
            reachabilityFence(oldact);
        }
    }

    // ---- memory (errno) ----

    public static final int PROT_READ = 1, PROT_WRITE = 2, MAP_PRIVATE = 0x02, MAP_ANONYMOUS = 0x20;
    /** mmap(2)'s MAP_FAILED, (void *) -1. */
    public static final long MAP_FAILED = -1L;

    private static final class Mmap {
        static final MemorySegment MMAP = Native.symbol("mmap");
    }

    /** mmap(2) of anonymous private memory: pages the kernel zero-fills when first touched; MAP_FAILED on error. */
    public static long mmapAnonymous(long length) {
        return call(Mmap.MMAP, 0L, length, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1L, 0L);
    }

    // ---- file descriptors (errno) ----

    private static final class Io {
        static final MemorySegment READ = Native.symbol("read");
        static final MemorySegment WRITE = Native.symbol("write");
        static final MemorySegment CLOSE = Native.symbol("close");
    }

    public static long read(int fd, MemorySegment buf, long count) {
        try {
            return call(Io.READ, fd, addr(buf), count);
        } finally {
            reachabilityFence(buf);
        }
    }

    public static long write(int fd, MemorySegment buf, long count) {
        try {
            return call(Io.WRITE, fd, addr(buf), count);
        } finally {
            reachabilityFence(buf);
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
            throw Native.rethrow(t);
        }
    }

    /** The one binding with a shape of its own: a critical call may be passed a heap segment. */
    private static final class HeapIo {
        static final MethodHandle WRITE = Native.withErrno("write",
                FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG), Linker.Option.critical(true));
    }

    public static int close(int fd) {
        return (int) call(Io.CLOSE, fd);
    }

    private static final class Pipe2 {
        static final MemorySegment PIPE2 = Native.symbol("pipe2");
    }

    public static int pipe2(MemorySegment fds, int flags) {
        try {
            return (int) call(Pipe2.PIPE2, addr(fds), flags);
        } finally {
            reachabilityFence(fds);
        }
    }

    private static final class SocketPair {
        static final MemorySegment SOCKETPAIR = Native.symbol("socketpair");
    }

    public static int socketpair(int domain, int type, int protocol, MemorySegment fds) {
        try {
            return (int) call(SocketPair.SOCKETPAIR, domain, type, protocol, addr(fds));
        } finally {
            reachabilityFence(fds);
        }
    }

    /**
     * syscall(2), for the variadic libc functions (open, fcntl, prctl): it is written in assembly on both
     * architectures and reads its arguments from the integer registers only, so the shared shape can call it.
     */
    private static final class Syscall {
        static final MemorySegment SYSCALL = Native.symbol("syscall");
        private static final boolean AARCH64 = "aarch64".equals(System.getProperty("os.arch"));
        static final long OPENAT = AARCH64 ? 56 : 257, FCNTL = AARCH64 ? 25 : 72, PRCTL = AARCH64 ? 167 : 157;
        static final long AT_FDCWD = -100;
    }

    public static int open(MemorySegment path, int flags, int mode) {
        try {
            return (int) call(Syscall.SYSCALL, Syscall.OPENAT, Syscall.AT_FDCWD, addr(path), flags, mode);
        } finally {
            reachabilityFence(path);
        }
    }

    public static int fcntl(int fd, int cmd, int arg) {
        return (int) call(Syscall.SYSCALL, Syscall.FCNTL, fd, cmd, arg);
    }

    // ---- clocks (errno) ----

    private static final class ClockGettime {
        static final MemorySegment CLOCK_GETTIME = Native.symbol("clock_gettime");
    }

    /** clock_gettime(2) into a {@link #SIZEOF_TIMESPEC}-byte struct timespec. */
    public static int clock_gettime(int clockId, MemorySegment timespec) {
        try {
            return (int) call(ClockGettime.CLOCK_GETTIME, clockId, addr(timespec));
        } finally {
            reachabilityFence(timespec);
        }
    }

    // ---- epoll / eventfd (errno) ----

    private static final class Epoll {
        static final MemorySegment CREATE = Native.symbol("epoll_create1");
        static final MemorySegment CTL = Native.symbol("epoll_ctl");
        static final MemorySegment WAIT = Native.symbol("epoll_wait");
        static final MemorySegment EVENTFD = Native.symbol("eventfd");
    }

    public static int epoll_create1(int flags) {
        return (int) call(Epoll.CREATE, flags);
    }

    public static int epoll_ctl(int epfd, int op, int fd, MemorySegment event) {
        try {
            return (int) call(Epoll.CTL, epfd, op, fd, addr(event));
        } finally {
            reachabilityFence(event);
        }
    }

    public static int epoll_wait(int epfd, MemorySegment events, int maxEvents, int timeoutMillis) {
        try {
            return (int) call(Epoll.WAIT, epfd, addr(events), maxEvents, timeoutMillis);
        } finally {
            reachabilityFence(events);
        }
    }

    public static int eventfd(int initval, int flags) {
        return (int) call(Epoll.EVENTFD, initval, flags);
    }

    private static final class Poll {
        static final MemorySegment POLL = Native.symbol("poll");
    }

    /** poll(2) over {@code nfds} {@link #SIZEOF_POLLFD}-byte struct pollfd entries; blocks the calling thread. */
    public static int poll(MemorySegment fds, int nfds, int timeoutMillis) {
        try {
            return (int) call(Poll.POLL, addr(fds), nfds, timeoutMillis);
        } finally {
            reachabilityFence(fds);
        }
    }
}
