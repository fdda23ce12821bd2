package dev.forkd.examples.spring;

import dev.forkd.cluster.Cluster;
import dev.forkd.cluster.ClusterSettings;
import java.time.Duration;

/**
 * {@link HelloApp} as a forkd cluster: this primary forks N workers (default 2) that share {@code server.port}
 * (default 8080), respawns one that dies, and on SIGHUP (or {@code cluster.reload()} in code) replaces them one at a time
 * without a dropped request. Arguments are passed on to the workers as Boot arguments.
 *
 * {@snippet :
 * java --enable-native-access=ALL-UNNAMED --add-opens java.base/sun.nio.ch=ALL-UNNAMED \
 *      -cp "$CP" -Dworkers=2 dev.forkd.examples.spring.ClusterMain --server.port=8080
 * }
 */
public final class ClusterMain {
    private ClusterMain() {}

    /** The cluster's settings: workers run {@link HelloApp} with {@code args}. */
    public static ClusterSettings settings(int workers, String... args) {
        return ClusterSettings.of(HelloApp.class.getName(), args).workers(workers).readyTimeout(Duration.ofSeconds(60));
    }

    public static void main(String[] args) throws Exception {
        int workers = Integer.getInteger("workers", 2);
        Cluster cluster = Cluster.setupPrimary(settings(workers, args));
        java.util.concurrent.atomic.AtomicInteger listening = new java.util.concurrent.atomic.AtomicInteger();
        cluster.onEvent(e -> {
            System.out.println("forkd: " + e);
            if (e instanceof dev.forkd.cluster.ClusterEvent.Listening && listening.incrementAndGet() == workers) {
                System.out.println("cluster: " + workers + " workers ready");
            }
        });
        // SIGHUP: replace the workers one at a time (jdk.unsupported's signal API, as forkd-examples' ClusterDemo).
        sun.misc.Signal.handle(new sun.misc.Signal("HUP"), sig -> Thread.ofVirtual().start(() -> {
            long t0 = System.nanoTime();
            var r = cluster.reload().join();
            System.out.println((r.succeeded() ? "reload done" : "reload stopped: " + r.failure().orElse("?"))
                    + " in " + (System.nanoTime() - t0) / 1_000_000 + " ms");
        }));
        cluster.start();
        Thread.currentThread().join(); // until SIGTERM: the workers drain through Boot's graceful shutdown
    }
}
