package dev.forkd.jetty;

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
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Jetty workers in a real cluster, spoken to over real HTTP. */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class ClusterConnectorTest {
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private static Cluster cluster(SchedulingPolicy policy) {
        return Cluster.setupPrimary(ClusterSettings.of(ForkOptions.of(JettyWorker.class.getName(), "0")
                        .execArgv("-XX:TieredStopAtLevel=1"))
                .workers(2).schedulingPolicy(policy).restartPolicy(RestartPolicy.never())
                .shutdownGrace(Duration.ofSeconds(5)));
    }

    private static int awaitListening(BlockingQueue<ClusterEvent> q, int workers) throws InterruptedException {
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

    private String get(int port) throws Exception {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/"))
                .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).isEqualTo(200);
        return r.body().trim();
    }

    @ParameterizedTest
    @EnumSource(SchedulingPolicy.class)
    void jettyWorkersServeHttpUnderEveryPolicy(SchedulingPolicy policy) throws Exception {
        Cluster c = cluster(policy);
        BlockingQueue<ClusterEvent> q = new LinkedBlockingQueue<>();
        c.onEvent(q::add);
        c.start();
        try {
            int port = awaitListening(q, 2);
            Set<String> expected = new HashSet<>();
            c.workers().values().forEach(w -> expected.add("pid " + w.process().pid()));
            Set<String> seen = ConcurrentSet.of();
            for (int i = 0; i < 100 && seen.size() < 2; i++) {
                // fresh connections (a new client each round) so that every policy gets a chance to spread
                HttpClient fresh = HttpClient.newHttpClient();
                List<Thread> ts = new ArrayList<>();
                for (int k = 0; k < 4; k++) {
                    ts.add(Thread.ofVirtual().start(() -> {
                        try {
                            seen.add(fresh.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/"))
                                    .build(), HttpResponse.BodyHandlers.ofString()).body().trim());
                        } catch (Exception e) {
                            throw new RuntimeException(e);
                        }
                    }));
                }
                for (Thread t : ts) t.join();
                fresh.close();
            }
            assertThat(seen).isEqualTo(expected);
        } finally {
            c.disconnect().get(30, TimeUnit.SECONDS);
        }
    }

    @Test
    void reloadUnderHttpLoadFailsNoRequest() throws Exception {
        Cluster c = cluster(SchedulingPolicy.LOAD_AWARE);
        BlockingQueue<ClusterEvent> q = new LinkedBlockingQueue<>();
        c.onEvent(q::add);
        c.start();
        try {
            int port = awaitListening(q, 2);
            AtomicBoolean running = new AtomicBoolean(true);
            AtomicInteger ok = new AtomicInteger();
            List<String> failures = new CopyOnWriteArrayList<>();
            List<Thread> load = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                load.add(Thread.ofVirtual().start(() -> {
                    while (running.get()) {
                        try {
                            get(port);
                            ok.incrementAndGet();
                        } catch (Exception | AssertionError e) {
                            failures.add(e.toString());
                        }
                    }
                }));
            }
            Thread.sleep(500);
            ReloadResult r = c.reload().get(90, TimeUnit.SECONDS);
            Thread.sleep(500);
            running.set(false);
            for (Thread t : load) t.join();
            assertThat(r.succeeded()).as(r.toString()).isTrue();
            assertThat(failures).as("failures among " + ok.get() + " requests").isEmpty();
            assertThat(ok.get()).isGreaterThan(100);
        } finally {
            c.disconnect().get(30, TimeUnit.SECONDS);
        }
    }

    /** A tiny thread-safe set. */
    static final class ConcurrentSet {
        static Set<String> of() {
            return java.util.concurrent.ConcurrentHashMap.newKeySet();
        }
    }
}
