package dev.forkd;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class SmokeTest {
    @Test
    void echoRuns() throws Exception {
        ChildProcess p = ChildProcesses.spawn("echo", "hello");
        String out = new String(p.stdout().readAllBytes());
        assertThat(out).isEqualTo("hello\n");
        assertThat(p.waitFor()).isEqualTo(new ExitStatus.Exited(0));
        assertThat(p.onClose().get()).isEqualTo(new ExitStatus.Exited(0));
        Output o = ChildProcesses.exec("echo hi | tr a-z A-Z").get();
        assertThat(o.stdoutText()).isEqualTo("HI\n");
    }
}
