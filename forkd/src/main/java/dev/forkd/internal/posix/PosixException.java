package dev.forkd.internal.posix;

import java.io.IOException;

/**
 * A failed system call: names the call, the errno and, where there is one, the subject (a path, a pid).
 *
 * <p>Message format: {@code "posix_spawn failed: ENOENT (No such file or directory): ./app"}. Public exceptions
 * ({@code SpawnException}) are built from the same three parts.
 */
public class PosixException extends IOException {
    private final String syscall;
    private final int errno;
    private final String subject;

    public PosixException(String syscall, int errno, String subject) {
        super(format(syscall, errno, subject));
        this.syscall = syscall;
        this.errno = errno;
        this.subject = subject;
    }

    public static String format(String syscall, int errno, String subject) {
        String base = syscall + " failed: " + Errno.describe(errno);
        return subject == null ? base : base + ": " + subject;
    }

    public String syscall() { return syscall; }
    public int errno() { return errno; }
    /** The path, pid or other subject of the call, or null. */
    public String subject() { return subject; }
}
