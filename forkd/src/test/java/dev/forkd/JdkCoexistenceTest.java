package dev.forkd;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** forkd reaps only its own children: the JDK's ProcessBuilder keeps its exit codes. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class JdkCoexistenceTest {

    @Test
    void processBuilderChildrenKeepTheirExitCodesWhileForkdRuns() throws Exception {
        List<Process> jdk = new ArrayList<>();
        List<ChildProcess> ours = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            jdk.add(new ProcessBuilder("sh", "-c", "sleep 0.$((RANDOM % 3)); exit " + i).start());
            ours.add(ChildProcesses.spawn("sh", "-c", "exit " + (100 + i)));
        }
        for (int i = 0; i < 20; i++) {
            assertThat(ours.get(i).waitFor()).isEqualTo(new ExitStatus.Exited(100 + i));
            assertThat(jdk.get(i).waitFor()).as("JDK child " + i).isEqualTo(i);
        }
        Process killed = new ProcessBuilder("sleep", "30").start();
        killed.destroy();
        assertThat(killed.waitFor()).isEqualTo(143); // the JDK's own encoding; forkd would say SIGTERM
    }

    @Test
    void jdkProcessHandleSeesForkdChildrenExitWithoutStealingTheStatus() throws Exception {
        ChildProcess p = ChildProcesses.spawn("sh", "-c", "sleep 0.2; exit 42");
        ProcessHandle handle = ProcessHandle.of(p.pid()).orElseThrow();
        handle.onExit().get(10, TimeUnit.SECONDS);
        assertThat(p.waitFor()).isEqualTo(new ExitStatus.Exited(42));
    }
}
