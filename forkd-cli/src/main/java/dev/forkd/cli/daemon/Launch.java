package dev.forkd.cli.daemon;

import dev.forkd.cli.Home;
import java.io.File;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** How forkd starts its own processes (the daemon, the supervisors): this JVM's java and class path. */
public final class Launch {
    /**
     * The heap of each kind of forkd process. The daemon keeps a registry and answers short requests: a small
     * heap keeps its footprint flat (the serial GC grows the heap towards its cap before it collects hard, so the
     * cap is what a long-running daemon's RSS settles at). A supervisor also queues its app's log lines when
     * the disk is slow ({@code LogPump}), so it gets more room.
     */
    public enum Role {
        DAEMON("-Xmx24m", "-Xmn4m"), SUPERVISOR("-Xmx96m"), CLIENT("-Xmx96m");

        private final List<String> heap;

        Role(String... heap) {
            this.heap = List.of(heap); // a young generation set here must stay below -Xms (8m)
        }
    }

    private Launch() {}

    /** {@code java <flags> -cp <class path> dev.forkd.cli.Main} for a client; append the subcommand. */
    public static List<String> javaCommand() {
        return javaCommand(Role.CLIENT);
    }

    /** {@code java <flags for role> -cp <class path> dev.forkd.cli.Main}; append the subcommand. */
    public static List<String> javaCommand(Role role) {
        return javaCommand(role, System.getProperty("java.class.path"));
    }

    /** As {@link #javaCommand(Role)}, from another class path (a newer forkd's, at {@code forkd update}). */
    public static List<String> javaCommand(Role role, String classPath) {
        List<String> argv = new ArrayList<>();
        argv.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        // forkd's own processes are small and long-lived: a small heap, C1 only, the serial GC, and a heap that
        // is given back to the OS when it is not used.
        argv.addAll(List.of("-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-Xms8m"));
        argv.addAll(role.heap);
        argv.addAll(List.of("-Xss512k", "-XX:CICompilerCount=1", "-XX:MinHeapFreeRatio=10", "-XX:MaxHeapFreeRatio=30", "-Xshare:auto",
                "--enable-native-access=ALL-UNNAMED", "--add-opens", "java.base/sun.nio.ch=ALL-UNNAMED"));
        argv.add("-cp");
        StringBuilder cp = new StringBuilder();
        for (String e : classPath.split(File.pathSeparator)) {
            if (!cp.isEmpty()) cp.append(File.pathSeparator);
            cp.append(Path.of(e).toAbsolutePath());
        }
        argv.add(cp.toString());
        argv.add("dev.forkd.cli.Main");
        return argv;
    }

    /**
     * What forkd's own processes need of the environment: where the forkd home is, and few malloc arenas (glibc
     * gives each thread that mallocs an arena of its own, up to 8 per core, and each keeps what it once held:
     * tens of MB of a long-running JVM's RSS that nothing uses).
     */
    public static Map<String, String> childEnvironment(Home home) {
        String forced = System.getenv("FORKD_HOME");
        return forced != null ? Map.of("FORKD_HOME", forced, "MALLOC_ARENA_MAX", "2") : Map.of("MALLOC_ARENA_MAX", "2");
    }
}
