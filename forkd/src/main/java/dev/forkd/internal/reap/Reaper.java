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
import java.nio.channels.spi.AbstractInterruptibleChannel;
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
     * Reaps the child when it exits. {@code onExit} runs once, after the child has been reaped: on the loop
     * thread, on the thread of a caller blocked in {@link #awaitExit}, or, without a pidfd, on a fallback
     * waiter thread of its own.
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
        // runs after the unregister, so its number cannot be reused while registered.
        long token = loop.newToken();
        EventLoop.Handler handler = ev -> {
            if (!handle.claim()) return; // a caller blocked in awaitExit has it (and took it off the loop)
            WaitStatus st = reap(pidfd, pid, SIGINFO);
            if (st == null) { // spurious: not exited yet
                handle.unclaim();
                return;
            }
            loop.unregister(pidfd, token);
            handle.markReaped(); // closes the pidfd under the kill lock
            onExit.accept(st);
        };
        if (loop.register(pidfd, LibC.EPOLLIN, token, handler)) handle.registered(loop, token, handler, onExit);
        else waitOnThread(handle, onExit);
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

    /**
     * Waits on the calling platform thread until the child has exited and reaps it here, or returns early
     * (leaving the wait to the caller's future) if the time is up, if the JVM starts to exit, or if the child
     * cannot be waited for this way (reaped or being reaped, another caller waits this way, no pidfd, a
     * virtual thread). Waiting for the loop's reap costs two thread wake-ups in a row, the loop's and then
     * the caller's; here the caller takes the pidfd off the loop for the wait ({@link PidHandle#borrow}), so
     * the kernel wakes only the caller, and {@code onExit} runs on its thread, as on the fallback waiter's.
     * A wait that ends without the exit gives the pidfd back to the loop.
     *
     * <p>Interruptible: an interrupt wakes the poll through an eventfd (the JDK closes an interruptible
     * channel when the thread blocked in it is interrupted) and is thrown as an InterruptedException.
     *
     * @param timeoutNanos how long to wait at most; negative for no limit
     */
    public static void awaitExit(PidHandle handle, long timeoutNanos) throws InterruptedException {
        if (Thread.currentThread().isVirtual()) return; // a blocking native call would pin its carrier
        EventLoop loop = EventLoop.current();
        if (loop == null || loop.inLoop() || Waiter.exiting) return;
        int efd = LibC.eventfd(0, LibC.EFD_CLOEXEC);
        if (efd < 0) return;
        Waiter waiter = new Waiter(efd);
        if (!waiter.start() || !handle.borrow()) {
            waiter.finish();
            return;
        }
        WaitStatus st = null;
        try (Arena arena = Arena.ofConfined()) {
            int pidfd = handle.pidfd(); // ours until given back or reaped: nobody else closes it meanwhile
            MemorySegment fds = arena.allocate(2 * LibC.SIZEOF_POLLFD, 8);
            fds.set(ValueLayout.JAVA_INT, 0, pidfd);
            fds.set(ValueLayout.JAVA_SHORT, 4, LibC.POLLIN);
            fds.set(ValueLayout.JAVA_INT, LibC.SIZEOF_POLLFD, efd);
            fds.set(ValueLayout.JAVA_SHORT, LibC.SIZEOF_POLLFD + 4, LibC.POLLIN);
            MemorySegment si = arena.allocate(LibC.SIZEOF_SIGINFO, 8);
            long deadline = System.nanoTime() + timeoutNanos;
            // Until the exit, the time limit, an interrupt (thrown) or the JVM's exit; a spurious wake-up waits on.
            while (st == null && waiter.poll(fds, timeoutNanos >= 0, deadline)) {
                st = reap(pidfd, handle.pid(), si);
            }
        } finally {
            waiter.finish();
            if (st == null && !handle.giveBack()) {
                waitOnThread(handle, handle.onExit()); // the loop cannot take it back (epoll_ctl failed)
            }
        }
        if (st == null) return;
        Consumer<WaitStatus> onExit = handle.onExit();
        handle.markReaped();
        try {
            onExit.accept(st);
        } catch (RuntimeException | Error e) {
            // The child's futures carry the failure (PosixChildProcess fails them); the loop would log it too.
            LOG.log(System.Logger.Level.ERROR, "forkd exit handling failed", e);
        }
    }

    /**
     * One caller's wait in {@link #awaitExit}: its eventfd is written when the thread is interrupted (through
     * {@link AbstractInterruptibleChannel}'s documented close-on-interrupt) or when the JVM starts to exit.
     */
    private static final class Waiter extends AbstractInterruptibleChannel {
        /** The waiters blocked in poll now, for the shutdown hook. */
        private static final java.util.Set<Waiter> ACTIVE = java.util.concurrent.ConcurrentHashMap.newKeySet();
        static volatile boolean exiting;

        static {
            try {
                Runtime.getRuntime().addShutdownHook(Thread.ofPlatform().name("forkd-waiters-exit").unstarted(() -> {
                    // HotSpot's exit waits up to 300 ms for threads inside a native call: send them back to
                    // the futures they can park on (the loop still reaps while the JVM exits).
                    exiting = true;
                    for (Waiter w : ACTIVE) w.wake();
                }));
            } catch (IllegalStateException e) {
                exiting = true; // the JVM is already exiting
            }
        }

        private final int efd;
        private volatile boolean finished;

        Waiter(int efd) {
            this.efd = efd;
        }

        /** False if the JVM is exiting (nothing was started). */
        boolean start() {
            ACTIVE.add(this);
            return !exiting;
        }

        /**
         * Polls until the first fd (the pidfd) is readable: true; false if the {@code deadline} (a
         * {@link System#nanoTime} value, if {@code timed}) passed or the eventfd woke it for the JVM's exit.
         * Throws if the thread was interrupted before or during the wait.
         */
        boolean poll(MemorySegment fds, boolean timed, long deadline) throws InterruptedException {
            int rc;
            boolean interrupted;
            begin(); // from here an interrupt (also one already pending) closes this channel: see implCloseChannel
            try {
                while (true) {
                    int ms = -1;
                    if (timed) {
                        long left = deadline - System.nanoTime();
                        ms = left <= 0 ? 0 : (int) Math.min(Integer.MAX_VALUE, (left + 999_999) / 1_000_000);
                    }
                    rc = LibC.poll(fds, 2, ms);
                    if (rc < 0 && LibC.errno() == Errno.EINTR) continue;
                    break;
                }
            } finally {
                try {
                    end(true);
                    interrupted = false;
                } catch (java.nio.channels.ClosedByInterruptException e) {
                    interrupted = true;
                } catch (java.io.IOException e) {
                    throw new IllegalStateException(e); // end(true) throws only for an interrupt
                }
            }
            if (interrupted) {
                Thread.interrupted(); // InterruptedException's contract: the status is cleared
                throw new InterruptedException();
            }
            return rc > 0 && (fds.get(ValueLayout.JAVA_SHORT, 6) & LibC.POLLIN) != 0;
        }

        void wake() {
            try {
                close();
            } catch (java.io.IOException ignored) {
                // implCloseChannel does not throw
            }
        }

        /** Called once the wait is over: later interrupts and the exit hook leave the (closed) eventfd alone. */
        void finish() {
            finished = true;
            wake(); // idempotent: after this, close() never calls implCloseChannel again
            ACTIVE.remove(this);
            LibC.close(efd);
        }

        @Override
        protected void implCloseChannel() {
            if (finished) return;
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment one = arena.allocate(8, 8);
                one.set(ValueLayout.JAVA_LONG, 0, 1L);
                LibC.write(efd, one, 8);
            }
        }
    }

    /** Reaps with waitid(P_PIDFD, WNOHANG) into {@code si}: the loop thread's own, or a waiter's. */
    private static WaitStatus reap(int pidfd, int pid, MemorySegment si) {
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
