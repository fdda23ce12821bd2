package dev.forkd.cluster;

import static dev.forkd.cluster.ClusterTest.events;
import static dev.forkd.cluster.ClusterTest.next;
import static dev.forkd.cluster.ClusterTest.request;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.forkd.ForkOptions;
import dev.forkd.fixture.ClusterWorker;
import java.io.IOException;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** A primary whose workers cannot serve: it says so, refuses clients, and holds nothing for ever (issue 11). */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class ClusterFailureTest {
    private final List<Cluster> clusters = new ArrayList<>();

    @AfterEach
    void stopClusters() throws Exception {
        for (Cluster c : clusters) c.disconnect().get(30, TimeUnit.SECONDS);
    }

    private Cluster cluster(int workers, RestartPolicy restart, Duration queueTimeout, Path failMarker, String... args) {
        ForkOptions fork = ForkOptions.of(ClusterWorker.class.getName(), args)
                .execArgv("-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-Xshare:auto");
        if (failMarker != null) fork = fork.env("FORKD_TEST_FAIL_IF_EXISTS", failMarker.toString());
        Cluster c = Cluster.setupPrimary(ClusterSettings.of(fork).workers(workers).restartPolicy(restart)
                .shutdownGrace(Duration.ofSeconds(5)).queueTimeout(queueTimeout));
        clusters.add(c);
        return c;
    }

    @Test
    void aTakenPortMakesThePrimaryGiveUpAtOnceInsteadOfRespawning() throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 50, java.net.InetAddress.getByName("127.0.0.1"))) {
            Cluster c = cluster(2, RestartPolicy.defaults().backoff(Duration.ofMillis(10), Duration.ofMillis(50)),
                    Duration.ofSeconds(30), null, Integer.toString(taken.getLocalPort()), "127.0.0.1");
            BlockingQueue<ClusterEvent> q = events(c);
            c.start();
            ClusterEvent.GaveUp g = next(q, ClusterEvent.GaveUp.class);
            assertThat(g.reason()).startsWith("cannot listen on 127.0.0.1:" + taken.getLocalPort() + ": ")
                    .contains("Address already in use");
            // Both workers fail to listen and exit; neither is replaced.
            List<ClusterEvent> seen = new ArrayList<>();
            int exits = 0;
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (exits < 2 && System.nanoTime() < deadline) {
                ClusterEvent e = q.poll(1, TimeUnit.SECONDS);
                if (e == null) continue;
                seen.add(e);
                if (e instanceof ClusterEvent.Exited) exits++;
            }
            assertThat(exits).as("exits among " + seen).isEqualTo(2);
            Thread.sleep(300);
            q.drainTo(seen);
            assertThat(seen).noneMatch(e -> e instanceof ClusterEvent.Respawning || e instanceof ClusterEvent.Forked);
            assertThat(c.workers()).isEmpty();
        }
    }

    @Test
    void afterGivingUpWithThePortOpenThePrimaryRefusesClients(@TempDir Path dir) throws Exception {
        Path marker = dir.resolve("fail");
        Cluster c = cluster(1, RestartPolicy.defaults().backoff(Duration.ofMillis(10), Duration.ofMillis(20))
                .crashLoop(2, Duration.ofMinutes(1)), Duration.ofSeconds(30), marker, "0", "127.0.0.1");
        BlockingQueue<ClusterEvent> q = events(c);
        c.start();
        int port = next(q, ClusterEvent.Listening.class).address().getPort();
        Files.createFile(marker); // every replacement dies at start from here on: a crash loop
        assertThatThrownBy(() -> request(port, "/crash")).isInstanceOf(IOException.class);
        assertThat(next(q, ClusterEvent.GaveUp.class).reason()).contains("crash loop");
        int before = openFds();
        for (int i = 0; i < 50 && connects(port); i++) Thread.sleep(100);
        assertThatThrownBy(() -> SocketChannel.open(new InetSocketAddress("127.0.0.1", port)).close())
                .isInstanceOf(ConnectException.class);
        assertThat(openFds()).isLessThanOrEqualTo(before);
    }

    @Test
    void connectionsNoWorkerTakesAreClosedAfterTheQueueTimeout() throws Exception {
        // One worker, which dies; its replacement comes only after a minute: meanwhile no worker can serve.
        Cluster c = cluster(1, RestartPolicy.defaults().backoff(Duration.ofSeconds(60), Duration.ofSeconds(60)),
                Duration.ofMillis(300), null, "0", "127.0.0.1");
        BlockingQueue<ClusterEvent> q = events(c);
        c.start();
        int port = next(q, ClusterEvent.Listening.class).address().getPort();
        assertThatThrownBy(() -> request(port, "/crash")).isInstanceOf(IOException.class);
        next(q, ClusterEvent.Respawning.class);
        int before = openFds();
        List<SocketChannel> clients = new ArrayList<>();
        for (int i = 0; i < 20; i++) clients.add(SocketChannel.open(new InetSocketAddress("127.0.0.1", port)));
        for (SocketChannel client : clients) {
            // The primary accepted it and, once the queue timeout passes with no worker, closes it: EOF here.
            try (client) {
                assertThat(client.read(ByteBuffer.allocate(16))).isEqualTo(-1);
            }
        }
        int after = openFds();
        for (int i = 0; i < 50 && after > before; i++) {
            Thread.sleep(20);
            after = openFds();
        }
        assertThat(after).as("fds after 20 clients timed out in the queue").isLessThanOrEqualTo(before);
    }

    private static boolean connects(int port) {
        try (SocketChannel s = SocketChannel.open(new InetSocketAddress("127.0.0.1", port))) {
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private static int openFds() throws IOException {
        try (Stream<Path> fds = Files.list(Paths.get("/proc/self/fd"))) {
            return (int) fds.count();
        }
    }
}
