package dev.forkd;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@Timeout(value = 60, unit = TimeUnit.SECONDS)
class SpawnTest {

    @Test
    void exitCodeIsReported() throws Exception {
        ChildProcess p = ChildProcesses.spawn("sh", "-c", "exit 3");
        ExitStatus st = p.waitFor();
        assertThat(st).isEqualTo(new ExitStatus.Exited(3));
        assertThat(st.exitCode()).hasValue(3);
        assertThat(st.signalCode()).isEmpty();
        assertThat(st.success()).isFalse();
        assertThat(st).hasToString("exit status: 3");
        assertThat(p.exitStatus()).contains(st);
    }

    @Test
    void killedChildReportsSignalNotExitCode() throws Exception {
        ChildProcess p = ChildProcesses.spawn("sleep", "30");
        assertThat(p.exitStatus()).isEmpty();
        assertThat(p.killed()).isFalse();
        assertThat(p.kill()).isTrue();
        assertThat(p.killed()).isTrue();
        ExitStatus st = p.waitFor();
        assertThat(st).isEqualTo(new ExitStatus.Signaled(Signal.SIGTERM, false));
        assertThat(st.exitCode()).isEmpty();
        assertThat(st.signalCode()).contains(Signal.SIGTERM);
        assertThat(st).hasToString("signal: 15 (SIGTERM)");
    }

    @Test
    void killAfterExitReturnsFalse() throws Exception {
        ChildProcess p = ChildProcesses.spawn("true");
        p.waitFor();
        assertThat(p.kill()).isFalse();
        assertThat(p.killed()).isFalse();
        assertThat(p.kill(Signal.SIGKILL)).isFalse();
    }

    @Test
    void anySignalCanBeSent() throws Exception {
        ChildProcess p = ChildProcesses.spawn("sleep", "30");
        assertThat(p.kill(Signal.NONE)).isTrue(); // existence check only
        assertThat(p.killed()).isFalse();
        p.kill(Signal.of("usr1"));
        assertThat(p.waitFor()).isEqualTo(new ExitStatus.Signaled(Signal.SIGUSR1, false));
    }

    @Test
    void selfSignalledChildReportsTheSignal() throws Exception {
        ChildProcess p = ChildProcesses.spawn("sh", "-c", "kill -KILL $$");
        assertThat(p.waitFor().signalCode()).contains(Signal.SIGKILL);
    }

    @Test
    void coreDumpIsFlagged(@TempDir Path dir) throws Exception {
        String pattern = Files.readString(Path.of("/proc/sys/kernel/core_pattern")).trim();
        assumeFalse(pattern.startsWith("|"), "core_pattern pipes cores to a helper (" + pattern + "): skipped");
        ChildProcess p = ChildProcesses.spawn(Command.of("sh", "-c", "ulimit -c unlimited && kill -SEGV $$").cwd(dir));
        ExitStatus st = p.waitFor();
        assertThat(st).isEqualTo(new ExitStatus.Signaled(Signal.SIGSEGV, true));
        assertThat(st).hasToString("signal: 11 (SIGSEGV) (core dumped)");
    }

    @Test
    void stdoutAndStderrAreSeparatePipes() throws Exception {
        ChildProcess p = ChildProcesses.spawn("sh", "-c", "echo out; echo err >&2");
        assertThat(new String(p.stdout().readAllBytes())).isEqualTo("out\n");
        assertThat(new String(p.stderr().readAllBytes())).isEqualTo("err\n");
        assertThat(p.waitFor().success()).isTrue();
    }

    @Test
    void stdinIsWrittenAndClosed() throws Exception {
        ChildProcess p = ChildProcesses.spawn("cat");
        byte[] data = new byte[3 << 20]; // larger than any pipe buffer: both sides must make progress
        new Random(7).nextBytes(data);
        CompletableFuture<byte[]> read = CompletableFuture.supplyAsync(() -> {
            try {
                return p.stdout().readAllBytes();
            } catch (IOException e) {
                throw new RuntimeException(e);
            }
        });
        try (OutputStream in = p.stdin()) {
            in.write(data);
        }
        assertThat(read.get(30, TimeUnit.SECONDS)).isEqualTo(data);
        assertThat(p.waitFor().success()).isTrue();
    }

    @Test
    void sixtyFourMegabytesOnEachOutputAreReadConcurrently() throws Exception {
        long size = 64L << 20;
        ChildProcess p = ChildProcesses.spawn("sh", "-c",
                "head -c " + size + " /dev/zero & head -c " + size + " /dev/zero >&2; wait");
        CompletableFuture<Long> out = countAsync(p.stdout());
        CompletableFuture<Long> err = countAsync(p.stderr());
        assertThat(out.get(50, TimeUnit.SECONDS)).isEqualTo(size);
        assertThat(err.get(50, TimeUnit.SECONDS)).isEqualTo(size);
        assertThat(p.waitFor().success()).isTrue();
    }

    private static CompletableFuture<Long> countAsync(InputStream in) {
        CompletableFuture<Long> f = new CompletableFuture<>();
        Thread.ofVirtual().start(() -> {
            byte[] buf = new byte[64 * 1024];
            long total = 0;
            try {
                for (int n; (n = in.read(buf)) >= 0; ) total += n;
                f.complete(total);
            } catch (IOException e) {
                f.completeExceptionally(e);
            }
        });
        return f;
    }

    @Test
    void writingToAChildThatExitedThrowsBrokenPipeOrClosed() throws Exception {
        ChildProcess p = ChildProcesses.spawn("true");
        p.waitFor();
        OutputStream in = p.stdin();
        // EPIPE if the write comes before forkd closes stdin for the reaped child, "closed" after.
        assertThatThrownBy(() -> {
            for (int i = 0; i < 100; i++) in.write(new byte[65536]);
        }).isInstanceOf(IOException.class).hasMessageMatching("(Broken pipe.*|Stream closed: the child has exited)");
        in.close();
    }

    @Test
    void closeFollowsExitAndWaitsForOutputPipes() throws Exception {
        // The grandchild keeps stdout open for a while after the shell exits: 'exit' first, 'close' later.
        ChildProcess p = ChildProcesses.spawn("sh", "-c", "(sleep 0.5; echo late) &");
        ExitStatus exit = p.onExit().get();
        assertThat(p.onClose()).isNotDone();
        assertThat(new String(p.stdout().readAllBytes())).isEqualTo("late\n");
        assertThat(p.onClose().get(10, TimeUnit.SECONDS)).isEqualTo(exit);
    }

    @Test
    void missingProgramThrowsSpawnExceptionNamingIt() {
        assertThatThrownBy(() -> ChildProcesses.spawn("no-such-program-xyz"))
                .isInstanceOf(SpawnException.class)
                .hasMessage("posix_spawn failed: ENOENT (No such file or directory): no-such-program-xyz")
                .satisfies(e -> {
                    SpawnException se = (SpawnException) e;
                    assertThat(se.errno()).isEqualTo(2);
                    assertThat(se.code()).isEqualTo("ENOENT");
                    assertThat(se.syscall()).isEqualTo("posix_spawn");
                    assertThat(se.path()).isEqualTo("no-such-program-xyz");
                });
        assertThatThrownBy(() -> ChildProcesses.spawn("/nonexistent/prog"))
                .isInstanceOf(SpawnException.class)
                .hasMessage("posix_spawn failed: ENOENT (No such file or directory): /nonexistent/prog");
    }

    @Test
    void nonExecutableProgramThrowsEacces(@TempDir Path dir) throws Exception {
        Path script = Files.writeString(dir.resolve("script.sh"), "#!/bin/sh\necho hi\n");
        assertThatThrownBy(() -> ChildProcesses.spawn(script.toString()))
                .isInstanceOf(SpawnException.class)
                .hasMessageStartingWith("posix_spawn failed: EACCES (Permission denied): ");
        assertThatThrownBy(() -> ChildProcesses.spawn(dir.toString()))
                .isInstanceOf(SpawnException.class).hasMessageContaining("EACCES");
    }

    @Test
    void missingWorkingDirectoryIsReportedAsSuch() {
        assertThatThrownBy(() -> ChildProcesses.spawn(Command.of("true").cwd(Path.of("/no/such/dir"))))
                .isInstanceOf(SpawnException.class)
                .hasMessage("chdir failed: ENOENT (No such file or directory): /no/such/dir");
    }

    @Test
    void failedSpawnsLeakNoFds() throws Exception {
        // Settled: earlier tests' children close their pipes on the loop a moment after they end.
        int before = Procs.settledFdCount();
        for (int i = 0; i < 200; i++) {
            assertThatThrownBy(() -> ChildProcesses.spawn("/nonexistent/prog")).isInstanceOf(SpawnException.class);
        }
        assertThat(Procs.openFdCount()).isEqualTo(before);
        assertThat(Procs.zombieChildren()).isEmpty();
    }

    @Test
    void nulBytesAreRejectedBeforeAnythingIsSpawned() {
        assertThatThrownBy(() -> ChildProcesses.spawn("ec\0ho"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("NUL");
        assertThatThrownBy(() -> ChildProcesses.spawn("echo", "a\0b"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("argument");
        assertThatThrownBy(() -> ChildProcesses.spawn(Command.of("echo").env("K", "v\0w")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("environment");
        assertThatThrownBy(() -> ChildProcesses.spawn(Command.of("echo").env("K\0", "v")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("environment");
        assertThatThrownBy(() -> ChildProcesses.spawn(Command.of("echo").cwd(Path.of("/tmp").resolve("a\0b"))))
                .isInstanceOf(Exception.class); // Path itself already refuses NUL
        assertThatThrownBy(() -> ChildProcesses.spawn(Command.of("echo").argv0("x\0")))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> ChildProcesses.exec("echo \0"))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void environmentWorkingDirectoryAndArgv0AreApplied(@TempDir Path dir) throws Exception {
        ChildProcess p = ChildProcesses.spawn(Command.of("sh", "-c", "echo \"$FORKD_A|${HOME-unset}\"; pwd")
                .env("FORKD_A", "alpha").envRemove("HOME").cwd(dir));
        assertThat(new String(p.stdout().readAllBytes()))
                .isEqualTo("alpha|unset\n" + dir.toRealPath() + "\n");
        ChildProcess q = ChildProcesses.spawn(Command.of("cat", "/proc/self/cmdline").argv0("renamed"));
        assertThat(new String(q.stdout().readAllBytes())).isEqualTo("renamed\0/proc/self/cmdline\0");
        ChildProcess r = ChildProcesses.spawn(Command.of("/usr/bin/env").envClear().env("ONLY", "this"));
        assertThat(new String(r.stdout().readAllBytes())).isEqualTo("ONLY=this\n");
    }

    @Test
    void programIsLookedUpInTheChildsPath(@TempDir Path dir) throws Exception {
        Path tool = dir.resolve("my-tool");
        Files.writeString(tool, "#!/bin/sh\necho found-in-path\n");
        tool.toFile().setExecutable(true);
        ChildProcess p = ChildProcesses.spawn(Command.of("my-tool").env("PATH", dir + ":/usr/bin:/bin"));
        assertThat(new String(p.stdout().readAllBytes())).isEqualTo("found-in-path\n");
    }

    @Test
    void nonAsciiArgumentsRoundTrip() throws Exception {
        String arg = "héllo wörld ✓ 😀 日本語";
        ChildProcess p = ChildProcesses.spawn("printf", "%s", arg);
        assertThat(new String(p.stdout().readAllBytes(), StandardCharsets.UTF_8)).isEqualTo(arg);
    }

    @Test
    void stdioCanBeInheritedIgnoredOrAFile(@TempDir Path dir) throws Exception {
        Path out = dir.resolve("out.txt");
        ChildProcess p = ChildProcesses.spawn(Command.of("sh", "-c", "echo to-file; echo ignored >&2")
                .stdout(Stdio.file(out)).stderr(Stdio.ignore()).stdin(Stdio.inherit()));
        assertThat(p.waitFor().success()).isTrue();
        assertThat(Files.readString(out)).isEqualTo("to-file\n");
        assertThatThrownBy(p::stdout).isInstanceOf(IllegalStateException.class).hasMessageContaining("not a pipe");
        assertThat(p.onClose().get(5, TimeUnit.SECONDS).success()).isTrue();

        Path in = Files.writeString(dir.resolve("in.txt"), "from-file");
        ChildProcess q = ChildProcesses.spawn(Command.of("cat").stdin(Stdio.file(in)));
        assertThat(new String(q.stdout().readAllBytes())).isEqualTo("from-file");
    }

    @Test
    void extraFdsAreDuplexPipes() throws Exception {
        ChildProcess p = ChildProcesses.spawn(Command.of("sh", "-c", "read line <&3; echo \"got $line\" >&3")
                .stdio(Stdio.ignore(), Stdio.ignore(), Stdio.ignore(), Stdio.pipe()));
        StdioStream fd3 = p.stdio(3).orElseThrow();
        fd3.output().write("ping\n".getBytes());
        fd3.output().flush();
        byte[] reply = new byte[9];
        int n = 0;
        while (n < reply.length) n += fd3.input().read(reply, n, reply.length - n);
        assertThat(new String(reply)).isEqualTo("got ping\n");
        assertThat(p.waitFor().success()).isTrue();
        assertThat(p.stdio(0)).isEmpty();
    }

    @Test
    void ipcIsAllowedOncePerChildAndNeverInSyncVariants() {
        assertThatThrownBy(() -> ChildProcesses.spawn(Command.of("true")
                .stdio(Stdio.inherit(), Stdio.inherit(), Stdio.inherit(), Stdio.ipc(), Stdio.ipc())))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("at most one");
        assertThatThrownBy(() -> ChildProcesses.spawnSync(Command.of("true")
                .stdio(Stdio.inherit(), Stdio.inherit(), Stdio.inherit(), Stdio.ipc())))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("sync");
    }

    @Test
    void detachedChildLeadsANewSession() throws Exception {
        ChildProcess p = ChildProcesses.spawn(Command.of("sleep", "30").detached(true)
                .stdio(Stdio.ignore(), Stdio.ignore(), Stdio.ignore()));
        try {
            assertThat(Procs.statField(p.pid(), 6)).as("session id").isEqualTo(p.pid());
            assertThat(Procs.statField(p.pid(), 5)).as("process group").isEqualTo(p.pid());
        } finally {
            p.kill(Signal.SIGKILL);
            p.waitFor();
        }
    }

    @Test
    void plainSpawnStaysInTheParentsProcessGroup() throws Exception {
        ChildProcess p = ChildProcesses.spawn("sleep", "30");
        try {
            long ourGroup = Procs.statField(ProcessHandle.current().pid(), 5);
            assertThat(Procs.statField(p.pid(), 5)).isEqualTo(ourGroup);
        } finally {
            p.kill();
            p.waitFor();
        }
    }

    @Test
    void killTreeKillsTheGrandchildren() throws Exception {
        ChildProcess p = ChildProcesses.spawn(Command.of("sh", "-c", "sleep 100 & echo $!; wait").killTree(true));
        long grandchild = Long.parseLong(new java.io.BufferedReader(
                new java.io.InputStreamReader(p.stdout())).readLine().trim());
        assertThat(Procs.alive(grandchild)).isTrue();
        assertThat(p.kill()).isTrue();
        assertThat(p.waitFor().signalCode()).contains(Signal.SIGTERM);
        assertThat(Procs.awaitGone(grandchild)).as("grandchild " + grandchild + " gone").isTrue();
    }

    @Test
    void childrenStartWithNoSignalsBlockedOrIgnored() throws Exception {
        ChildProcess p = ChildProcesses.spawn("grep", "-E", "^Sig(Blk|Ign)", "/proc/self/status");
        String status = new String(p.stdout().readAllBytes());
        assertThat(status).contains("SigBlk:\t0000000000000000");
        // glibc's posix_spawn leaves its two internal signals (32, 33) ignored; nothing else.
        assertThat(status).containsPattern("SigIgn:\t0000000[01]80000000|SigIgn:\t0000000000000000");
    }

    @Test
    void waitForWithTimeoutTimesOut() throws Exception {
        ChildProcess p = ChildProcesses.spawn("sleep", "30");
        assertThatThrownBy(() -> p.waitFor(Duration.ofMillis(50)))
                .isInstanceOf(java.util.concurrent.TimeoutException.class);
        p.kill(Signal.SIGKILL);
        assertThat(p.waitFor(Duration.ofSeconds(10)).signalCode()).contains(Signal.SIGKILL);
    }

    @Test
    void closingStdoutEarlyStillLetsTheChildFinish() throws Exception {
        ChildProcess p = ChildProcesses.spawn("sh", "-c", "head -c 10000000 /dev/zero; exit 0");
        p.stdout().close();
        ExitStatus st = p.waitFor();
        // head dies of SIGPIPE (or exits non-zero on EPIPE); the point is that it ends and 'close' fires.
        assertThat(st).isNotNull();
        assertThat(p.onClose().get(10, TimeUnit.SECONDS)).isEqualTo(st);
    }

    @Test
    void onExitCallbacksMayBlockWithoutStallingForkd() throws Exception {
        // Dependent stages run right after the loop saw the exit; one that blocks makes the loop move on.
        java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
        ChildProcess p = ChildProcesses.spawn("cat"); // exits when its stdin closes: after the stage is attached
        var blocked = p.onExit().thenRun(() -> {
            try {
                release.await(60, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        p.stdin().close();
        p.waitFor();
        // While that stage blocks: other children are still reaped and their output pumped.
        assertThat(ChildProcesses.execFileSync("echo", "next").stdoutText()).isEqualTo("next\n");
        assertThat(ChildProcesses.spawn("sh", "-c", "exit 4").onExit().get(30, TimeUnit.SECONDS).exitCode())
                .hasValue(4);
        assertThat(blocked).isNotDone();
        release.countDown();
        blocked.get(10, TimeUnit.SECONDS);
    }

    @Test
    void readingIsParkedNotBusyWaiting() throws Exception {
        ChildProcess p = ChildProcesses.spawn("sh", "-c", "sleep 0.3; printf abc");
        byte[] buf = new byte[10];
        int n = p.stdout().read(buf);
        assertThat(Arrays.copyOf(buf, n)).isEqualTo("abc".getBytes());
        p.close();
        assertThat(p.waitFor().success()).isTrue();
    }

    static String slurp(InputStream in) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        in.transferTo(b);
        return b.toString(StandardCharsets.UTF_8);
    }
}
