package dev.forkd;

/**
 * forkd could not learn how a child ended: the system call that collects its exit status failed, almost
 * always with {@code ECHILD} because another component of this JVM reaped the child first (a native library
 * calling {@code waitpid(-1)}, or a {@code SIGCHLD} handler that reaps everything). The child is gone and
 * nothing is left to reap; only its status is lost, and forkd does not make one up.
 *
 * <p>{@link ChildProcess#waitFor()} throws it and {@link ChildProcess#onExit()} fails with it.
 *
 * <p>Message: {@code "waitid failed: ECHILD (No child processes): pid 4242: another component reaped
 * forkd's child; its exit status is lost"}.
 */
public final class ReapException extends IllegalStateException {
    private final String syscall;
    private final int errno;
    private final String code;
    private final long pid;

    public ReapException(String message, String syscall, int errno, String code, long pid) {
        super(message);
        this.syscall = syscall;
        this.errno = errno;
        this.code = code;
        this.pid = pid;
    }

    /** The failed call: {@code "waitid"}. */
    public String syscall() {
        return syscall;
    }

    /** The errno number, e.g. 10. */
    public int errno() {
        return errno;
    }

    /** The errno name, as Node's {@code err.code}: {@code "ECHILD"}. */
    public String code() {
        return code;
    }

    /** The child whose status was lost. */
    public long pid() {
        return pid;
    }
}
