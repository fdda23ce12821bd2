package dev.forkd.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;

/**
 * Where forkd keeps things for one user. The run directory (sockets, locks, the per-app supervisors'
 * sockets) is {@code $XDG_RUNTIME_DIR/forkd}, else {@code ~/.forkd/run}; the state directory (the app list,
 * logs) is {@code $XDG_STATE_HOME/forkd}, else {@code ~/.local/state/forkd}. {@code FORKD_HOME} puts both
 * under one directory (tests, several independent forkd setups). Directories are created mode 0700.
 */
public record Home(Path run, Path state) {
    public static Home fromEnvironment() {
        return from(System.getenv(), Path.of(System.getProperty("user.home")));
    }

    static Home from(Map<String, String> env, Path userHome) {
        String home = env.get("FORKD_HOME");
        if (home != null && !home.isEmpty()) {
            Path h = Path.of(home).toAbsolutePath();
            return new Home(h.resolve("run"), h);
        }
        String runtime = env.get("XDG_RUNTIME_DIR");
        String state = env.get("XDG_STATE_HOME");
        Path run = runtime != null && !runtime.isEmpty() ? Path.of(runtime, "forkd") : userHome.resolve(".forkd/run");
        Path st = state != null && !state.isEmpty() ? Path.of(state, "forkd") : userHome.resolve(".local/state/forkd");
        return new Home(run, st);
    }

    /** The daemon's control socket. */
    public Path socket() {
        return run.resolve("forkd.sock");
    }

    /** Held (flock) by the running daemon: a second one cannot take it. */
    public Path daemonLock() {
        return run.resolve("daemon.lock");
    }

    /** The per-app supervisors' sockets and spec files. */
    public Path apps() {
        return run.resolve("apps");
    }

    public Path supervisorSocket(String app) {
        return apps().resolve(app + ".sock");
    }

    public Path supervisorSpec(String app) {
        return apps().resolve(app + ".json");
    }

    /** The app list the daemon keeps (what is started, what is stopped). */
    public Path registry() {
        return state.resolve("apps.json");
    }

    /** The list {@code forkd save} wrote and {@code forkd resurrect} reads. */
    public Path dump() {
        return state.resolve("dump.json");
    }

    public Path logs(String app) {
        return state.resolve("logs").resolve(app);
    }

    public Path daemonLog() {
        return state.resolve("daemon.log");
    }

    /** Creates the directories, mode 0700. */
    public Home create() throws IOException {
        for (Path p : new Path[] {run, apps(), state, state.resolve("logs")}) mkdirPrivate(p);
        return this;
    }

    public static void mkdirPrivate(Path p) throws IOException {
        if (!Files.isDirectory(p)) {
            Files.createDirectories(p, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        }
    }
}
