package dev.forkd.cli.app;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * One app as forkd runs it: the command, how many instances, how they restart, where their logs go. Made by
 * {@code forkd start}'s options or by an ecosystem file; validated here, in one place.
 *
 * @param name         unique per user: letters, digits, '.', '_' and '-'
 * @param command      the program and its arguments (run without a shell)
 * @param cwd          the working directory (absolute)
 * @param env          variables added to the environment the command was started from
 * @param instances    how many copies run (fork mode: each its own process)
 * @param restart      when an instance that ended by itself is started again
 * @param maxRestarts  restarts tolerated within {@code window} before the app is {@code errored}
 * @param window       the crash-loop window
 * @param killTimeout  how long an instance may take to exit after SIGTERM before its process group gets SIGKILL
 * @param maxMemory    RSS in bytes above which an instance is restarted; 0: no limit
 * @param logMaxBytes  a log file is rotated when it passes this size
 * @param logFiles     rotated files kept per log (besides the current one)
 * @param timestamps   prefix each log line with the time it was read
 * @param port         cluster mode: the TCP port the supervisor listens on and hands every instance as fd 3
 *                     with systemd's socket-activation variables; 0: fork mode (each instance on its own)
 * @param host         the address to listen on in cluster mode (default: every address)
 * @param waitReady    an instance is up when it says so ({@code READY=1} on the {@code NOTIFY_SOCKET} forkd
 *                     gives it, as under systemd's Type=notify), not as soon as it runs; a reload waits for it
 * @param readyTimeout how long a new instance may take to say it is ready before a reload gives up on it
 * @param restartDelay a fixed wait before each restart (PM2's {@code --restart-delay}); null: an exponential
 *                     backoff from 100 ms to 15 s, reset once an instance has run for 30 s
 * @param handoff      cluster mode: how the instances get the listener (default {@link Handoff#ACTIVATION})
 */
public record AppSpec(String name, List<String> command, String cwd, Map<String, String> env, int instances,
                      RestartMode restart, int maxRestarts, Duration window, Duration killTimeout, long maxMemory,
                      long logMaxBytes, int logFiles, boolean timestamps, int port, String host,
                      boolean waitReady, Duration readyTimeout, Duration restartDelay,
                      Handoff handoff) {
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9._-]{1,64}");

    public static final int DEFAULT_MAX_RESTARTS = 10;
    public static final Duration DEFAULT_WINDOW = Duration.ofSeconds(60);
    public static final Duration DEFAULT_KILL_TIMEOUT = Duration.ofSeconds(5);
    public static final long DEFAULT_LOG_MAX_BYTES = 10L << 20;
    public static final int DEFAULT_LOG_FILES = 5;
    public static final Duration DEFAULT_READY_TIMEOUT = Duration.ofSeconds(30);

    public AppSpec {
        Objects.requireNonNull(name, "name");
        if (!NAME.matcher(name).matches() || name.startsWith(".")) {
            throw new IllegalArgumentException("app name '" + name + "': use 1-64 letters, digits, '.', '_' or '-'"
                    + " (not starting with '.')");
        }
        if (name.equals("all")) throw new IllegalArgumentException("app name 'all' is reserved (it means every app)");
        command = List.copyOf(Objects.requireNonNull(command, "command"));
        if (command.isEmpty()) throw new IllegalArgumentException("app " + name + ": no command to run");
        for (String a : command) {
            if (a.indexOf('\0') >= 0) throw new IllegalArgumentException("app " + name + ": NUL byte in the command");
        }
        Objects.requireNonNull(cwd, "cwd");
        env = Map.copyOf(env == null ? Map.of() : env);
        if (instances < 1) throw new IllegalArgumentException("app " + name + ": instances must be at least 1");
        Objects.requireNonNull(restart, "restart");
        if (maxRestarts < 0) throw new IllegalArgumentException("app " + name + ": max restarts cannot be negative");
        requirePositive(window, "window", name);
        requirePositive(killTimeout, "kill timeout", name);
        if (maxMemory < 0) throw new IllegalArgumentException("app " + name + ": max memory cannot be negative");
        if (logMaxBytes < 4096) throw new IllegalArgumentException("app " + name + ": log max size must be at least 4 KiB");
        if (logFiles < 1) throw new IllegalArgumentException("app " + name + ": keep at least 1 rotated log file");
        if (port < 0 || port > 65535) throw new IllegalArgumentException("app " + name + ": port " + port + " is not 0-65535");
        host = host == null || host.isEmpty() ? "0.0.0.0" : host;
        if (readyTimeout == null) readyTimeout = DEFAULT_READY_TIMEOUT;
        requirePositive(readyTimeout, "ready timeout", name);
        if (handoff == null) handoff = Handoff.ACTIVATION;
        if (restartDelay != null && restartDelay.isNegative()) {
            throw new IllegalArgumentException("app " + name + ": restart delay cannot be negative");
        }
    }

    /** True in cluster mode: the instances share one listening port. */
    public boolean clustered() {
        return port > 0;
    }

    private static void requirePositive(Duration d, String what, String name) {
        Objects.requireNonNull(d, what);
        if (d.isNegative() || d.isZero()) throw new IllegalArgumentException("app " + name + ": " + what + " must be positive");
    }

    /** An app with every option at its default. */
    public static AppSpec of(String name, List<String> command, String cwd) {
        return new AppSpec(name, command, cwd, Map.of(), 1, RestartMode.ALWAYS, DEFAULT_MAX_RESTARTS, DEFAULT_WINDOW,
                DEFAULT_KILL_TIMEOUT, 0, DEFAULT_LOG_MAX_BYTES, DEFAULT_LOG_FILES, false, 0, "0.0.0.0", false,
                DEFAULT_READY_TIMEOUT, null, Handoff.ACTIVATION);
    }
}
