package dev.forkd.internal.reap;

import dev.forkd.internal.io.LazyLogger;
import dev.forkd.internal.io.EventLoop;
import dev.forkd.internal.posix.Errno;
import dev.forkd.internal.posix.LibC;
import dev.forkd.internal.posix.Posix;
import dev.forkd.internal.posix.PosixException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.function.Consumer;

/**
 * Reaps forkd's children, and only forkd's: one pidfd per child on the shared {@link EventLoop}, then
 * {@code waitid(P_PIDFD)}, which collects exactly that child.
 *
 * <p>Never {@code waitpid(-1)} or {@code P_ALL}: the JDK reaps its own {@code ProcessBuilder} children by pid
 * and would lose their statuses. Opening the pidfd after posix_spawn is race-free only because nobody else
 * reaps our child, so its pid cannot be recycled before we hold the pidfd.
 */
public final class Reaper {
    private static final System.Logger LOG = LazyLogger.of("dev.forkd");
    private static volatile boolean initialised;
    /** The pids forkd will reap itself (spawned and not yet reaped): the orphan reaper leaves them alone. */
    static final java.util.Set<Integer> WATCHED = java.util.concurrent.ConcurrentHashMap.newKeySet();
    /**
     * Held (shared) from posix_spawn until the new pid is in {@link #WATCHED}, and (exclusive) by the orphan
     * reaper's rounds: a child that exits at once is never taken for an orphan.
     */
    public static final java.util.concurrent.locks.ReentrantReadWriteLock SPAWNING =
            new java.util.concurrent.locks.ReentrantReadWriteLock();

    private Reaper() {}

    /**
     * Resets an inherited SIGCHLD=SIG_IGN to SIG_DFL. With SIGCHLD ignored the kernel auto-reaps every child,
     * and waitid then finds nothing (ECHILD). A real handler installed by someone else is left alone.
     */
    public static void init() {
        if (initialised) return;
        synchronized (Reaper.class) {
            if (initialised) return;
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment old = arena.allocate(LibC.SIZEOF_SIGACTION, 8);
                if (LibC.sigaction(LibC.SIGCHLD, MemorySegment.NULL, old) == 0
                        && old.get(ValueLayout.JAVA_LONG, 0) == 1L /* SIG_IGN */) {
                    MemorySegment dfl = arena.allocate(LibC.SIZEOF_SIGACTION, 8); // zeroed: SIG_DFL, no flags
                    LibC.sigaction(LibC.SIGCHLD, dfl, MemorySegment.NULL);
                }
            }
            initialised = true;
        }
    }

    /**
     * Takes hold of a freshly spawned child: opens its pidfd. Call {@link #watch} next. Where no pidfd can be
     * had (EMFILE, or a kernel without pidfds) the handle falls back to kill(2) by pid, which is still safe
     * because nobody but forkd reaps the child.
     */
    public static PidHandle open(int pid) {
        // Before anything else: from here on the orphan reaper (forkd run, PID 1) leaves this child to us, even
        // if it exits before it is watched.
        WATCHED.add(pid);
        int pidfd = LibC.pidfd_open(pid, 0);
        if (pidfd < 0) {
            LOG.log(System.Logger.Level.WARNING, Posix.failure("pidfd_open", "pid " + pid).getMessage()
                    + "; reaping pid " + pid + " on a fallback thread");
        }
        return new PidHandle(pid, pidfd);
    }

    /**
     * Reaps the child when it exits. {@code onExit} runs once, on the loop thread (or, without a pidfd, on a
     * fallback waiter thread of its own), after the child has been reaped.
     */
    public static void watch(PidHandle handle, Consumer<WaitStatus> callback) {
        int pid = handle.pid();
        int pidfd = handle.pidfd();
        Consumer<WaitStatus> onExit = st -> {
            WATCHED.remove(pid);
            callback.accept(st);
        };
        if (pidfd < 0) {
            waitOnThread(handle, onExit);
            return;
        }
        EventLoop loop = EventLoop.get();
        // Registered from the spawning thread (no loop hop): the pidfd stays open until markReaped, which
        // runs on the loop after the unregister, so its number cannot be reused while registered.
        long token = loop.newToken();
        boolean added = loop.register(pidfd, LibC.EPOLLIN, token, ev -> {
            WaitStatus st = reap(pidfd, pid);
            if (st == null) return; // spurious: not exited yet
            loop.unregister(pidfd, token);
            handle.markReaped(); // closes the pidfd under the kill lock
            onExit.accept(st);
        });
        if (!added) waitOnThread(handle, onExit);
    }

    /** Without a pidfd on the loop: a blocking waitid(P_PID) on a thread of its own. Rare by construction. */
    private static void waitOnThread(PidHandle handle, Consumer<WaitStatus> onExit) {
        int pid = handle.pid();
        Thread.ofPlatform().daemon().name("forkd-wait-" + pid).start(() -> {
            WaitStatus st = blockingWait(pid);
            handle.markReaped();
            onExit.accept(st);
        });
    }

    /** The loop thread's siginfo_t for {@link #reap}. */
    private static final MemorySegment SIGINFO = Arena.global().allocate(LibC.SIZEOF_SIGINFO, 8);

    /** Loop thread only. */
    private static WaitStatus reap(int pidfd, int pid) {
        MemorySegment si = SIGINFO;
        si.fill((byte) 0);
        while (true) {
            int rc = LibC.waitid(LibC.P_PIDFD, pidfd, si, LibC.WEXITED | LibC.WNOHANG);
            if (rc == 0) {
                if (si.get(ValueLayout.JAVA_INT, 16) == 0) return null; // WNOHANG, still running
                return decode(si);
            }
            int err = LibC.errno();
            if (err == Errno.EINTR) continue;
            return lost(err, pid);
        }
    }

    private static WaitStatus blockingWait(int pid) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment si = arena.allocate(LibC.SIZEOF_SIGINFO, 8);
            while (true) {
                if (LibC.waitid(LibC.P_PID, pid, si, LibC.WEXITED) == 0) return decode(si);
                int err = LibC.errno();
                if (err != Errno.EINTR) return lost(err, pid);
            }
        }
    }

    /**
     * A status that cannot be had. ECHILD: someone else reaped our child (a foreign waitpid(-1)), so the
     * child is gone but how it ended is unknown; reported as a failure, never as a made-up exit code.
     */
    private static WaitStatus lost(int err, int pid) {
        String why = err == Errno.ECHILD ? ": another component reaped forkd's child; its exit status is lost" : "";
        PosixException failure = new PosixException("waitid", err, "pid " + pid + why);
        LOG.log(System.Logger.Level.ERROR, failure.getMessage());
        return WaitStatus.lost(failure);
    }

    /** siginfo_t: si_code at 8, si_status at 24. */
    private static WaitStatus decode(MemorySegment si) {
        int code = si.get(ValueLayout.JAVA_INT, 8);
        int status = si.get(ValueLayout.JAVA_INT, 24);
        return switch (code) {
            case LibC.CLD_EXITED -> new WaitStatus(true, status, 0, false);
            case LibC.CLD_DUMPED -> new WaitStatus(false, 0, status, true);
            default -> new WaitStatus(false, 0, status, false);
        };
    }
}
