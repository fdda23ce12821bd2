package dev.forkd.jetty;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.forkd.ChildProcess;
import dev.forkd.ChildProcesses;
import dev.forkd.Command;
import dev.forkd.Signal;
import dev.forkd.Stdio;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** A socket-activated Jetty, started by systemd's own activator, serves the listener it inherits. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class InheritedConnectorTest {
    @Test
    void systemdSocketActivateStartsAJettyThatServesTheInheritedListener() throws Exception {
        Path activate = Path.of("/usr/bin/systemd-socket-activate");
        assumeTrue(Files.isExecutable(activate), "systemd-socket-activate is not installed: skipped");
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        ChildProcess activator = ChildProcesses.spawn(Command.of(activate.toString(), "-l", "127.0.0.1:" + port,
                "--fdname=web", java, "--enable-native-access=ALL-UNNAMED", "--add-opens",
                "java.base/sun.nio.ch=ALL-UNNAMED", "-cp", System.getProperty("java.class.path"),
                ActivatedJetty.class.getName()).stdio(Stdio.ignore(), Stdio.inherit(), Stdio.inherit()));
        try {
            HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
            String body = null;
            for (int n = 0; n < 100 && body == null; n++) {
                try {
                    body = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/"))
                            .timeout(Duration.ofSeconds(20)).build(), HttpResponse.BodyHandlers.ofString()).body();
                } catch (java.io.IOException notYet) {
                    Thread.sleep(100); // the activator is not listening yet
                }
            }
            // systemd-socket-activate execs the program, so the server's pid is the activator's.
            assertThat(body).isEqualTo("hello web from " + activator.pid() + "\n");
        } finally {
            activator.kill(Signal.SIGKILL);
            activator.waitFor();
        }
    }
}
