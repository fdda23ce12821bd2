package dev.forkd.internal.spawn;

import dev.forkd.Command;
import dev.forkd.internal.ipc.ParentChannel;
import dev.forkd.ipc.Channel;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A fully normalised, validated spawn: what {@link Spawner} turns into posix_spawn arguments.
 *
 * @param program  the program as given (a bare name is looked up in {@code PATH} by the spawner)
 * @param path     the child's PATH for that lookup
 * @param argv     argv, including argv[0]
 * @param env      "KEY=value" strings
 * @param cwd      the working directory, or null for the parent's
 * @param slots    child fd i gets slots.get(i); the table is dense, nothing else is inherited
 * @param setsid    start a new session (detached); the child then also leads its own process group
 * @param killGroup signals address the child's process group (kill-tree); without setsid the child gets a
 *                  new process group
 * @param display  the command line for messages
 */
public record SpawnRequest(String program, String path, List<String> argv, List<String> env, Path cwd,
                           List<Slot> slots, boolean setsid, boolean killGroup, String display) {

    static final String SHELL = "/bin/sh";
    static final String DEFAULT_PATH = "/usr/bin:/bin";

    /** Normalises a command: shell wrapping, argv0, environment, stdio, NUL checks. */
    public static SpawnRequest of(Command command, StdioPlan.Mode mode, boolean hasInput, boolean ownGroup) {
        String program = command.program();
        List<String> args = command.args();
        String display = command.toString();
        if (command.shell()) {
            program = SHELL;
            args = List.of("-c", display);
        }
        checkNul("program", program);
        if (program.isEmpty()) throw new IllegalArgumentException("empty program name");
        List<String> argv = new ArrayList<>(args.size() + 1);
        argv.add(command.argv0().orElse(command.shell() ? SHELL : program));
        argv.addAll(args);
        for (String a : argv) checkNul("argument", a);
        Map<String, String> envMap = command.environment();
        List<Slot> slots = StdioPlan.plan(command.stdio(), mode, hasInput);
        List<String> env = null;
        for (int i = 0; i < slots.size(); i++) {
            if (slots.get(i) instanceof Slot.Ipc(long maxMessageBytes)) {
                // What Node's child runtime (and Channel.parent()) looks for, and a limit that is not the default
                // (the same on both ends, since a receiver that skips a message cannot tell the sender).
                String limit = maxMessageBytes == Channel.DEFAULT_MAX_MESSAGE_BYTES ? null
                        : ParentChannel.LIMIT_VARIABLE + "=" + maxMessageBytes;
                if (ParentEnvironment.isMap(envMap)) {
                    // Every fork: the parent's encoded environment plus two (it never holds them).
                    List<String> withChannel = new ArrayList<>(ParentEnvironment.strings().size() + 3);
                    withChannel.addAll(ParentEnvironment.strings());
                    withChannel.add(ParentChannel.FD_VARIABLE + "=" + i);
                    withChannel.add(ParentChannel.MODE_VARIABLE + "=json");
                    if (limit != null) withChannel.add(limit);
                    env = List.copyOf(withChannel);
                } else {
                    envMap = new LinkedHashMap<>(envMap);
                    envMap.put(ParentChannel.FD_VARIABLE, Integer.toString(i));
                    envMap.put(ParentChannel.MODE_VARIABLE, "json");
                    if (limit != null) {
                        envMap.put(ParentChannel.LIMIT_VARIABLE, Long.toString(maxMessageBytes));
                    } else {
                        envMap.remove(ParentChannel.LIMIT_VARIABLE); // the child's end must not differ from ours
                    }
                }
            }
        }
        if (env == null) env = encode(envMap);
        Path cwd = command.cwd().orElse(null);
        if (cwd != null) checkNul("cwd", cwd.toString());
        String path = envMap.getOrDefault("PATH", DEFAULT_PATH);
        for (Slot s : slots) {
            if (s instanceof Slot.OpenFile(String p, int ignored)) checkNul("stdio file", p);
        }
        return new SpawnRequest(program, path, List.copyOf(argv), env, cwd, slots, command.detached(),
                ownGroup || command.killTree(), display);
    }

    /** "KEY=value" strings, NUL-checked; the unchanged parent environment's are made once per JVM. */
    private static List<String> encode(Map<String, String> envMap) {
        return ParentEnvironment.isMap(envMap) ? ParentEnvironment.strings() : build(envMap);
    }

    static List<String> build(Map<String, String> envMap) {
        List<String> env = new ArrayList<>(envMap.size());
        for (var e : envMap.entrySet()) {
            checkNul("environment variable name", e.getKey());
            checkNul("environment variable " + e.getKey(), e.getValue());
            if (e.getKey().isEmpty() || e.getKey().indexOf('=') >= 0) {
                throw new IllegalArgumentException("invalid environment variable name: '" + e.getKey() + "'");
            }
            env.add(e.getKey() + "=" + e.getValue());
        }
        return List.copyOf(env);
    }

    private static void checkNul(String what, String value) {
        if (value.indexOf('\0') >= 0) {
            throw new IllegalArgumentException(what + " contains a NUL byte: " + value.replace("\0", "\\0"));
        }
    }
}
