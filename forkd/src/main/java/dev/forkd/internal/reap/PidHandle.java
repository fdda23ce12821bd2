package dev.forkd.internal.reap;

import dev.forkd.internal.io.EventLoop;
import dev.forkd.internal.posix.LibC;
import dev.forkd.internal.posix.Posix;
import dev.forkd.internal.posix.PosixException;
import java.util.function.Consumer;

/**
 * A live child's pid and pidfd. Signals go through the pidfd, so they can never hit a recycled pid; once
 * the child is reaped the pidfd is closed and {@link #signal} answers false.
 */
public final class PidHandle {
    private final int pid;
    private int pidfd;        // guarded by this; -1 once reaped (or when there never was one)
    private boolean reaped;   // guarded by this
    /** Someone (the loop's handler or a waiting caller) is reaping the child now; guarded by this. */
    private boolean claimed;
    /** The pidfd's loop registration and what runs at its reap, once registered (else null); guarded by this. */
    private EventLoop loop;
    private long token;
    private EventLoop.Handler handler;
    private Consumer<WaitStatus> onExit;

    PidHandle(int pid, int pidfd) {
        this.pid = pid;
        this.pidfd = pidfd;
    }

    public int pid() {
        return pid;
    }

    /** The pidfd while the child is unreaped, -1 after (or without one). */
    synchronized int pidfd() {
        return pidfd;
    }

    public synchronized boolean isReaped() {
        return reaped;
    }

    /**
     * Sends sig to the child. Returns false if it has already been reaped (or is gone); throws for EPERM,
     * EINVAL and other real failures.
     */
    public synchronized boolean signal(int sig) throws PosixException {
        if (reaped) return false;
        return Posix.signal(pidfd, pid, sig, "pid " + pid);
    }

    /**
     * Sends sig to the child's process group (the child must lead one). Safe while the child is unreaped:
     * its pid, which is the group id, cannot be recycled. Afterwards the group id stays reserved as long as
     * any member lives, so a late call reaches the leftovers or finds nothing (false).
     */
    public boolean signalGroup(int sig) throws PosixException {
        return Posix.signal(-1, -pid, sig, "process group " + pid);
    }

    /** The pidfd is on {@code loop} under {@code token} with {@code handler}; {@code onExit} runs after the reap. */
    synchronized void registered(EventLoop loop, long token, EventLoop.Handler handler, Consumer<WaitStatus> onExit) {
        this.loop = loop;
        this.token = token;
        this.handler = handler;
        this.onExit = onExit;
    }

    synchronized Consumer<WaitStatus> onExit() {
        return onExit;
    }

    /** True if the caller may reap the child now: nobody else is reaping it (or waiting to) and nobody has. */
    synchronized boolean claim() {
        if (claimed || reaped) return false;
        claimed = true;
        return true;
    }

    /** The claim's winner found the child still running (a spurious wake-up): the race is open again. */
    synchronized void unclaim() {
        claimed = false;
    }

    /**
     * Claims the child for a caller that waits for it on its own thread and takes its pidfd off the loop, so
     * that the exit wakes only that caller. False if it cannot be had: reaped, claimed, no pidfd, or not on
     * the loop. The loop's handler may run once more for an event it already holds; it finds the claim taken
     * and leaves the pidfd alone. Until {@link #giveBack} or {@link #markReaped} the pidfd is the caller's.
     */
    synchronized boolean borrow() {
        if (pidfd < 0 || loop == null || !claim()) return false;
        loop.unregisterFromAnyThread(pidfd, token);
        return true;
    }

    /**
     * A borrowed pidfd goes back on the loop (the caller's wait ended without the exit); an exit that came
     * meanwhile is reported at once (epoll is level-triggered). False if epoll refused it: the claim then
     * stays taken, for the fallback waiter the caller must start.
     */
    synchronized boolean giveBack() {
        // The loop's handler, called for the new registration at once, waits for this lock and finds the claim free.
        boolean back = loop.register(pidfd, LibC.EPOLLIN, token, handler);
        claimed = !back;
        return back;
    }

    synchronized void markReaped() {
        reaped = true;
        if (pidfd >= 0) {
            LibC.close(pidfd);
            pidfd = -1;
        }
    }
}
