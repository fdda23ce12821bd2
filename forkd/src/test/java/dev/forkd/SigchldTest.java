package dev.forkd;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.forkd.fixture.SpawnTrue;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * An ignored SIGCHLD survives exec, and with it the kernel reaps children by itself: waitid would find
 * nothing. forkd resets it to SIG_DFL before its first spawn. (So does the JDK, as a side effect of its first
 * System.getenv(), which forkd's spawn path also makes: this test guards the behaviour, whichever of the two
 * resets first; removing forkd's own reset alone does not make it fail.)
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class SigchldTest {
    @Test
    void aJvmStartedWithSigchldIgnoredStillSeesItsChildrensExitStatus() throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        assumeTrue(ChildProcesses.spawnSync(Command.of("sh", "-c", "command -v perl")).status().success(),
                "perl is not installed: skipped");
        // perl makes SIGCHLD SIG_IGN, then execs the JVM, which inherits the ignored disposition (dash's trap
        // keeps its own SIGCHLD handler, so the shell cannot do it).
        Output sigIgn = ChildProcesses.execFileSync(Command.of("perl", "-e",
                "$SIG{CHLD} = 'IGNORE'; exec 'grep', 'SigIgn', '/proc/self/status'"), ExecOptions.defaults());
        long mask = Long.parseLong(sigIgn.stdoutText().trim().replaceAll(".*\\s", ""), 16);
        assertThat(mask & 0x10000L).as("SIGCHLD (bit 17) ignored across exec").isNotZero();
        Output out = ChildProcesses.execFileSync(Command.of("perl", "-e",
                        "$SIG{CHLD} = 'IGNORE'; exec @ARGV or die", java, "--enable-native-access=ALL-UNNAMED", "-cp", System.getProperty("java.class.path"),
                        SpawnTrue.class.getName()),
                ExecOptions.defaults());
        assertThat(out.stdoutText()).isEqualTo("exit status: 7\n");
    }
}
