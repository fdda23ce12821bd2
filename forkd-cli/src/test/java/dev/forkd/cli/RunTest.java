package dev.forkd.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.forkd.ChildProcess;
import dev.forkd.ChildProcesses;
import dev.forkd.Command;
import dev.forkd.ExitStatus;
import dev.forkd.Output;
import dev.forkd.Signal;
import dev.forkd.Stdio;
import dev.forkd.cli.daemon.Launch;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** {@code forkd run}: supervision in the foreground, as a container's entry point uses it. */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class RunTest {
    @TempDir
    Path tmp;

    private ChildProcess run(String... args) throws Exception {
        List<String> argv = new ArrayList<>(Launch.javaCommand());
        argv.add("run");
        argv.addAll(List.of(args));
        return ChildProcesses.spawn(Command.of(argv.getFirst(), argv.subList(1, argv.size()).toArray(String[]::new))
                .env("FORKD_HOME", tmp.toString()).stdin(Stdio.ignore()));
    }

    private static String readLine(ChildProcess p) throws Exception {
        return new BufferedReader(new InputStreamReader(p.stdout())).readLine();
    }

    @Test
    void itExitsWithTheAppsStatusAndTheAppWritesToItsStdout() throws Exception {
        ChildProcess p = run("--restart", "never", "--", "sh", "-c", "echo hello; echo oops >&2; exit 3");
        Output o = new Output(p.waitFor(Duration.ofSeconds(60)), p.stdout().readAllBytes(), p.stderr().readAllBytes());
        assertThat(o.status()).isEqualTo(new ExitStatus.Exited(3));
        assertThat(o.stdoutText()).isEqualTo("hello\n");
        assertThat(o.stderrText()).isEqualTo("oops\n");
    }

    @Test
    void onFailureItRestartsTheAppUntilItSucceeds() throws Exception {
        Path marker = tmp.resolve("ran-once");
        // Fails the first time, succeeds the second: run's default restart mode is on-failure.
        ChildProcess p = run("--", "sh", "-c", "if [ -e " + marker + " ]; then echo second; exit 0; fi; touch "
                + marker + "; echo first; exit 1");
        assertThat(p.waitFor(Duration.ofSeconds(60))).isEqualTo(new ExitStatus.Exited(0));
        assertThat(new String(p.stdout().readAllBytes())).isEqualTo("first\nsecond\n");
    }

    @Test
    void sigtermStopsTheAppAndForkdExitsWithItsStatus() throws Exception {
        ChildProcess p = run("--", "sh", "-c", "trap 'echo bye; exit 7' TERM; echo up; while :; do sleep 0.1; done");
        assertThat(readLine(p)).isEqualTo("up");
        p.kill(Signal.SIGTERM);
        assertThat(p.waitFor(Duration.ofSeconds(30))).isEqualTo(new ExitStatus.Exited(7));
    }

    @Test
    void anAppThatIgnoresSigtermIsKilledAfterTheKillTimeout() throws Exception {
        ChildProcess p = run("--kill-timeout", "300ms", "--", "sh", "-c", "trap '' TERM; echo up; while :; do sleep 0.1; done");
        assertThat(readLine(p)).isEqualTo("up");
        p.kill(Signal.SIGTERM);
        assertThat(p.waitFor(Duration.ofSeconds(30))).isEqualTo(new ExitStatus.Exited(128 + 9));
    }

    @Test
    void aMissingProgramIsAClearErrorAndStatus127() throws Exception {
        ChildProcess p = run("--", "/no/such/program");
        assertThat(p.waitFor(Duration.ofSeconds(60))).isEqualTo(new ExitStatus.Exited(127));
        assertThat(new String(p.stderr().readAllBytes())).contains("ENOENT (No such file or directory): /no/such/program");
    }

    @Test
    void orphansTheAppLeavesBehindAreReaped() throws Exception {
        // The app starts a background job and exits; the job becomes forkd's (a subreaper), and when it
        // exits it must not stay a zombie.
        ChildProcess p = run("--restart", "never", "--", "sh", "-c", "sleep 0.3 & echo started; sleep 1.5");
        assertThat(readLine(p)).isEqualTo("started");
        Thread.sleep(900); // the orphan (sleep 0.3) has exited meanwhile; forkd run is still running
        long zombies = ProcessHandle.of(p.pid()).orElseThrow().children()
                .filter(h -> stateOf(h.pid()) == 'Z').count();
        assertThat(zombies).isZero();
        assertThat(p.waitFor(Duration.ofSeconds(30))).isEqualTo(new ExitStatus.Exited(0));
    }

    private static char stateOf(long pid) {
        try {
            String stat = java.nio.file.Files.readString(Path.of("/proc/" + pid + "/stat"));
            return stat.charAt(stat.lastIndexOf(')') + 2);
        } catch (java.io.IOException e) {
            return '?';
        }
    }
}
