package dev.forkd.cli.app;

import dev.forkd.cli.wire.Wire;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import tools.jackson.core.type.TypeReference;
import tools.jackson.databind.JsonNode;

/**
 * The {@link AppSpec} of {@code forkd start}'s (or {@code forkd run}'s) options, as the client sends them:
 * {@code command}, and optionally {@code name}, {@code instances} ("max" or a number), {@code restart},
 * {@code maxRestarts}, {@code window}, {@code killTimeout}, {@code maxMemory}, {@code env} (KEY=VALUE list),
 * {@code cwd}, {@code logMaxSize}, {@code logFiles}, {@code timestamps}, {@code port}, {@code host}, {@code waitReady},
 * {@code readyTimeout}.
 */
public final class SpecBuilder {
    private SpecBuilder() {}

    /**
     * @param options the options
     * @param cwd     the directory relative paths are resolved against (the client's)
     * @param env     the client's environment, to which {@code env} is added
     * @throws IllegalArgumentException with a message for the user
     */
    public static AppSpec build(JsonNode options, Path cwd, Map<String, String> env) {
        return build(options, cwd, env, RestartMode.ALWAYS);
    }

    public static AppSpec build(JsonNode a, Path base, Map<String, String> env, RestartMode defaultRestart) {
        List<String> command = Wire.MAPPER.convertValue(a.path("command"), new TypeReference<List<String>>() {});
        if (command == null || command.isEmpty()) throw new IllegalArgumentException("no command to start (-- program args...)");
        String name = a.hasNonNull("name") ? a.get("name").asString() : Path.of(command.getFirst()).getFileName().toString();
        Path cwd = base;
        if (a.hasNonNull("cwd")) cwd = cwd.resolve(a.get("cwd").asString());
        cwd = cwd.toAbsolutePath().normalize();
        if (!Files.isDirectory(cwd)) throw new IllegalArgumentException("--cwd " + cwd + ": no such directory");
        Map<String, String> all = new HashMap<>(env);
        for (JsonNode kv : a.path("env")) {
            String s = kv.asString();
            int eq = s.indexOf('=');
            if (eq <= 0) throw new IllegalArgumentException("--env " + s + ": expected KEY=VALUE");
            all.put(s.substring(0, eq), s.substring(eq + 1));
        }
        String inst = a.path("instances").asString("1");
        int instances;
        try {
            instances = inst.equals("max") ? Runtime.getRuntime().availableProcessors() : Integer.parseInt(inst);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("-i " + inst + ": expected a number or 'max'");
        }
        return new AppSpec(name, command, cwd.toString(), all, instances,
                a.hasNonNull("restart") ? RestartMode.parse(a.get("restart").asString()) : defaultRestart,
                a.path("maxRestarts").asInt(AppSpec.DEFAULT_MAX_RESTARTS),
                a.hasNonNull("window") ? Units.duration(a.get("window").asString()) : AppSpec.DEFAULT_WINDOW,
                a.hasNonNull("killTimeout") ? Units.duration(a.get("killTimeout").asString()) : AppSpec.DEFAULT_KILL_TIMEOUT,
                a.hasNonNull("maxMemory") ? Units.size(a.get("maxMemory").asString()) : 0,
                a.hasNonNull("logMaxSize") ? Units.size(a.get("logMaxSize").asString()) : AppSpec.DEFAULT_LOG_MAX_BYTES,
                a.path("logFiles").asInt(AppSpec.DEFAULT_LOG_FILES),
                a.path("timestamps").asBoolean(false),
                a.path("port").asInt(0),
                a.hasNonNull("host") ? a.get("host").asString() : null,
                a.path("waitReady").asBoolean(false),
                a.hasNonNull("readyTimeout") ? Units.duration(a.get("readyTimeout").asString()) : null,
                a.hasNonNull("restartDelay") ? Units.duration(a.get("restartDelay").asString()) : null,
                a.hasNonNull("handoff") ? Handoff.parse(a.get("handoff").asString()) : null);
    }
}
