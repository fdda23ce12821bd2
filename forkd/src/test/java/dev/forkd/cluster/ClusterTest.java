package dev.forkd.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.forkd.ExitStatus;
import dev.forkd.ForkOptions;
import dev.forkd.Signal;
import dev.forkd.fixture.ClusterWorker;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

@Timeout(value = 90, unit = TimeUnit.SECONDS)
class ClusterTest {
    private final List<Cluster> clusters = new ArrayList<>();

    @AfterEach
    void stopClusters() throws Exception {
        for (Cluster c : clusters) c.disconnect().get(30, TimeUnit.SECONDS);
    }

    private Cluster cluster(SchedulingPolicy policy, int workers, RestartPolicy restart, String... args) {
        ClusterSettings settings = ClusterSettings.of(ForkOptions.of(ClusterWorker.class.getName(), args)
                        .execArgv("-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-Xshare:auto"))
                .workers(workers).schedulingPolicy(policy).restartPolicy(restart)
                .shutdownGrace(Duration.ofSeconds(5));
        Cluster c = Cluster.setupPrimary(settings);
        clusters.add(c);
        return c;
    }

    static BlockingQueue<ClusterEvent> events(Cluster c) {
        BlockingQueue<ClusterEvent> q = new LinkedBlockingQueue<>();
        c.onEvent(q::add);
        return q;
    }

    static <T extends ClusterEvent> T next(BlockingQueue<ClusterEvent> q, Class<T> type) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(40);
        while (System.nanoTime() < deadline) {
            ClusterEvent e = q.poll(1, TimeUnit.SECONDS);
            if (type.isInstance(e)) return type.cast(e);
        }
        throw new AssertionError("no " + type.getSimpleName() + " event");
    }

    /**
     * Sends a path on a new connection and returns the reply line ("pid path"), or throws. A reply that does
     * not come within 30 s is a lost connection, not a failed request: that throws IllegalStateException,
     * which no caller counts as an expected failure.
     */
    static String request(int port, String path) throws IOException {
        try (Socket c = new Socket()) {
            c.connect(new InetSocketAddress("127.0.0.1", port), 30_000);
            c.setSoTimeout(30_000);
            c.getOutputStream().write((path + "\n").getBytes(StandardCharsets.UTF_8));
            InputStream in = new BufferedInputStream(c.getInputStream());
            StringBuilder reply = new StringBuilder();
            int b;
            while ((b = in.read()) >= 0 && b != '\n') {
                if (reply.length() > 4096) throw new IOException("reply too long: " + reply);
                reply.append((char) b);
            }
            if (reply.isEmpty()) throw new IOException("empty reply");
            return reply.toString().trim();
        } catch (SocketTimeoutException e) {
            throw new IllegalStateException("no reply from 127.0.0.1:" + port + " within 30 s (" + e.getMessage() + ")", e);
        }
    }

    @Test
    void eventsComeInNodesOrder() throws Exception {
        Cluster c = cluster(SchedulingPolicy.LOAD_AWARE, 1, RestartPolicy.never(), "0", "127.0.0.1");
        BlockingQueue<ClusterEvent> q = events(c);
        Worker w = c.fork();
        List<String> order = new ArrayList<>();
        ClusterEvent.Listening listening = null;
        while (order.size() < 3) {
            ClusterEvent e = q.poll(40, TimeUnit.SECONDS);
            assertThat(e).as("event after " + order).isNotNull();
            if (e instanceof ClusterEvent.MessageReceived) continue;
            order.add(e.getClass().getSimpleName());
            if (e instanceof ClusterEvent.Listening l) listening = l;
            assertThat(e.worker()).isSameAs(w);
        }
        assertThat(order).containsExactly("Forked", "Online", "Listening");
        assertThat(listening.address().getPort()).isPositive();
        assertThat(w.kill(Signal.SIGKILL)).isTrue(); // SIGTERM would make the JVM exit 143 after its hooks
        List<String> end = new ArrayList<>();
        ClusterEvent.Exited exited = null;
        while (end.size() < 2) {
            ClusterEvent e = q.poll(40, TimeUnit.SECONDS);
            assertThat(e).isNotNull();
            end.add(e.getClass().getSimpleName());
            if (e instanceof ClusterEvent.Exited x) exited = x;
        }
        assertThat(end).containsExactly("Disconnected", "Exited");
        assertThat(exited.status()).isEqualTo(new ExitStatus.Signaled(Signal.SIGKILL, false));
        assertThat(w.isDead()).isTrue();
        assertThat(w.exitedAfterDisconnect()).isFalse();
        assertThat(c.workers()).isEmpty();
    }

    @Test
    void afterDisconnectNoWorkerIsRespawnedButAnExplicitForkStillWorks() throws Exception {
        Cluster c = cluster(SchedulingPolicy.LOAD_AWARE, 1, RestartPolicy.defaults(), "0", "127.0.0.1");
        BlockingQueue<ClusterEvent> q = events(c);
        c.start();
        next(q, ClusterEvent.Listening.class);
        c.disconnect().get(30, TimeUnit.SECONDS);
        assertThat(c.workers()).isEmpty();
        Worker again = c.fork(); // as Node allows after cluster.disconnect()
        next(q, ClusterEvent.Listening.class);
        again.kill(Signal.SIGKILL);
        next(q, ClusterEvent.Exited.class);
        Thread.sleep(500); // a respawn would come after 100 ms
        assertThat(q).noneMatch(e -> e instanceof ClusterEvent.Respawning);
        assertThat(c.workers()).isEmpty();
    }

    @Test
    void aWorkersMessageReachesThePrimaryAndTheReplyComesBack() throws Exception {
        Cluster c = cluster(SchedulingPolicy.LOAD_AWARE, 1, RestartPolicy.never(), "0", "127.0.0.1");
        BlockingQueue<ClusterEvent> q = events(c);
        Worker w = c.fork();
        next(q, ClusterEvent.Listening.class);
        w.send(Map.of("ping", 1));
        ClusterEvent.MessageReceived m = next(q, ClusterEvent.MessageReceived.class);
        assertThat(m.worker()).isSameAs(w);
        assertThat(m.message().body().get("echo").get("ping").asInt()).isEqualTo(1);
        assertThat(m.message().body().get("id").asInt()).isEqualTo(w.id());
    }

    @ParameterizedTest
    @EnumSource(SchedulingPolicy.class)
    void everyPolicyServesFromAllWorkersOnOneSharedEphemeralPort(SchedulingPolicy policy) throws Exception {
        Cluster c = cluster(policy, 2, RestartPolicy.never(), "0", "127.0.0.1");
        BlockingQueue<ClusterEvent> q = events(c);
        c.start();
        int port1 = next(q, ClusterEvent.Listening.class).address().getPort();
        int port2 = next(q, ClusterEvent.Listening.class).address().getPort();
        assertThat(port2).as("port 0 gives all workers one port").isEqualTo(port1);
        Set<String> pids = new HashSet<>();
        for (Worker w : c.workers().values()) pids.add(Long.toString(w.process().pid()));
        Set<String> served = ConcurrentHashMap.newKeySet(); // four threads add to it
        for (int i = 0; i < 200 && served.size() < 2; i++) {
            // Parallel requests so that SHARED and REUSEPORT, where the kernel picks, also reach both.
            List<Thread> ts = new ArrayList<>();
            for (int k = 0; k < 4; k++) {
                ts.add(Thread.ofVirtual().start(() -> {
                    try {
                        served.add(request(port1, "/").split(" ")[0]);
                    } catch (IOException e) {
                        throw new RuntimeException(e);
                    }
                }));
            }
            for (Thread t : ts) t.join();
        }
        assertThat(served).isEqualTo(pids);
    }

    @Test
    void bindErrorsReachTheWorkerAsAClearException() throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 50, java.net.InetAddress.getByName("127.0.0.1"))) {
            Cluster c = cluster(SchedulingPolicy.LOAD_AWARE, 1, RestartPolicy.never(),
                    Integer.toString(taken.getLocalPort()), "127.0.0.1");
            BlockingQueue<ClusterEvent> q = events(c);
            c.fork();
            ClusterEvent.MessageReceived m = next(q, ClusterEvent.MessageReceived.class);
            assertThat(m.message().body().get("listenError").asString())
                    .startsWith("BindException: cannot listen on ")
                    .contains("Address already in use");
        }
    }

    @Test
    void aKilledWorkerIsRespawnedAndOnlyItsInFlightRequestsFail() throws Exception {
        Cluster c = cluster(SchedulingPolicy.LOAD_AWARE, 2, RestartPolicy.defaults(), "0", "127.0.0.1");
        BlockingQueue<ClusterEvent> q = events(c);
        c.start();
        int port = next(q, ClusterEvent.Listening.class).address().getPort();
        next(q, ClusterEvent.Listening.class);
        AtomicBoolean running = new AtomicBoolean(true);
        AtomicInteger ok = new AtomicInteger();
        AtomicInteger failed = new AtomicInteger();
        List<String> lost = new CopyOnWriteArrayList<>();
        List<Thread> load = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            load.add(Thread.ofVirtual().start(() -> {
                while (running.get()) {
                    try {
                        request(port, "/");
                        ok.incrementAndGet();
                    } catch (IOException e) {
                        failed.incrementAndGet();
                    } catch (IllegalStateException e) {
                        lost.add(e.getMessage());
                        return;
                    }
                }
            }));
        }
        Thread.sleep(500);
        Worker victim = c.workers().values().iterator().next();
        long victimPid = victim.process().pid();
        victim.kill(Signal.SIGKILL);
        ClusterEvent.Respawning r = next(q, ClusterEvent.Respawning.class);
        assertThat(r.worker()).isSameAs(victim);
        ClusterEvent.Listening fresh = next(q, ClusterEvent.Listening.class);
        assertThat(fresh.worker().id()).isNotEqualTo(victim.id());
        Thread.sleep(500);
        running.set(false);
        for (Thread t : load) t.join();
        assertThat(lost).as("connections that never got an answer").isEmpty();
        assertThat(ok.get()).isGreaterThan(100);
        // Only requests that were inside the killed worker can fail: at most one per load thread.
        assertThat(failed.get()).as("failed of " + ok.get()).isLessThanOrEqualTo(4);
        assertThat(c.workers()).hasSize(2).doesNotContainKey(victim.id());
        assertThat(c.workers().values()).noneMatch(w -> w.process().pid() == victimPid);
    }

    @Test
    void reloadUnderContinuousLoadFailsNoRequest() throws Exception {
        Cluster c = cluster(SchedulingPolicy.LOAD_AWARE, 2, RestartPolicy.defaults(), "0", "127.0.0.1");
        BlockingQueue<ClusterEvent> q = events(c);
        c.start();
        int port = next(q, ClusterEvent.Listening.class).address().getPort();
        next(q, ClusterEvent.Listening.class);
        Set<Integer> before = Set.copyOf(c.workers().keySet());
        AtomicBoolean running = new AtomicBoolean(true);
        AtomicInteger ok = new AtomicInteger();
        List<String> failures = new CopyOnWriteArrayList<>();
        List<Thread> load = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            load.add(Thread.ofVirtual().start(() -> {
                while (running.get()) {
                    try {
                        request(port, "/");
                        ok.incrementAndGet();
                    } catch (IOException e) {
                        failures.add(e.toString());
                    }
                }
            }));
        }
        Thread.sleep(300);
        ReloadResult result = c.reload().get(60, TimeUnit.SECONDS);
        Thread.sleep(300);
        running.set(false);
        for (Thread t : load) t.join();
        assertThat(result.succeeded()).as(result.toString()).isTrue();
        assertThat(result.replaced()).hasSize(2);
        assertThat(failures).as("failed requests during reload (of " + ok.get() + ")").isEmpty();
        assertThat(ok.get()).isGreaterThan(100);
        assertThat(c.workers().keySet()).hasSize(2).doesNotContainAnyElementsOf(before);
    }

    @Test
    void aReloadStartsEveryReplacementAtOnceOrAsManyAsTheSurgeSays() throws Exception {
        for (int surge : new int[] {ClusterSettings.ALL_AT_ONCE, 1}) {
            Cluster c = Cluster.setupPrimary(ClusterSettings.of(ForkOptions.of(ClusterWorker.class.getName(), "0", "127.0.0.1")
                            .execArgv("-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-Xshare:auto"))
                    .workers(2).restartPolicy(RestartPolicy.never()).shutdownGrace(Duration.ofSeconds(5)).reloadSurge(surge));
            clusters.add(c);
            List<String> order = new CopyOnWriteArrayList<>();
            c.onEvent(e -> {
                if (e instanceof ClusterEvent.Forked f) order.add("forked " + f.worker().id());
                if (e instanceof ClusterEvent.Listening l) order.add("listening " + l.worker().id());
            });
            BlockingQueue<ClusterEvent> q = events(c);
            c.start();
            next(q, ClusterEvent.Listening.class);
            next(q, ClusterEvent.Listening.class);
            ReloadResult r = c.reload().get(60, TimeUnit.SECONDS);
            assertThat(r.succeeded()).as(r.toString()).isTrue();
            assertThat(r.replaced()).extracting(ReloadResult.Replacement::newId).containsExactly(3, 4);
            List<String> reload = order.subList(4, order.size()); // after the start's two forks and listens
            if (surge == 1) { // the next replacement starts once the last one listens
                assertThat(reload).containsExactly("forked 3", "listening 3", "forked 4", "listening 4");
            } else {
                assertThat(reload.subList(0, 2)).containsExactly("forked 3", "forked 4");
                assertThat(reload.subList(2, 4)).containsExactlyInAnyOrder("listening 3", "listening 4");
            }
            c.disconnect().get(30, TimeUnit.SECONDS);
        }
        assertThatThrownBy(() -> ClusterSettings.of("x").reloadSurge(0)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void aReplacementThatFailsAbortsTheReloadAndKeepsTheOldWorkers(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir)
            throws Exception {
        java.nio.file.Path marker = dir.resolve("fail-from-now-on");
        // Respawning on: a failed replacement must still not come back as an extra worker.
        Cluster c = cluster(SchedulingPolicy.LOAD_AWARE, 1, RestartPolicy.defaults().backoff(Duration.ofMillis(10),
                Duration.ofMillis(20)), "0", "127.0.0.1");
        BlockingQueue<ClusterEvent> q = events(c);
        Worker old = c.fork(Map.of("FORKD_TEST_FAIL_IF_EXISTS", marker.toString()));
        int port = next(q, ClusterEvent.Listening.class).address().getPort();
        java.nio.file.Files.createFile(marker); // every replacement now dies at start
        ReloadResult r = c.reload().get(60, TimeUnit.SECONDS);
        assertThat(r.succeeded()).isFalse();
        assertThat(r.replaced()).isEmpty();
        assertThat(r.failure().orElseThrow()).contains("replacement worker").contains("exited before listening");
        Thread.sleep(500); // time enough for a respawn to show
        assertThat(q).noneMatch(e -> e instanceof ClusterEvent.Respawning);
        assertThat(c.workers()).containsOnlyKeys(old.id());
        assertThat(old.isDead()).isFalse();
        assertThat(request(port, "/")).startsWith(old.process().pid() + " ");
    }

    @Test
    void aCrashLoopIsDetectedAndRespawningStops() throws Exception {
        Cluster c = Cluster.setupPrimary(ClusterSettings.of(ForkOptions.of(ClusterWorker.class.getName(), "0")
                        .env("FORKD_TEST_DIE_AT_START", "1").execArgv("-XX:TieredStopAtLevel=1"))
                .workers(1).restartPolicy(RestartPolicy.defaults()
                        .backoff(Duration.ofMillis(10), Duration.ofMillis(50)).crashLoop(3, Duration.ofMinutes(1))));
        clusters.add(c);
        BlockingQueue<ClusterEvent> q = events(c);
        c.start();
        ClusterEvent.GaveUp g = next(q, ClusterEvent.GaveUp.class);
        assertThat(g.reason()).contains("crash loop");
        Thread.sleep(500);
        assertThat(c.workers()).isEmpty();
    }

    @Test
    void loadAwareSendsNoNewConnectionToABusyWorker() throws Exception {
        Cluster c = cluster(SchedulingPolicy.LOAD_AWARE, 2, RestartPolicy.never(), "0", "127.0.0.1");
        BlockingQueue<ClusterEvent> q = events(c);
        c.start();
        int port = next(q, ClusterEvent.Listening.class).address().getPort();
        next(q, ClusterEvent.Listening.class);
        for (int round = 0; round < 3; round++) {
            Thread sum = Thread.ofVirtual().start(() -> {
                try {
                    request(port, "/sum");
                } catch (IOException e) {
                    throw new RuntimeException(e);
                }
            });
            Thread.sleep(100); // the busy report reaches the primary
            String busyPid = null;
            List<String> during = new ArrayList<>();
            for (int i = 0; i < 10; i++) during.add(request(port, "/").split(" ")[0]);
            sum.join();
            // every quick request went to one worker: the one not computing
            assertThat(new HashSet<>(during)).hasSize(1);
        }
    }
}
