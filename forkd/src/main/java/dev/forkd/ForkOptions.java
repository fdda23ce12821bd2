package dev.forkd;

import java.io.File;
import dev.forkd.internal.spawn.AotCachePolicy;
import dev.forkd.internal.spawn.ForkCommands;
import dev.forkd.ipc.Channel;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.StringJoiner;
import java.util.regex.Pattern;

/**
 * How {@link ChildProcesses#fork(ForkOptions)} starts a new JVM: Node's {@code fork} options, in Java terms.
 *
 * <p>The child runs {@code <java> <forkd's flags> <execArgv> -cp <classPath> <mainClass> <args>} (or
 * {@code -jar <jar>}) with the IPC channel on fd 3 ({@code NODE_CHANNEL_FD=3}, JSON serialization), which it
 * opens with {@link dev.forkd.ipc.Channel#parent()}. forkd's flags are {@value #NATIVE_ACCESS} and
 * {@value #ADD_OPENS}: what forkd needs inside the child.
 *
 * {@snippet :
 * ChildProcess child = ChildProcesses.fork(ForkOptions.of("com.example.Worker", "--id", "7")
 *         .execArgv("-Xmx256m").env("MODE", "test").silent(true));
 * }
 */
public final class ForkOptions {
    public static final String NATIVE_ACCESS = "--enable-native-access=ALL-UNNAMED";
    public static final String ADD_OPENS = "--add-opens=java.base/sun.nio.ch=ALL-UNNAMED";

    private final String mainClass;
    private final Path jar;
    private final List<String> args;
    private final Path java;
    private final String classPath;
    private final List<String> execArgv;
    private final Map<String, String> env;
    private final Path cwd;
    private final boolean silent;
    private final Path aotCache;
    private final long maxMessageBytes;

    private ForkOptions(String mainClass, Path jar, List<String> args, Path java, String classPath,
                        List<String> execArgv, Map<String, String> env, Path cwd, boolean silent, Path aotCache,
                        long maxMessageBytes) {
        this.mainClass = mainClass;
        this.jar = jar;
        this.args = args;
        this.java = java;
        this.classPath = classPath;
        this.execArgv = execArgv;
        this.env = env;
        this.cwd = cwd;
        this.silent = silent;
        this.aotCache = aotCache;
        this.maxMessageBytes = maxMessageBytes;
    }

    /** Runs {@code mainClass} on this JVM's class path. */
    public static ForkOptions of(String mainClass, String... args) {
        Objects.requireNonNull(mainClass, "mainClass");
        return new ForkOptions(mainClass, null, List.of(args), null, null, List.of(), Map.of(), null, false, null,
                Channel.DEFAULT_MAX_MESSAGE_BYTES);
    }

    /** Runs an executable jar ({@code java -jar}). */
    public static ForkOptions ofJar(Path jar, String... args) {
        Objects.requireNonNull(jar, "jar");
        return new ForkOptions(null, jar, List.of(args), null, null, List.of(), Map.of(), null, false, null,
                Channel.DEFAULT_MAX_MESSAGE_BYTES);
    }

    private ForkOptions with(List<String> args, Path java, String classPath, List<String> execArgv,
                             Map<String, String> env, Path cwd, boolean silent, Path aotCache) {
        return new ForkOptions(mainClass, jar, args, java, classPath, execArgv, env, cwd, silent, aotCache,
                maxMessageBytes);
    }

    /** Appends program arguments. */
    public ForkOptions args(String... more) {
        List<String> all = new ArrayList<>(args);
        all.addAll(Arrays.asList(more));
        return with(List.copyOf(all), java, classPath, execArgv, env, cwd, silent, aotCache);
    }

    /** The {@code java} launcher (default: the running JVM's, {@code $java.home/bin/java}). */
    public ForkOptions java(Path java) {
        return with(args, Objects.requireNonNull(java), classPath, execArgv, env, cwd, silent, aotCache);
    }

    /**
     * The class path (default: this JVM's {@code java.class.path}). Ignored for {@link #ofJar}. Relative
     * entries, like a relative jar, are resolved against this JVM's working directory, whatever
     * {@link #cwd(Path)} the child gets.
     */
    public ForkOptions classPath(String classPath) {
        return with(args, java, Objects.requireNonNull(classPath), execArgv, env, cwd, silent, aotCache);
    }

    /** Extra JVM options, after forkd's own (e.g. {@code -Xmx256m}). Node's {@code execArgv}. */
    public ForkOptions execArgv(String... options) {
        List<String> all = new ArrayList<>(execArgv);
        all.addAll(Arrays.asList(options));
        return with(args, java, classPath, List.copyOf(all), env, cwd, silent, aotCache);
    }

    /** Sets a variable in the child's environment (which starts as this process's). */
    public ForkOptions env(String key, String value) {
        Map<String, String> m = new LinkedHashMap<>(env);
        m.put(Objects.requireNonNull(key), Objects.requireNonNull(value));
        return with(args, java, classPath, execArgv, Collections.unmodifiableMap(m), cwd, silent, aotCache);
    }

    /** Sets variables in the child's environment. */
    public ForkOptions env(Map<String, String> vars) {
        ForkOptions o = this;
        for (var e : vars.entrySet()) o = o.env(e.getKey(), e.getValue());
        return o;
    }

    /**
     * Removes a variable from what the child inherits (undone by a later {@link #env(String, String)} of the
     * same key), as {@link Command#envRemove} does.
     */
    public ForkOptions envRemove(String key) {
        Map<String, String> m = new LinkedHashMap<>(env);
        m.put(Objects.requireNonNull(key), null); // null: removed from what the child inherits
        return with(args, java, classPath, execArgv, Collections.unmodifiableMap(m), cwd, silent, aotCache);
    }

    public ForkOptions cwd(Path dir) {
        return with(args, java, classPath, execArgv, env, Objects.requireNonNull(dir), silent, aotCache);
    }

    /**
     * {@code true}: the child's stdin, stdout and stderr are pipes to the parent; {@code false} (default):
     * it shares the parent's.
     */
    public ForkOptions silent(boolean silent) {
        return with(args, java, classPath, execArgv, env, cwd, silent, aotCache);
    }

    /**
     * Starts the child with a JDK AOT cache at {@code file} (JEP 483/514), which roughly halves a forked JVM's
     * time to its first message. If the file does not exist yet, this child is a training run that writes it
     * when it exits ({@code -XX:AOTCacheOutput}); later children use it ({@code -XX:AOTCache}). Only one child
     * of this JVM trains a given file at a time: children forked meanwhile (the other workers of a cluster)
     * start without the cache until the trainer has exited and the file is complete. The class path must
     * consist of jar files only, and the cache belongs to one JDK build and class path.
     *
     * <p>The training child's JVM prints a few lines about the cache on its stdout when it exits ({@code
     * Temporary AOTConfiguration recorded...}, {@code AOTCache creation is complete...}) and one on stderr
     * ({@code Picked up JAVA_TOOL_OPTIONS...}). That is JDK 25's behaviour and no {@code -Xlog} option turns it
     * off; a parent that reads a child's stdout as data should train with a separate run. (Its warnings about
     * classes it cannot archive are turned off with {@code -Xlog:aot=error}; an {@code -Xlog} in
     * {@link #execArgv} comes later and wins.)
     */
    public ForkOptions aotCache(Path file) {
        return with(args, java, classPath, execArgv, env, cwd, silent, Objects.requireNonNull(file));
    }

    /**
     * The longest message the channel to this child sends or accepts, in bytes of JSON (default
     * {@link Channel#DEFAULT_MAX_MESSAGE_BYTES}, 1 GiB); see {@link Channel#maxMessageBytes()}. The child's
     * {@link Channel#parent()} gets the same limit (through {@code FORKD_IPC_MAX_MESSAGE_BYTES}, passed when it
     * is not the default), so both ends agree: a send of more fails with
     * {@link dev.forkd.ipc.MessageTooLargeException} on either side instead of vanishing at the receiver.
     *
     * @throws IllegalArgumentException unless 1 ≤ {@code maxMessageBytes} ≤ {@link Channel#MAX_MESSAGE_BYTES_LIMIT}
     */
    public ForkOptions maxMessageBytes(long maxMessageBytes) {
        long checked = new Stdio.Ipc(maxMessageBytes).maxMessageBytes(); // one place validates it
        return new ForkOptions(mainClass, jar, args, java, classPath, execArgv, env, cwd, silent, aotCache, checked);
    }

    public long maxMessageBytes() {
        return maxMessageBytes;
    }

    public Optional<String> mainClass() {
        return Optional.ofNullable(mainClass);
    }

    public Optional<Path> jar() {
        return Optional.ofNullable(jar);
    }

    public List<String> args() {
        return args;
    }

    public List<String> execArgv() {
        return execArgv;
    }

    public boolean silent() {
        return silent;
    }

    public Optional<Path> aotCache() {
        return Optional.ofNullable(aotCache);
    }

    /** The command this fork runs, stdio and channel included. */
    public Command toCommand() {
        return toCommand(AotCachePolicy.of(aotCache));
    }

    static {
        // Internal forking (Forker) builds its commands with toCommand(Use); no lambda: its bootstrap would
        // cost every program's first fork a few milliseconds.
        ForkCommands.register(new ForkCommands.Builder() {
            @Override
            public Command command(ForkOptions options, AotCachePolicy.Use use) {
                return options.toCommand(use);
            }
        });
    }

    /** The command of a child that does {@code aot} with the AOT cache file ({@link AotCachePolicy} decides). */
    Command toCommand(AotCachePolicy.Use aot) {
        Path launcher = java != null ? java : Path.of(System.getProperty("java.home"), "bin", "java");
        List<String> argv = new ArrayList<>();
        argv.add(NATIVE_ACCESS);
        argv.add(ADD_OPENS);
        argv.addAll(aot.jvmOptions(aotCache));
        argv.addAll(execArgv);
        // Relative paths are this JVM's: absolute, they also hold for a child with a cwd of its own.
        if (jar != null) {
            argv.add("-jar");
            argv.add(jar.toAbsolutePath().toString());
        } else {
            argv.add("-cp");
            argv.add(classPath != null ? absolute(classPath) : InheritedClassPath.VALUE);
            argv.add(mainClass);
        }
        argv.addAll(args);
        Stdio std = silent ? Stdio.pipe() : Stdio.inherit();
        Command c = Command.of(launcher.toString(), argv.toArray(String[]::new))
                .stdio(std, std, std, Stdio.ipc(maxMessageBytes));
        for (var e : env.entrySet()) c = e.getValue() == null ? c.envRemove(e.getKey()) : c.env(e.getKey(), e.getValue());
        return cwd != null ? c.cwd(cwd) : c;
    }

    /** This JVM's class path with every entry absolute, computed once. */
    private static final class InheritedClassPath {
        static final String VALUE = absolute(System.getProperty("java.class.path"));
    }

    /** A class path whose entries (an empty one is the working directory) are absolute. */
    static String absolute(String classPath) {
        StringJoiner out = new StringJoiner(File.pathSeparator);
        for (String entry : classPath.split(Pattern.quote(File.pathSeparator), -1)) {
            out.add(Path.of(entry.isEmpty() ? "." : entry).toAbsolutePath().normalize().toString()); // "lib/*" stays a wildcard
        }
        return out.toString();
    }

    @Override
    public String toString() {
        return "ForkOptions[" + (jar != null ? "-jar " + jar : mainClass) + " " + args + "]";
    }
}
