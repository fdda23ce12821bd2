package dev.forkd.examples.spring;

import static org.assertj.core.api.Assertions.assertThat;

import dev.forkd.cluster.Cluster;
import dev.forkd.cluster.ClusterEvent;
import dev.forkd.cluster.ReloadResult;
import dev.forkd.spring.HttpLoad;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The example as a README would run it: HelloApp on Tomcat as a 2-worker forkd cluster. */
@Timeout(value = 150, unit = TimeUnit.SECONDS)
class SpringClusterTest {
    @Test
    void twoBootWorkersServeACrashedOneIsRespawnedAndAReloadUnderLoadFailsNoRequest() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        Cluster cluster = Cluster.setupPrimary(ClusterMain.settings(2, "--server.port=" + port,
                "--server.address=127.0.0.1", "--spring.main.banner-mode=off", "--logging.level.root=WARN"));
        BlockingQueue<ClusterEvent> events = new LinkedBlockingQueue<>();
        cluster.onEvent(events::add);
        try {
            cluster.start();
            awaitListening(events, 2);

            Set<String> pids = new HashSet<>();
            for (int i = 0; i < 40 && pids.size() < 2; i++) {
                try (HttpLoad.Client c = new HttpLoad.Client(port)) { // a new connection each: round robin
                    pids.add(c.get("/"));
                }
            }
            assertThat(pids).as("distinct workers").hasSize(2);
            try (HttpLoad.Client c = new HttpLoad.Client(port)) {
                assertThat(c.get("/sum?n=1000")).isEqualTo("500500\n");
                assertThat(c.get("/crash")).startsWith("crashing ");
            }
            // The crashed worker exits and a new one takes its place.
            ClusterEvent e;
            do {
                e = events.poll(60, TimeUnit.SECONDS);
            } while (e != null && !(e instanceof ClusterEvent.Exited));
            assertThat(e).isInstanceOf(ClusterEvent.Exited.class);
            awaitListening(events, 1);
            assertThat(cluster.workers()).hasSize(2);

            HttpLoad load = new HttpLoad(port, "/", 4);
            Thread.sleep(300);
            ReloadResult reload = cluster.reload().get(120, TimeUnit.SECONDS);
            Thread.sleep(300);
            load.stop();
            assertThat(reload.succeeded()).as(reload.toString()).isTrue();
            assertThat(reload.replaced()).hasSize(2);
            assertThat(load.failed.get()).as("failed requests: " + load).isZero();
            assertThat(load.ok.get()).isGreaterThan(100);
        } finally {
            cluster.disconnect().get(30, TimeUnit.SECONDS);
        }
    }

    private static void awaitListening(BlockingQueue<ClusterEvent> events, int n) throws InterruptedException {
        for (int seen = 0; seen < n; ) {
            ClusterEvent e = events.poll(90, TimeUnit.SECONDS);
            assertThat(e).as("a worker listening").isNotNull();
            if (e instanceof ClusterEvent.Listening) seen++;
        }
    }
}
