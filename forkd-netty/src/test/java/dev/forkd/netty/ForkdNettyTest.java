package dev.forkd.netty;

import static org.assertj.core.api.Assertions.assertThat;

import dev.forkd.ForkOptions;
import dev.forkd.cluster.Cluster;
import dev.forkd.cluster.ClusterEvent;
import dev.forkd.cluster.ClusterSettings;
import dev.forkd.cluster.ReloadResult;
import dev.forkd.cluster.RestartPolicy;
import dev.forkd.cluster.SchedulingPolicy;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Netty workers in a real cluster, spoken to over real HTTP. */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class ForkdNettyTest {
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();

    private static Cluster cluster(SchedulingPolicy policy, int workers) {
        return Cluster.setupPrimary(ClusterSettings.of(ForkOptions.of(NettyWorker.class.getName(), "0")
                        .execArgv("-XX:TieredStopAtLevel=1"))
                .workers(workers).schedulingPolicy(policy).restartPolicy(RestartPolicy.never())
                .shutdownGrace(Duration.ofSeconds(5)));
    }

    /** Starts the cluster and returns its port once {@code workers} workers listen on it. */
    private static int start(Cluster c, int workers) throws Exception {
        BlockingQueue<ClusterEvent> q = new LinkedBlockingQueue<>();
        c.onEvent(q::add);
        c.start();
        int port = -1;
        for (int seen = 0; seen < workers; ) {
            ClusterEvent e = q.poll(60, TimeUnit.SECONDS);
            assertThat(e).as("listening event").isNotNull();
            if (e instanceof ClusterEvent.Listening l) {
                port = l.address().getPort();
                seen++;
            }
        }
        return port;
    }

    private static HttpRequest request(int port, String path) {
        return HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .timeout(Duration.ofSeconds(10)).build();
    }

    private static Set<String> pids(Cluster c) {
        return c.workers().values().stream().map(w -> "pid " + w.process().pid()).collect(Collectors.toSet());
    }

    @ParameterizedTest
    @EnumSource(SchedulingPolicy.class)
    void nettyWorkersServeHttpFromEveryWorkerUnderEveryPolicy(SchedulingPolicy policy) throws Exception {
        Cluster c = cluster(policy, 2);
        try {
            int port = start(c, 2);
            Set<String> seen = ConcurrentHashMap.newKeySet();
            for (int round = 0; round < 100 && seen.size() < 2; round++) {
                // A new client each round: new connections, so that every policy gets a chance to spread them.
                try (HttpClient fresh = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build()) {
                    List<Thread> clients = new ArrayList<>();
                    for (int k = 0; k < 4; k++) {
                        clients.add(Thread.ofVirtual().start(() -> {
                            try {
                                HttpResponse<String> r = fresh.send(request(port, "/"), HttpResponse.BodyHandlers.ofString());
                                assertThat(r.statusCode()).isEqualTo(200);
                                seen.add(r.body().trim());
                            } catch (Exception e) {
                                throw new RuntimeException(e);
                            }
                        }));
                    }
                    for (Thread t : clients) t.join();
                }
            }
            assertThat(seen).isEqualTo(pids(c));
        } finally {
            c.disconnect().get(30, TimeUnit.SECONDS);
        }
    }

    // The round robin path (the default policy) and a Netty listener on a socket of the worker's own; SHARED
    // and ROUND_ROBIN pass too, left out to keep the suite short.
    @ParameterizedTest
    @EnumSource(value = SchedulingPolicy.class, names = {"LOAD_AWARE", "REUSEPORT"})
    void reloadUnderKeepAliveHttpLoadFailsNoRequest(SchedulingPolicy policy) throws Exception {
        Cluster c = cluster(policy, 2);
        try {
            int port = start(c, 2);
            Set<String> before = pids(c);
            AtomicBoolean running = new AtomicBoolean(true);
            AtomicInteger ok = new AtomicInteger();
            AtomicInteger closedByOldWorkers = new AtomicInteger();
            List<String> failures = new CopyOnWriteArrayList<>();
            List<Thread> load = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                load.add(Thread.ofVirtual().start(() -> {
                    while (running.get()) {
                        try {
                            HttpResponse<String> r = http.send(request(port, "/"), HttpResponse.BodyHandlers.ofString());
                            if (r.statusCode() != 200) failures.add("status " + r.statusCode());
                            ok.incrementAndGet();
                            boolean close = r.headers().firstValue("connection").orElse("").equalsIgnoreCase("close");
                            if (close && before.contains(r.body().trim())) closedByOldWorkers.incrementAndGet();
                        } catch (Exception e) {
                            failures.add(e.toString());
                        }
                    }
                }));
            }
            Thread.sleep(500);
            ReloadResult result = c.reload().get(90, TimeUnit.SECONDS);
            Thread.sleep(500);
            running.set(false);
            for (Thread t : load) t.join();
            assertThat(result.succeeded()).as(result.toString()).isTrue();
            assertThat(failures).as("failures among " + ok.get() + " requests").isEmpty();
            assertThat(ok.get()).isGreaterThan(100);
            // Keep-alive clients of a draining worker were told to go elsewhere rather than cut off.
            assertThat(closedByOldWorkers.get()).as("Connection: close answers from draining workers").isPositive();
            assertThat(pids(c)).doesNotContainAnyElementsOf(before);
        } finally {
            c.disconnect().get(30, TimeUnit.SECONDS);
        }
    }

    @ParameterizedTest
    @EnumSource(value = SchedulingPolicy.class, names = {"SHARED", "ROUND_ROBIN"})
    void drainLetsTheRequestInProgressFinishThenClosesItsConnection(SchedulingPolicy policy) throws Exception {
        Cluster c = cluster(policy, 1);
        try {
            int port = start(c, 1);
            String pid = pids(c).iterator().next();
            CompletableFuture<HttpResponse<String>> slow =
                    http.sendAsync(request(port, "/slow?ms=1500"), HttpResponse.BodyHandlers.ofString());
            Thread.sleep(500); // the request is being handled
            var worker = c.workers().values().iterator().next();
            CompletableFuture<?> stopped = c.disconnect();
            HttpResponse<String> r = slow.get(10, TimeUnit.SECONDS);
            assertThat(r.statusCode()).isEqualTo(200);
            assertThat(r.body().trim()).isEqualTo(pid);
            assertThat(r.headers().firstValue("connection")).hasValue("close");
            stopped.get(30, TimeUnit.SECONDS);
            assertThat(worker.process().onExit().get(10, TimeUnit.SECONDS).success()).isTrue();
        } finally {
            c.disconnect().get(30, TimeUnit.SECONDS);
        }
    }
}
