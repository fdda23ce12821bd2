package dev.forkd;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ExecTest {

    @Test
    void execRunsAShellPipeline() throws Exception {
        Output out = ChildProcesses.exec("echo hi | tr a-z A-Z").get(10, TimeUnit.SECONDS);
        assertThat(out.stdoutText()).isEqualTo("HI\n");
        assertThat(out.stderrText()).isEmpty();
        assertThat(out.status().success()).isTrue();
    }

    @Test
    void execFileUsesNoShell() throws Exception {
        Output out = ChildProcesses.execFile("echo", "$HOME", "*", "a|b").get(10, TimeUnit.SECONDS);
        assertThat(out.stdoutText()).isEqualTo("$HOME * a|b\n");
    }

    @Test
    void nonZeroExitFailsTheFutureWithOutputAttached() {
        CompletableFuture<Output> f = ChildProcesses.exec("echo partial; echo oops >&2; exit 4");
        assertThatThrownBy(() -> f.get(10, TimeUnit.SECONDS))
                .isInstanceOf(ExecutionException.class)
                .cause().isInstanceOf(ExitException.class)
                .hasMessage("Command failed (exit status: 4): echo partial; echo oops >&2; exit 4\noops\n")
                .satisfies(e -> {
                    ExitException x = (ExitException) e;
                    assertThat(x.status()).isEqualTo(new ExitStatus.Exited(4));
                    assertThat(x.output().stdoutText()).isEqualTo("partial\n");
                    assertThat(x.output().stderrText()).isEqualTo("oops\n");
                    assertThat(x.killed()).isFalse();
                    assertThat(x.timedOut()).isFalse();
                    assertThat(x.maxBufferExceeded()).isFalse();
                });
    }

    @Test
    void longStderrIsBoundedInTheMessage() {
        CompletableFuture<Output> f = ChildProcesses.exec("head -c 100000 /dev/zero | tr '\\0' x >&2; exit 1");
        assertThatThrownBy(() -> f.get(10, TimeUnit.SECONDS)).cause().satisfies(e -> {
            assertThat(e.getMessage().length()).isLessThan(5000);
            assertThat(e.getMessage()).contains("characters omitted");
            assertThat(((ExitException) e).output().stderr()).hasSize(100000);
        });
    }

    @Test
    void missingProgramFailsTheFutureWithSpawnException() {
        CompletableFuture<Output> f = ChildProcesses.execFile("no-such-program-xyz");
        assertThatThrownBy(() -> f.get(10, TimeUnit.SECONDS)).cause()
                .isInstanceOf(SpawnException.class)
                .hasMessage("posix_spawn failed: ENOENT (No such file or directory): no-such-program-xyz");
    }

    @Test
    void timeoutKillsTheChildAndItsGrandchild(@TempDir Path dir) throws Exception {
        Path pidFile = dir.resolve("grandchild.pid");
        long start = System.nanoTime();
        CompletableFuture<Output> f = ChildProcesses.exec("sleep 100 & echo $! > " + pidFile + "; wait",
                ExecOptions.defaults().timeout(Duration.ofMillis(500)));
        ExitException x = (ExitException) assertThatThrownBy(() -> f.get(20, TimeUnit.SECONDS))
                .cause().isInstanceOf(ExitException.class).actual();
        assertThat(System.nanoTime() - start).isLessThan(TimeUnit.SECONDS.toNanos(10));
        assertThat(x.timedOut()).isTrue();
        assertThat(x.killed()).isTrue();
        assertThat(x.status()).isEqualTo(new ExitStatus.Signaled(Signal.SIGTERM, false));
        assertThat(x.getMessage()).startsWith("Command failed (timed out, signal: 15 (SIGTERM)): ");
        long grandchild = Long.parseLong(Files.readString(pidFile).trim());
        assertThat(Procs.awaitGone(grandchild)).as("grandchild sleep " + grandchild + " killed").isTrue();
    }

    @Test
    void timeoutEscalatesToSigkillAfterTheGrace() throws Exception {
        CompletableFuture<Output> f = ChildProcesses.exec("trap '' TERM; sleep 100 & wait; sleep 100",
                ExecOptions.defaults().timeout(Duration.ofMillis(200)).killGrace(Duration.ofMillis(300)));
        assertThatThrownBy(() -> f.get(20, TimeUnit.SECONDS)).cause().satisfies(e -> {
            ExitException x = (ExitException) e;
            assertThat(x.timedOut()).isTrue();
            assertThat(x.status().signalCode()).contains(Signal.SIGKILL);
        });
    }

    @Test
    void killSignalIsConfigurable() {
        CompletableFuture<Output> f = ChildProcesses.exec("sleep 100",
                ExecOptions.defaults().timeout(Duration.ofMillis(100)).killSignal(Signal.SIGINT));
        assertThatThrownBy(() -> f.get(20, TimeUnit.SECONDS)).cause()
                .satisfies(e -> assertThat(((ExitException) e).status().signalCode()).contains(Signal.SIGINT));
    }

    @Test
    void maxBufferKillsTheChildAndTruncatesExactly() {
        CompletableFuture<Output> f = ChildProcesses.execFile(Command.of("sh", "-c", "echo err >&2; yes"),
                ExecOptions.defaults().maxBuffer(1000));
        assertThatThrownBy(() -> f.get(20, TimeUnit.SECONDS)).cause().satisfies(e -> {
            ExitException x = (ExitException) e;
            assertThat(x.maxBufferExceeded()).isTrue();
            assertThat(x.killed()).isTrue();
            assertThat(x.timedOut()).isFalse();
            assertThat(x.output().stdout()).hasSize(1000);
            assertThat(x.output().stdoutText()).startsWith("y\ny\n");
            assertThat(x.output().stderrText()).isEqualTo("err\n");
        });
    }

    @Test
    void defaultMaxBufferIsOneMebibyte() {
        CompletableFuture<Output> f = ChildProcesses.exec("head -c 2000000 /dev/zero");
        assertThatThrownBy(() -> f.get(20, TimeUnit.SECONDS)).cause().satisfies(e ->
                assertThat(((ExitException) e).output().stdout()).hasSize(1 << 20));
        assertThat(ExecOptions.defaults().maxBuffer()).isEqualTo(1 << 20);
    }

    @Test
    void largeOutputIsCapturedWhenAllowed() throws Exception {
        Output out = ChildProcesses.execFile(Command.of("head", "-c", "50000000", "/dev/zero"),
                ExecOptions.defaults().maxBuffer(Long.MAX_VALUE)).get(30, TimeUnit.SECONDS);
        assertThat(out.stdout()).hasSize(50_000_000);
    }

    @Test
    void capturedBytesAreExactAcrossTheHeapAndNativeParts() throws Exception {
        // seq's output is ~590 KB of distinct lines: a byte moved, lost or doubled at a chunk boundary shows
        StringBuilder expected = new StringBuilder();
        for (int i = 1; i <= 100_000; i++) expected.append(i).append('\n');
        for (long max : new long[] {Long.MAX_VALUE, 65_536, 65_537, 300_001}) {
            CompletableFuture<Output> f = ChildProcesses.execFile(Command.of("seq", "1", "100000"),
                    ExecOptions.defaults().maxBuffer(max));
            String want = expected.substring(0, (int) Math.min(max, expected.length()));
            if (max >= expected.length()) {
                assertThat(f.get(30, TimeUnit.SECONDS).stdoutText()).isEqualTo(want);
            } else {
                assertThatThrownBy(() -> f.get(30, TimeUnit.SECONDS)).cause().satisfies(e ->
                        assertThat(new String(((ExitException) e).output().stdout(), StandardCharsets.UTF_8)).isEqualTo(want));
            }
        }
        assertThat(ChildProcesses.execFile("true").get(30, TimeUnit.SECONDS).stdout()).isEmpty();
    }

    @Test
    void cancellingTheFutureKillsTheChild(@TempDir Path dir) throws Exception {
        Path pidFile = dir.resolve("pid");
        CompletableFuture<Output> f = ChildProcesses.exec("echo $$ > " + pidFile + "; exec sleep 100");
        long pid = awaitPid(pidFile);
        assertThat(Procs.alive(pid)).isTrue();
        assertThat(f.cancel(true)).isTrue();
        assertThatThrownBy(f::join).isInstanceOf(CancellationException.class);
        assertThat(Procs.awaitGone(pid)).as("cancelled child " + pid + " killed").isTrue();
    }

    private static long awaitPid(Path pidFile) throws Exception {
        for (int i = 0; i < 500; i++) {
            if (Files.exists(pidFile)) {
                String s = Files.readString(pidFile).trim();
                if (!s.isEmpty()) return Long.parseLong(s);
            }
            Thread.sleep(10);
        }
        throw new AssertionError("no pid file");
    }

    @Test
    void encodingDecodesTheTextAccessors() throws Exception {
        Output out = ChildProcesses.execFile(Command.of("printf", "caf\\351"),
                ExecOptions.defaults().encoding(StandardCharsets.ISO_8859_1)).get(10, TimeUnit.SECONDS);
        assertThat(out.stdoutText()).isEqualTo("café");
        assertThat(out.stdout()).hasSize(4);
    }

    @Test
    void inputIsWrittenToStdin() throws Exception {
        Output out = ChildProcesses.execFile(Command.of("tr", "a-z", "A-Z"),
                ExecOptions.defaults().input("hello")).get(10, TimeUnit.SECONDS);
        assertThat(out.stdoutText()).isEqualTo("HELLO");
    }

    @Test
    void stdinIsDevNullWithoutInput() throws Exception {
        Output out = ChildProcesses.execFile("cat").get(10, TimeUnit.SECONDS); // would hang on an open pipe
        assertThat(out.stdout()).isEmpty();
    }

    @Test
    void spawnSyncNeverThrowsOnExitStatus() throws Exception {
        Output out = ChildProcesses.spawnSync(Command.of("sh", "-c", "cat; echo e >&2; exit 7"),
                ExecOptions.defaults().input("in"));
        assertThat(out.status()).isEqualTo(new ExitStatus.Exited(7));
        assertThat(out.stdoutText()).isEqualTo("in");
        assertThat(out.stderrText()).isEqualTo("e\n");
    }

    @Test
    void spawnSyncHonoursTheCommandsStdio(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("o");
        Output out = ChildProcesses.spawnSync(Command.of("echo", "x").stdout(Stdio.file(file)));
        assertThat(out.stdout()).isEmpty();
        assertThat(Files.readString(file)).isEqualTo("x\n");
    }

    @Test
    void spawnSyncThrowsSpawnExceptionForAMissingProgram() {
        assertThatThrownBy(() -> ChildProcesses.spawnSync(Command.of("/no/such")))
                .isInstanceOf(SpawnException.class).hasMessageContaining("ENOENT");
    }

    @Test
    void execSyncAndExecFileSyncThrowExitException() throws Exception {
        assertThat(ChildProcesses.execSync("echo $((6*7))").stdoutText()).isEqualTo("42\n");
        assertThat(ChildProcesses.execFileSync("echo", "ok").stdoutText()).isEqualTo("ok\n");
        assertThatThrownBy(() -> ChildProcesses.execSync("exit 2")).isInstanceOf(ExitException.class)
                .satisfies(e -> assertThat(((ExitException) e).status().exitCode()).hasValue(2));
        assertThatThrownBy(() -> ChildProcesses.execFileSync("false")).isInstanceOf(ExitException.class);
        assertThatThrownBy(() -> ChildProcesses.execSync("sleep 10",
                ExecOptions.defaults().timeout(Duration.ofMillis(100))))
                .isInstanceOf(ExitException.class)
                .satisfies(e -> assertThat(((ExitException) e).timedOut()).isTrue());
    }

    @Test
    void interruptingASyncCallKillsTheChild(@TempDir Path dir) throws Exception {
        Path pidFile = dir.resolve("pid");
        Thread caller = Thread.ofVirtual().start(() -> {
            try {
                ChildProcesses.execSync("echo $$ > " + pidFile + "; exec sleep 100");
            } catch (InterruptedException expected) {
                // the point of the test
            } catch (Exception e) {
                throw new RuntimeException(e);
            }
        });
        long pid = awaitPid(pidFile);
        caller.interrupt();
        caller.join(10_000);
        assertThat(caller.isAlive()).isFalse();
        assertThat(Procs.awaitGone(pid)).isTrue();
    }

    @Test
    void execChildrenGetAProcessGroupOfTheirOwn(@TempDir Path dir) throws Exception {
        Output out = ChildProcesses.exec("cut -d' ' -f5 /proc/$$/stat; echo $$").get(10, TimeUnit.SECONDS);
        String[] lines = out.stdoutText().split("\n");
        assertThat(lines[0]).isEqualTo(lines[1]);
    }
}
