package dev.forkd.examples.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import dev.forkd.ChildProcesses;
import dev.forkd.ExitStatus;
import dev.forkd.ForkOptions;
import dev.forkd.examples.Main;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The demo on a port another process holds: it says why and exits non-zero, at once, instead of idling. */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class ClusterDemoFailureTest {
    @Test
    void aTakenPortEndsTheDemoWithTheReason() throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 50, InetAddress.getByName("0.0.0.0"))) {
            int port = taken.getLocalPort();
            var primary = ChildProcesses.fork(ForkOptions.of(Main.class.getName(),
                    "cluster", "--port", Integer.toString(port), "--workers", "2").silent(true));
            var stdout = new java.io.ByteArrayOutputStream();
            var stderr = new java.io.ByteArrayOutputStream();
            Thread out = Thread.ofVirtual().start(() -> copy(primary.stdout(), stdout));
            Thread err = Thread.ofVirtual().start(() -> copy(primary.stderr(), stderr));
            ExitStatus st = primary.waitFor(Duration.ofSeconds(60));
            out.join();
            err.join();
            assertThat(st).isEqualTo(new ExitStatus.Exited(1));
            assertThat(stdout.toString()).contains("giving up: cannot listen on ").contains("Address already in use");
            assertThat(stdout.toString()).doesNotContain("starting a new worker");
            assertThat(stderr.toString()).contains("the cluster gave up: cannot listen on ");
        }
    }

    private static void copy(java.io.InputStream in, java.io.OutputStream to) {
        try (in) {
            in.transferTo(to);
        } catch (java.io.IOException ignored) {
            // the test reads what arrived
        }
    }
}
