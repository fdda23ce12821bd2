package dev.forkd;

import dev.forkd.internal.spawn.ParentEnvironment;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * What to run and how: program, arguments, environment, working directory, stdio and process-group options.
 *
 * <p>Immutable: every method returns a new {@code Command}, so one can be shared and reused across threads.
 * Nothing is checked against the system until a spawn; NUL bytes and other impossible values are rejected
 * with {@link IllegalArgumentException} when the command is spawned, before anything is started.
 *
 * {@snippet :
 * Command ls = Command.of("ls", "-l").cwd(Path.of("/tmp")).env("LC_ALL", "C").stdout(Stdio.inherit());
 * }
 */
public final class Command {
    private final String program;
    private final List<String> args;
    private final String argv0;
    private final Path cwd;
    private final boolean inheritEnv;
    private final Map<String, String> envChanges; // null value: removed
    private final List<Stdio> stdio;              // null entries: not set, the caller's default applies
    private final boolean detached;
    private final boolean shell;
    private final boolean killTree;

    private Command(String program, List<String> args, String argv0, Path cwd, boolean inheritEnv,
                    Map<String, String> envChanges, List<Stdio> stdio, boolean detached, boolean shell,
                    boolean killTree) {
        this.program = program;
        this.args = args;
        this.argv0 = argv0;
        this.cwd = cwd;
        this.inheritEnv = inheritEnv;
        this.envChanges = envChanges;
        this.stdio = stdio;
        this.detached = detached;
        this.shell = shell;
        this.killTree = killTree;
    }

    /**
     * A command running {@code program} with {@code args}. A program without a {@code /} is looked up in the
     * child's {@code PATH} (the parent's unless changed with {@link #env}; {@code /usr/bin:/bin} if unset).
     */
    public static Command of(String program, String... args) {
        Objects.requireNonNull(program, "program");
        List<String> list = List.of(args); // rejects null elements
        return new Command(program, list, null, null, true, Map.of(), Collections.nCopies(3, null),
                false, false, false);
    }

    /** Appends arguments. */
    public Command args(String... more) {
        List<String> all = new ArrayList<>(args);
        all.addAll(Arrays.asList(more));
        return new Command(program, List.copyOf(all), argv0, cwd, inheritEnv, envChanges, stdio, detached, shell,
                killTree);
    }

    /** Sets the child's {@code argv[0]} (default: the program as given). */
    public Command argv0(String argv0) {
        return new Command(program, args, Objects.requireNonNull(argv0, "argv0"), cwd, inheritEnv, envChanges,
                stdio, detached, shell, killTree);
    }

    /** The child's working directory (default: the parent's). */
    public Command cwd(Path dir) {
        return new Command(program, args, argv0, Objects.requireNonNull(dir, "dir"), inheritEnv, envChanges,
                stdio, detached, shell, killTree);
    }

    /** Sets one environment variable for the child. */
    public Command env(String key, String value) {
        return withEnv(Objects.requireNonNull(key, "key"), Objects.requireNonNull(value, "value"));
    }

    /** Sets several environment variables for the child. */
    public Command env(Map<String, String> vars) {
        Command c = this;
        for (var e : vars.entrySet()) c = c.env(e.getKey(), e.getValue());
        return c;
    }

    /** Removes one variable from what the child inherits. */
    public Command envRemove(String key) {
        return withEnv(Objects.requireNonNull(key, "key"), null);
    }

    /** Starts the child's environment empty instead of from the parent's; later {@link #env} calls add to it. */
    public Command envClear() {
        return new Command(program, args, argv0, cwd, false, Map.of(), stdio, detached, shell, killTree);
    }

    private Command withEnv(String key, String value) {
        Map<String, String> m = new LinkedHashMap<>(envChanges);
        m.remove(key);
        m.put(key, value);
        return new Command(program, args, argv0, cwd, inheritEnv, Collections.unmodifiableMap(m), stdio, detached,
                shell, killTree);
    }

    /** What fd 0 is connected to (default for spawn: {@link Stdio#pipe()}). */
    public Command stdin(Stdio s) {
        return withStdio(0, s);
    }

    /** What fd 1 is connected to (default for spawn: {@link Stdio#pipe()}). */
    public Command stdout(Stdio s) {
        return withStdio(1, s);
    }

    /** What fd 2 is connected to (default for spawn: {@link Stdio#pipe()}). */
    public Command stderr(Stdio s) {
        return withStdio(2, s);
    }

    /**
     * The whole stdio array, one entry per child fd starting at 0, as Node's {@code stdio} option. Entries past
     * 2 give the child more fds; fewer than 3 entries leave the rest at their defaults.
     */
    public Command stdio(Stdio... byFd) {
        List<Stdio> list = new ArrayList<>(Arrays.asList(byFd));
        for (Stdio s : list) Objects.requireNonNull(s, "stdio entry");
        while (list.size() < 3) list.add(null);
        return new Command(program, args, argv0, cwd, inheritEnv, envChanges, Collections.unmodifiableList(list),
                detached, shell, killTree);
    }

    /** Connects fds 0, 1 and 2 to the parent's own: Node's {@code stdio: 'inherit'}, ProcessBuilder's inheritIO. */
    public Command inheritIO() {
        return stdio(Stdio.inherit(), Stdio.inherit(), Stdio.inherit());
    }

    private Command withStdio(int fd, Stdio s) {
        Objects.requireNonNull(s, "stdio");
        List<Stdio> list = new ArrayList<>(stdio);
        list.set(fd, s);
        return new Command(program, args, argv0, cwd, inheritEnv, envChanges, Collections.unmodifiableList(list),
                detached, shell, killTree);
    }

    /**
     * Runs the child in a new session ({@code setsid}): it has no controlling terminal, leads its own process
     * group, and lives on after the parent exits. To daemonise, combine with {@link Stdio#ignore()} (or files)
     * for all three stdio entries so that nothing ties it to the parent.
     */
    public Command detached(boolean detached) {
        return new Command(program, args, argv0, cwd, inheritEnv, envChanges, stdio, detached, shell, killTree);
    }

    /**
     * Runs {@code /bin/sh -c "<program> <args...>"} (joined with spaces, as Node does) instead of the program.
     * Never pass untrusted input through a shell.
     */
    public Command shell(boolean shell) {
        return new Command(program, args, argv0, cwd, inheritEnv, envChanges, stdio, detached, shell, killTree);
    }

    /**
     * Puts the child in a process group of its own so that {@link ChildProcess#kill} signals it and all its
     * descendants. Such a child no longer gets the terminal's Ctrl-C, so forkd sends its group SIGTERM when the
     * JVM shuts down. The exec family always works this way, so that timeouts kill whole trees.
     */
    public Command killTree(boolean killTree) {
        return new Command(program, args, argv0, cwd, inheritEnv, envChanges, stdio, detached, shell, killTree);
    }

    public String program() {
        return program;
    }

    public List<String> args() {
        return args;
    }

    public Optional<String> argv0() {
        return Optional.ofNullable(argv0);
    }

    public Optional<Path> cwd() {
        return Optional.ofNullable(cwd);
    }

    /**
     * The child's environment as it would be spawned now (unmodifiable): the parent's (unless cleared) plus
     * changes. The parent's own IPC variables ({@code NODE_CHANNEL_FD}, {@code NODE_CHANNEL_SERIALIZATION_MODE},
     * {@code FORKD_IPC_MAX_MESSAGE_BYTES}, {@code NODE_UNIQUE_ID}) are never inherited: they describe this
     * process's channel, not the child's.
     */
    public Map<String, String> environment() {
        if (inheritEnv && envChanges.isEmpty()) return ParentEnvironment.map(); // shared: spawns reuse its encoding
        Map<String, String> env = inheritEnv ? new LinkedHashMap<>(ParentEnvironment.map()) : new LinkedHashMap<>();
        for (var e : envChanges.entrySet()) {
            if (e.getValue() == null) env.remove(e.getKey());
            else env.put(e.getKey(), e.getValue());
        }
        return Collections.unmodifiableMap(env);
    }

    /** The stdio entries; empty {@code Optional}s are unset and take the caller's default. */
    public List<Optional<Stdio>> stdio() {
        return stdio.stream().map(Optional::ofNullable).toList();
    }

    public boolean detached() {
        return detached;
    }

    public boolean shell() {
        return shell;
    }

    public boolean killTree() {
        return killTree;
    }

    /** The command line as a shell would show it (for messages; no quoting is attempted). */
    @Override
    public String toString() {
        return args.isEmpty() ? program : program + " " + String.join(" ", args);
    }
}
