package dev.forkd;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.forkd.cluster.Cluster;
import dev.forkd.cluster.ClusterEvent;
import dev.forkd.cluster.ClusterSettings;
import dev.forkd.cluster.RestartPolicy;
import dev.forkd.fixture.ClusterWorker;
import dev.forkd.fixture.IpcChild;
import dev.forkd.ipc.Channel;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Thousands of children of every shape, used as users use them (nothing closed that a user would not
 * close): afterwards the parent has the fds, platform threads and (no) zombies it had before.
 */
class SoakTest {
    private static final int ROUNDS = 250; // x 12 shapes = 3,000 children, plus forks and cluster workers

    @Test
    @Timeout(value = 300, unit = TimeUnit.SECONDS)
    void thousandsOfChildrenOfEveryShapeLeaveTheParentAsItWas() throws Exception {
        // Every shape's first use starts what it keeps: forkd's loop and cleaner, the JDK's virtual thread
        // scheduler and its timer thread.
        for (int i = 0; i < 3; i++) oneOfEach(i);
        concurrentUsers(2, 1);
        forkWithIpc();
        clusterWithRespawns(1);
        int fds = Procs.settledFdCount();
        Set<Long> children = Procs.children();
        int threads = settledPlatformThreads();
        List<String> threadsBefore = threadNames();

        for (int i = 0; i < ROUNDS; i++) oneOfEach(i);
        concurrentUsers(8, 25);
        for (int i = 0; i < 10; i++) forkWithIpc();
        clusterWithRespawns(3);

        assertThat(Procs.awaitOnlyChildren(children)).as("children left, running or zombie").isEmpty();
        int fdsAfter = fds;
        for (int i = 0; i < 100; i++) { // streams dropped unread are released by the GC
            fdsAfter = Procs.settledFdCount();
            if (fdsAfter <= fds) break;
            System.gc();
        }
        assertThat(fdsAfter).as("open fds (before: " + fds + ")").isLessThanOrEqualTo(fds);
        assertThat(settledPlatformThreads()).as("platform threads: " + threadNames() + ", before: " + threadsBefore)
                .isLessThanOrEqualTo(threads);
    }

    /** {@code users} virtual threads at once, each running {@code rounds} of {@link #oneOfEach}. */
    private static void concurrentUsers(int users, int rounds) throws InterruptedException {
        List<Thread> threads = new ArrayList<>();
        List<Throwable> failures = new java.util.concurrent.CopyOnWriteArrayList<>();
        for (int t = 0; t < users; t++) {
            int seed = t;
            threads.add(Thread.ofVirtual().start(() -> {
                try {
                    for (int i = 0; i < rounds; i++) oneOfEach(seed + i);
                } catch (Throwable e) {
                    failures.add(e);
                }
            }));
        }
        for (Thread u : threads) u.join();
        assertThat(failures).as("failures of concurrent users").isEmpty();
    }

    /** Twelve shapes of child, as users write them. */
    private static void oneOfEach(int i) throws Exception {
        // spawn, default stdio, waited for and dropped
        assertThat(ChildProcesses.spawn("true").waitFor().success()).isTrue();
        // spawn with output read to the end
        ChildProcess echo = ChildProcesses.spawn("echo", "hi");
        assertThat(new String(echo.stdout().readAllBytes(), StandardCharsets.UTF_8)).isEqualTo("hi\n");
        echo.waitFor();
        // an extra pipe on fd 3, written by the child
        ChildProcess fd3 = ChildProcesses.spawn(Command.of("sh", "-c", "echo three >&3")
                .stdio(Stdio.ignore(), Stdio.ignore(), Stdio.ignore(), Stdio.pipe()));
        assertThat(new String(fd3.stdio(3).orElseThrow().input().readAllBytes(), StandardCharsets.UTF_8))
                .isEqualTo("three\n");
        fd3.waitFor();
        // stdin written, not closed by the user: the child ends when it has read what it needs
        ChildProcess head = ChildProcesses.spawn("head", "-c", "2");
        head.stdin().write("abc".getBytes(StandardCharsets.UTF_8));
        head.stdin().flush();
        assertThat(new String(head.stdout().readAllBytes(), StandardCharsets.UTF_8)).isEqualTo("ab");
        head.waitFor();
        // killed while running
        ChildProcess sleeper = ChildProcesses.spawn("sleep", "30");
        sleeper.kill();
        assertThat(sleeper.waitFor()).isEqualTo(new ExitStatus.Signaled(Signal.SIGTERM, false));
        // exec, execFile
        assertThat(ChildProcesses.exec("echo x | tr x y").get(10, TimeUnit.SECONDS).stdoutText()).isEqualTo("y\n");
        assertThat(ChildProcesses.execFile("echo", "z").get(10, TimeUnit.SECONDS).stdoutText()).isEqualTo("z\n");
        // spawnSync with input, execSync that fails
        assertThat(ChildProcesses.spawnSync(Command.of("cat"), ExecOptions.defaults().input("in")).stdoutText())
                .isEqualTo("in");
        assertThatThrownBy(() -> ChildProcesses.execSync("exit 3")).isInstanceOf(ExitException.class);
        // maxBuffer exceeded, timeout
        CompletableFuture<Output> flood = ChildProcesses.execFile(Command.of("yes"), ExecOptions.defaults().maxBuffer(100 + i % 5000));
        assertThatThrownBy(() -> flood.get(10, TimeUnit.SECONDS)).isInstanceOf(ExecutionException.class);
        assertThat(ChildProcesses.spawnSync(Command.of("sleep", "5"), ExecOptions.defaults().timeout(Duration.ofMillis(5)))
                .timedOut()).isTrue();
        // a pipeline
        List<ChildProcess> p = ChildProcesses.pipeline(Command.of("echo", "a b c"), Command.of("wc", "-w"));
        assertThat(new String(p.get(1).stdout().readAllBytes(), StandardCharsets.UTF_8).trim()).isEqualTo("3");
        for (ChildProcess c : p) c.waitFor();
    }

    private static void forkWithIpc() throws Exception {
        ChildProcess child = ChildProcesses.fork(ForkOptions.of(IpcChild.class.getName(), "echo")
                .execArgv("-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-Xshare:auto"));
        Channel ch = child.channel().orElseThrow();
        BlockingQueue<String> replies = new LinkedBlockingQueue<>();
        ch.onMessage(m -> replies.add(m.body().toString()));
        ch.send(Map.of("n", 1)).get(10, TimeUnit.SECONDS);
        assertThat(replies.poll(30, TimeUnit.SECONDS)).isEqualTo("{\"echo\":{\"n\":1}}");
        ch.send(Map.of("exit", 0));
        assertThat(child.onClose().get(30, TimeUnit.SECONDS).success()).isTrue();
    }

    private static void clusterWithRespawns(int deaths) throws Exception {
        Cluster c = Cluster.setupPrimary(ClusterSettings.of(ForkOptions.of(ClusterWorker.class.getName(), "0", "127.0.0.1")
                        .execArgv("-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-Xshare:auto"))
                .workers(1).restartPolicy(RestartPolicy.defaults().backoff(Duration.ofMillis(10), Duration.ofMillis(20)))
                .shutdownGrace(Duration.ofSeconds(5)));
        BlockingQueue<ClusterEvent> q = new LinkedBlockingQueue<>();
        c.onEvent(q::add);
        c.start();
        for (int i = 0; i < deaths; i++) {
            ClusterEvent.Listening l = next(q, ClusterEvent.Listening.class);
            l.worker().kill(Signal.SIGKILL);
            next(q, ClusterEvent.Respawning.class);
        }
        next(q, ClusterEvent.Listening.class);
        c.disconnect().get(30, TimeUnit.SECONDS);
    }

    private static <T extends ClusterEvent> T next(BlockingQueue<ClusterEvent> q, Class<T> type) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(40);
        while (System.nanoTime() < deadline) {
            ClusterEvent e = q.poll(1, TimeUnit.SECONDS);
            if (type.isInstance(e)) return type.cast(e);
        }
        throw new AssertionError("no " + type.getSimpleName() + " event");
    }

    private static List<String> threadNames() {
        return Thread.getAllStackTraces().keySet().stream().map(Thread::getName).sorted().toList();
    }

    /** Live platform threads once short-lived ones (a replaced loop thread, a watchdog going idle) have ended. */
    private static int settledPlatformThreads() throws InterruptedException {
        int n = Thread.getAllStackTraces().size();
        for (int same = 0, i = 0; same < 3 && i < 60; i++) {
            Thread.sleep(100);
            int m = Thread.getAllStackTraces().size();
            same = m == n ? same + 1 : 0;
            n = m;
        }
        return n;
    }
}
