package dev.forkd.cli.daemon;

import dev.forkd.cli.Home;
import java.io.File;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** How forkd starts its own processes (the daemon, the supervisors): this JVM's java and class path. */
public final class Launch {
    private Launch() {}

    /** {@code java <flags> -cp <class path> dev.forkd.cli.Main}; append the subcommand. */
    public static List<String> javaCommand() {
        List<String> argv = new ArrayList<>();
        argv.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        // forkd's own processes are small and long-lived: a small heap, C1 only, the serial GC.
        argv.addAll(List.of("-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-Xms8m", "-Xmx96m", "-Xss512k",
                "-XX:CICompilerCount=1", "-Xshare:auto",
                "--enable-native-access=ALL-UNNAMED", "--add-opens", "java.base/sun.nio.ch=ALL-UNNAMED"));
        argv.add("-cp");
        StringBuilder cp = new StringBuilder();
        for (String e : System.getProperty("java.class.path").split(File.pathSeparator)) {
            if (!cp.isEmpty()) cp.append(File.pathSeparator);
            cp.append(Path.of(e).toAbsolutePath());
        }
        argv.add(cp.toString());
        argv.add("dev.forkd.cli.Main");
        return argv;
    }

    /** What forkd's own processes need of the environment: where the forkd home is. */
    public static Map<String, String> childEnvironment(Home home) {
        String forced = System.getenv("FORKD_HOME");
        return forced != null ? Map.of("FORKD_HOME", forced) : Map.of();
    }
}
