package dev.forkd;

import java.io.IOException;

/**
 * A child could not be started: the program is missing or not executable, the working directory does not
 * exist, the system is out of processes or fds. Nothing was left running and there is nothing to reap.
 *
 * <p>Message: {@code "posix_spawn failed: ENOENT (No such file or directory): nope"}.
 */
public class SpawnException extends IOException {
    private final String syscall;
    private final int errno;
    private final String code;
    private final String path;

    public SpawnException(String message, String syscall, int errno, String code, String path, Throwable cause) {
        super(message, cause);
        this.syscall = syscall;
        this.errno = errno;
        this.code = code;
        this.path = path;
    }

    /** The failed call: {@code "posix_spawn"}, {@code "chdir"}, {@code "pipe2"}, ... */
    public String syscall() {
        return syscall;
    }

    /** The errno number, e.g. 2. */
    public int errno() {
        return errno;
    }

    /** The errno name as Node's {@code err.code}, e.g. {@code "ENOENT"}. */
    public String code() {
        return code;
    }

    /** The program, directory or file concerned. */
    public String path() {
        return path;
    }
}
