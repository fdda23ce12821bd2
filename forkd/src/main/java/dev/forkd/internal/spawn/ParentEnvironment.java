package dev.forkd.internal.spawn;

import dev.forkd.internal.ipc.ParentChannel;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * This process's environment as its children inherit it, in one place: the map (without this process's own
 * IPC and cluster variables, which describe its channel, not a child's), its {@code KEY=value} strings and
 * its native {@code envp}, each built once and shared (a running JVM's environment cannot change). Every spawn
 * of a command that neither clears nor changes the environment reuses them; the question "is this the
 * unchanged parent environment?" is asked here ({@link #isMap}, {@link #isStrings}), not answered by
 * reference comparisons spread over the classes that pass it on.
 */
public final class ParentEnvironment {
    private ParentEnvironment() {}

    private static final class Values {
        static final Map<String, String> MAP;

        static {
            Map<String, String> env = new LinkedHashMap<>(System.getenv());
            env.remove(ParentChannel.FD_VARIABLE);
            env.remove(ParentChannel.MODE_VARIABLE);
            env.remove(ParentChannel.LIMIT_VARIABLE);
            // internal.cluster.Protocol.WORKER_ID_VARIABLE (a floor above): a worker's children are not workers
            env.remove("NODE_UNIQUE_ID");
            MAP = Collections.unmodifiableMap(env);
        }

        static final List<String> STRINGS = SpawnRequest.build(MAP);
    }

    private static final class Envp {
        static final MemorySegment SEGMENT = Spawner.cStrings(Arena.global(), Values.STRINGS); // never freed
    }

    /** The variables (unmodifiable). */
    public static Map<String, String> map() {
        return Values.MAP;
    }

    /** True if {@code env} is {@link #map()} itself: a command that inherits the environment unchanged. */
    static boolean isMap(Map<String, String> env) {
        return env == Values.MAP;
    }

    /** The {@code KEY=value} strings of {@link #map()}. */
    static List<String> strings() {
        return Values.STRINGS;
    }

    /** True if {@code env} is {@link #strings()} itself. */
    static boolean isStrings(List<String> env) {
        return env == Values.STRINGS;
    }

    /** {@link #strings()} as a NULL-terminated native {@code char *envp[]}. */
    static MemorySegment envp() {
        return Envp.SEGMENT;
    }
}
