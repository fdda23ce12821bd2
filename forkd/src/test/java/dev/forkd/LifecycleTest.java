package dev.forkd;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.forkd.fixture.FirstExecOverflow;
import dev.forkd.fixture.SpawnInShutdownHook;
import dev.forkd.internal.io.EventLoop;
import dev.forkd.internal.posix.LibC;
import java.io.IOException;
import java.io.OutputStream;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A child's parent-side resources follow one lifecycle whatever the user does with it, and the exec family
 * ends every operation it starts: the defects of issue 11 (items 1-4), as users would meet them.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class LifecycleTest {

    @Test
    void childrenNobodyClosesHoldNoFdsOnceTheyHaveExited() throws Exception {
        ChildProcesses.spawn("true").waitFor(); // the loop, its epoll set and the cleaner exist from here on
        int before = Procs.settledFdCount();
        for (int i = 0; i < 2_000; i++) {
            // What a user writes: default stdio (three pipes), wait, drop. No close(), no stdin().close().
            assertThat(ChildProcesses.spawn("true").waitFor().success()).isTrue();
        }
        assertThat(awaitFds(before)).as("fds after 2,000 dropped children").isEqualTo(before);
        assertThat(Procs.zombieChildren()).isEmpty();
    }

    @Test
    void aParentWrittenPipeAboveStderrIsClosedAtExitToo() throws Exception {
        ChildProcesses.spawn("true").waitFor();
        int before = Procs.settledFdCount();
        for (int i = 0; i < 200; i++) {
            ChildProcess p = ChildProcesses.spawn(Command.of("true")
                    .stdio(Stdio.ignore(), Stdio.ignore(), Stdio.ignore(), Stdio.pipe()));
            p.waitFor();
        }
        assertThat(awaitFds(before)).isEqualTo(before);
    }

    @Test
    void unreadOutputOfADroppedChildIsReleasedWhenItsStreamIsCollected() throws Exception {
        ChildProcesses.spawn("true").waitFor();
        int before = Procs.settledFdCount();
        Set<Long> children = Procs.children();
        for (int i = 0; i < 20; i++) {
            // 3 MB: more than the 1 MiB forkd reads ahead plus the pipe, so the child blocks until it is read...
            ChildProcess p = ChildProcesses.spawn(Command.of("head", "-c", "3000000", "/dev/zero")
                    .stdio(Stdio.ignore(), Stdio.pipe(), Stdio.ignore()));
            // ...and its stdout fd would stay open for the JVM's lifetime, unread, once nobody can read it.
            assertThat(p.pid()).isPositive();
        }
        int fds = before;
        for (int i = 0; i < 100 && (fds = Procs.openFdCount()) != before; i++) {
            System.gc();
            Thread.sleep(50);
        }
        assertThat(fds).as("fds after dropping 20 children with unread output").isEqualTo(before);
        // Each child dies of SIGPIPE once its stdout is closed, and is reaped.
        assertThat(Procs.awaitOnlyChildren(children)).isEmpty();
    }

    @Test
    void writingToTheStdinOfAnExitedChildSaysSo() throws Exception {
        ChildProcess p = ChildProcesses.spawn("true");
        p.waitFor();
        OutputStream stdin = p.stdin();
        IOException e = null;
        for (int i = 0; i < 100 && e == null; i++) { // the close is done by the loop right after the reap
            try {
                stdin.write('x');
                Thread.sleep(10);
            } catch (IOException thrown) {
                e = thrown;
            }
        }
        assertThat(e).hasMessageContaining("the child has exited");
        p.close();
    }

    @Test
    void theFirstExecOfAFreshJvmWithATinyMaxBufferEnds() throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        for (int i = 0; i < 3; i++) {
            Output out = ChildProcesses.execFileSync(Command.of(java, "--enable-native-access=ALL-UNNAMED",
                    "-cp", System.getProperty("java.class.path"), FirstExecOverflow.class.getName()),
                    ExecOptions.defaults().timeout(Duration.ofSeconds(60)));
            assertThat(out.stdoutText()).isEqualTo("signal: 15 (SIGTERM) ENOBUFS 1000\n");
        }
    }

    @Test
    void aShutdownHookCanStillSpawnAndWaitWhileTheJvmExits() throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Output out = ChildProcesses.execFileSync(Command.of(java, "--enable-native-access=ALL-UNNAMED",
                        "-cp", System.getProperty("java.class.path"), SpawnInShutdownHook.class.getName()),
                ExecOptions.defaults().timeout(Duration.ofSeconds(60)));
        assertThat(out.stdoutText()).isEqualTo("main done\nfrom-hook after-sleep exit status: 1\n");
    }

    @Test
    void manyExecsOverflowingAtOnceAllEnd() throws Exception {
        CompletableFuture<?>[] all = new CompletableFuture<?>[100];
        for (int i = 0; i < all.length; i++) {
            all[i] = ChildProcesses.execFile(Command.of("yes"), ExecOptions.defaults().maxBuffer(1 + i % 7));
        }
        for (CompletableFuture<?> f : all) {
            assertThatThrownBy(() -> f.get(30, TimeUnit.SECONDS)).isInstanceOf(ExecutionException.class)
                    .cause().isInstanceOfSatisfying(ExitException.class, e -> assertThat(e.maxBufferExceeded()).isTrue());
        }
    }

    @Test
    void spawnSyncReportsATimeoutAsNodeDoes() throws Exception {
        Output out = ChildProcesses.spawnSync(Command.of("sleep", "10"),
                ExecOptions.defaults().timeout(Duration.ofMillis(100)));
        assertThat(out.status()).isEqualTo(new ExitStatus.Signaled(Signal.SIGTERM, false));
        assertThat(out.timedOut()).isTrue();
        assertThat(out.maxBufferExceeded()).isFalse();
        assertThat(out.errorCode()).contains("ETIMEDOUT");
    }

    @Test
    void spawnSyncReportsAnExceededMaxBufferAsNodeDoes() throws Exception {
        Output out = ChildProcesses.spawnSync(Command.of("sh", "-c", "echo 0123456789; sleep 10"),
                ExecOptions.defaults().maxBuffer(4));
        assertThat(out.maxBufferExceeded()).isTrue();
        assertThat(out.timedOut()).isFalse();
        assertThat(out.errorCode()).contains("ENOBUFS");
        assertThat(out.stdoutText()).isEqualTo("0123");
        Output fine = ChildProcesses.spawnSync(Command.of("echo", "hi"));
        assertThat(fine.errorCode()).isEmpty();
    }

    @Test
    void aLostExitStatusFailsWaitForAndOnExitWithTheSyscallAndErrno() throws Exception {
        ChildProcess p = ChildProcesses.spawn(Command.of("sleep", "0.2").stdio(Stdio.ignore(), Stdio.ignore(),
                Stdio.ignore()));
        // Hold the loop so that another component (this test, as a native library calling waitpid would) reaps
        // the child first.
        CountDownLatch reapedByOther = new CountDownLatch(1);
        EventLoop.get().execute(() -> {
            try {
                reapedByOther.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment si = arena.allocate(LibC.SIZEOF_SIGINFO, 8);
            assertThat(LibC.waitid(LibC.P_PID, (int) p.pid(), si, LibC.WEXITED)).isZero();
        } finally {
            reapedByOther.countDown();
        }
        assertThatThrownBy(p::waitFor).isInstanceOfSatisfying(ReapException.class, e -> {
            assertThat(e.syscall()).isEqualTo("waitid");
            assertThat(e.code()).isEqualTo("ECHILD");
            assertThat(e.pid()).isEqualTo(p.pid());
            assertThat(e).hasMessageStartingWith("waitid failed: ECHILD (No child processes): pid " + p.pid());
        });
        assertThatThrownBy(() -> p.onExit().get(10, TimeUnit.SECONDS)).hasCauseInstanceOf(ReapException.class);
        assertThat(p.exitStatus()).isEmpty();
    }

    /** Waits up to 2 s for the loop's closes to reach {@code expected} fds; the count then. */
    private static int awaitFds(int expected) throws Exception {
        int n = Procs.openFdCount();
        for (int i = 0; i < 100 && n != expected; i++) {
            Thread.sleep(20);
            n = Procs.openFdCount();
        }
        return n;
    }
}
