package dev.forkd.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import dev.forkd.ChildProcess;
import dev.forkd.ChildProcesses;
import dev.forkd.Command;
import dev.forkd.ExecOptions;
import dev.forkd.ExitStatus;
import dev.forkd.ForkOptions;
import dev.forkd.Signal;
import dev.forkd.fixture.ClusterPrimary;
import dev.forkd.fixture.PrimaryWithoutFlag;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Workers never outlive their primary; SIGTERM drains them. The primary runs in a JVM of its own. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class PrimaryDeathTest {

    private record Started(ChildProcess primary, List<Long> workers, int port, BufferedReader out) {}

    private static Started startPrimary() throws Exception {
        ChildProcess primary = ChildProcesses.fork(ForkOptions.of(ClusterPrimary.class.getName()).silent(true));
        BufferedReader out = new BufferedReader(new InputStreamReader(primary.stdout()));
        List<Long> workers = new ArrayList<>();
        String line;
        while ((line = out.readLine()) != null) {
            if (line.startsWith("worker ")) workers.add(Long.parseLong(line.substring(7)));
            if (line.startsWith("ready ")) return new Started(primary, workers, Integer.parseInt(line.substring(6)), out);
        }
        throw new AssertionError("primary ended before its workers listened: " + primary.waitFor());
    }

    private static boolean alive(long pid) {
        return ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)
                && !dev.forkd.ProcsAccess.zombie(pid);
    }

    @Test
    void sigkillOfThePrimaryLeavesNoWorkerBehind() throws Exception {
        Started s = startPrimary();
        assertThat(s.workers()).hasSize(2).allMatch(PrimaryDeathTest::alive);
        assertThat(ClusterTest.request(s.port(), "/")).isNotEmpty();
        s.primary().kill(Signal.SIGKILL);
        assertThat(s.primary().waitFor()).isEqualTo(new ExitStatus.Signaled(Signal.SIGKILL, false));
        for (long pid : s.workers()) {
            assertThat(dev.forkd.ProcsAccess.awaitGone(pid)).as("worker " + pid + " gone").isTrue();
        }
    }

    @Test
    void sigtermToThePrimaryStopsTheWorkersAndThePrimary() throws Exception {
        Started s = startPrimary();
        s.primary().kill(Signal.SIGTERM);
        ExitStatus st = s.primary().waitFor(java.time.Duration.ofSeconds(20));
        assertThat(st).isEqualTo(new ExitStatus.Exited(143)); // the JVM's exit after its shutdown hooks
        for (long pid : s.workers()) {
            assertThat(dev.forkd.ProcsAccess.awaitGone(pid)).as("worker " + pid + " gone").isTrue();
        }
        // Every worker's exit event reached the (slow) listener before the primary's JVM exited.
        List<String> rest = s.out().lines().toList();
        assertThat(rest).containsAll(s.workers().stream().map(pid -> "exited " + pid).toList());
    }

    @Test
    void aPrimaryWithoutTheAddOpensFlagIsRefusedAtSetUpWithTheFix() throws Exception {
        String java = ProcessHandle.current().info().command().orElseThrow();
        var out = ChildProcesses.execFile(Command.of(java, "--enable-native-access=ALL-UNNAMED",
                "-cp", System.getProperty("java.class.path"), PrimaryWithoutFlag.class.getName()), ExecOptions.defaults())
                .get(60, TimeUnit.SECONDS);
        assertThat(out.stdoutText()).startsWith("refused: ")
                .contains("--add-opens java.base/sun.nio.ch=ALL-UNNAMED");
    }
}
