package dev.forkd.cli.daemon;

import dev.forkd.ChildProcesses;
import dev.forkd.Command;
import dev.forkd.ExecOptions;
import dev.forkd.cli.supervisor.ProcStats;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

/**
 * The instances a dead supervisor left behind: its pid file names them (pid and start time, so that a pid
 * the kernel gave to another process since is left alone). Each led a process group of its own: the whole
 * group gets SIGKILL, as the supervisor's kill timeout would have done.
 */
final class Orphans {
    private static final System.Logger LOG = System.getLogger("dev.forkd.cli");

    private Orphans() {}

    static void kill(Path pidFile) {
        if (!Files.exists(pidFile)) return;
        try {
            for (String line : Files.readAllLines(pidFile)) {
                String[] f = line.trim().split(" ");
                if (f.length != 2) continue;
                long pid = Long.parseLong(f[0]);
                if (ProcStats.startTime(pid) != Long.parseLong(f[1])) continue; // gone, or another process now
                LOG.log(System.Logger.Level.WARNING, "killing process group " + pid + ", left by a dead supervisor");
                ChildProcesses.spawnSync(Command.of("kill", "-KILL", "--", "-" + pid),
                        ExecOptions.defaults().timeout(Duration.ofSeconds(5)));
            }
            Files.deleteIfExists(pidFile);
        } catch (IOException | InterruptedException | RuntimeException e) {
            LOG.log(System.Logger.Level.ERROR, "cannot clean up after a dead supervisor (" + pidFile + "): " + e);
        }
    }
}
