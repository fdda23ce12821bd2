package dev.forkd;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** One child's stdout into the next one's stdin, with no copying in the parent (issue 11, item 8). */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class PipelineTest {

    @Test
    void threeChildrenRunAsAShellPipeline() throws Exception {
        List<ChildProcess> p = ChildProcesses.pipeline(
                Command.of("printf", "b\\na\\nc\\n").stdin(Stdio.ignore()),
                Command.of("sort"),
                Command.of("head", "-n", "2"));
        assertThat(p).hasSize(3);
        assertThat(new String(p.getLast().stdout().readAllBytes(), StandardCharsets.UTF_8)).isEqualTo("a\nb\n");
        for (ChildProcess c : p) assertThat(c.waitFor().success()).as(c.toString()).isTrue();
    }

    @Test
    void theParentHoldsNoEndOfAConnectingPipe() throws Exception {
        ChildProcesses.spawn("true").waitFor();
        int before = Procs.settledFdCount();
        // If the parent kept the write end of the pipe into wc, wc would never see end-of-file and never exit.
        List<ChildProcess> p = ChildProcesses.pipeline(
                Command.of("seq", "1", "100000").stdin(Stdio.ignore()).stderr(Stdio.ignore()),
                Command.of("wc", "-l").stderr(Stdio.ignore()));
        assertThat(new String(p.get(1).stdout().readAllBytes(), StandardCharsets.UTF_8).trim()).isEqualTo("100000");
        assertThat(p.get(1).waitFor(java.time.Duration.ofSeconds(10)).success()).isTrue();
        assertThat(p.get(0).waitFor().success()).isTrue();
        assertThat(awaitFds(before)).isEqualTo(before);
        // The producer's stdout is not a pipe the parent can read: it goes to wc.
        assertThatThrownBy(() -> p.get(0).stdout()).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void aProducerThatOutlivesItsConsumerGetsSigpipeAsInAShell() throws Exception {
        List<ChildProcess> p = ChildProcesses.pipeline(Command.of("yes").stdin(Stdio.ignore()),
                Command.of("head", "-c", "10"));
        assertThat(p.get(1).stdout().readAllBytes()).hasSize(10);
        assertThat(p.get(0).waitFor(java.time.Duration.ofSeconds(10)))
                .isEqualTo(new ExitStatus.Signaled(Signal.SIGPIPE, false));
    }

    @Test
    void aCommandThatCannotStartStopsThoseAlreadyStarted() throws Exception {
        ChildProcesses.spawn("true").waitFor();
        int before = Procs.settledFdCount();
        Set<Long> children = Procs.children();
        assertThatThrownBy(() -> ChildProcesses.pipeline(Command.of("sleep", "30"), Command.of("no-such-program-x")))
                .isInstanceOf(SpawnException.class).hasMessageContaining("ENOENT").hasMessageContaining("no-such-program-x");
        // The sleep that had started is killed and reaped: gone, not running and not a zombie.
        assertThat(Procs.awaitOnlyChildren(children)).isEmpty();
        assertThat(awaitFds(before)).isEqualTo(before);
    }

    @Test
    void aRedirectionInTheMiddleIsRejectedBeforeAnythingStarts() {
        assertThatThrownBy(() -> ChildProcesses.pipeline(Command.of("ls").stdout(Stdio.inherit()), Command.of("wc")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("command 0").hasMessageContaining("stdout");
        assertThatThrownBy(() -> ChildProcesses.pipeline(Command.of("ls"), Command.of("wc").stdin(Stdio.ignore())))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("command 1").hasMessageContaining("stdin");
    }

    private static int awaitFds(int expected) throws Exception {
        int n = Procs.openFdCount();
        for (int i = 0; i < 100 && n != expected; i++) {
            Thread.sleep(20);
            n = Procs.openFdCount();
        }
        return n;
    }
}
