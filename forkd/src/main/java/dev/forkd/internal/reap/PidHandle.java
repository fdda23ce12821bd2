package dev.forkd.internal.reap;

import dev.forkd.internal.posix.LibC;
import dev.forkd.internal.posix.Posix;
import dev.forkd.internal.posix.PosixException;

/**
 * A live child's pid and pidfd. Signals go through the pidfd, so they can never hit a recycled pid; once
 * the child is reaped the pidfd is closed and {@link #signal} answers false.
 */
public final class PidHandle {
    private final int pid;
    private int pidfd;        // guarded by this; -1 once reaped (or when there never was one)
    private boolean reaped;   // guarded by this

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

    synchronized void markReaped() {
        reaped = true;
        if (pidfd >= 0) {
            LibC.close(pidfd);
            pidfd = -1;
        }
    }
}
