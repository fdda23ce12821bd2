package dev.forkd.spring;

import static org.assertj.core.api.Assertions.assertThat;

import dev.forkd.ForkOptions;
import dev.forkd.cluster.Cluster;
import dev.forkd.cluster.ClusterEvent;
import dev.forkd.cluster.ClusterSettings;
import dev.forkd.cluster.ReloadResult;
import dev.forkd.spring.app.TestApp;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * A Boot app with the starter, as the worker of a forkd cluster primary in this JVM: it serves the cluster
 * port with Boot's own server, counts as listening once Boot says it is ready, and a reload under load fails
 * no request. One worker per server keeps the JVM starts (Boot's are slow) to two per server.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class ClusterWorkerTest {
    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    static ForkOptions app(BootServer server, int port) {
        return ForkOptions.of(TestApp.class.getName(), "--server.port=" + port, "--server.address=127.0.0.1",
                        "--spring.main.banner-mode=off", "--logging.level.root=WARN")
                .classPath(server.classPath()).execArgv("-XX:TieredStopAtLevel=1", "-Xshare:auto");
    }

    @ParameterizedTest
    @EnumSource(BootServer.class)
    void aBootWorkerServesTheClusterPortAndAReloadUnderLoadFailsNoRequest(BootServer server) throws Exception {
        int port = freePort();
        Cluster cluster = Cluster.setupPrimary(ClusterSettings.of(app(server, port)).workers(1)
                .readyTimeout(Duration.ofSeconds(90)));
        CompletableFuture<ClusterEvent.Listening> listening = new CompletableFuture<>();
        cluster.onEvent(e -> {
            if (e instanceof ClusterEvent.Listening l) listening.complete(l);
        });
        try {
            cluster.start();
            assertThat(listening.get(90, TimeUnit.SECONDS).address().getPort()).isEqualTo(port);
            String first;
            try (HttpLoad.Client c = new HttpLoad.Client(port)) {
                first = c.get("/");
            }
            assertThat(first).matches("hello from \\d+ on " + server.webServer + "\n");
            long firstPid = cluster.workers().values().iterator().next().process().pid();
            assertThat(first).contains("from " + firstPid + " ");

            HttpLoad load = new HttpLoad(port, "/", 4);
            Thread.sleep(300);
            ReloadResult reload = cluster.reload().get(100, TimeUnit.SECONDS);
            Thread.sleep(300);
            load.stop();

            assertThat(reload.succeeded()).as(reload.toString()).isTrue();
            assertThat(reload.replaced()).hasSize(1);
            assertThat(load.failed.get()).as("failed requests: " + load).isZero();
            assertThat(load.ok.get()).isGreaterThan(50);
            try (HttpLoad.Client c = new HttpLoad.Client(port)) {
                assertThat(c.get("/")).startsWith("hello from ").doesNotContain("from " + firstPid + " ");
            }
        } finally {
            cluster.disconnect().get(30, TimeUnit.SECONDS);
        }
    }
}
