package dev.forkd.internal.reap;

import dev.forkd.internal.posix.PosixException;

/**
 * What waitid(2) reported for a child: {@code exited} with a code, or killed by {@code signal}; or, as
 * {@code lost(failure)}, the failed call when the status could not be had. Internal, so that the reaper does not
 * depend on the public value types.
 */
public record WaitStatus(boolean exited, int code, int signal, boolean coreDumped, PosixException failure) {
    public WaitStatus(boolean exited, int code, int signal, boolean coreDumped) {
        this(exited, code, signal, coreDumped, null);
    }

    /** The status of a child forkd could not collect: waitid failed with {@code failure}. */
    static WaitStatus lost(PosixException failure) {
        return new WaitStatus(false, 0, 0, false, failure);
    }

    /** True if the status was lost; {@link #failure()} says why. */
    public boolean isLost() {
        return failure != null;
    }
}
