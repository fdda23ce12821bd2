package dev.forkd.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.forkd.ChildProcess;
import dev.forkd.ChildProcesses;
import dev.forkd.Command;
import dev.forkd.ForkOptions;
import dev.forkd.Signal;
import dev.forkd.Stdio;
import dev.forkd.fixture.ActivatedPrimary;
import java.io.BufferedReader;
import java.io.File;
import java.io.InputStreamReader;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A primary started by systemd's socket activation ({@code systemd-socket-activate}, Debian's systemd package,
 * as the activator) serves the sockets it inherited instead of binding: by their port, by their names, and
 * as the fd a Node worker names with {@code listen({fd: 3})}.
 */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class SocketActivatedPrimaryTest {
    private static Path activator() {
        for (String dir : System.getenv().getOrDefault("PATH", "/usr/bin:/bin").split(File.pathSeparator)) {
            Path p = Path.of(dir, "systemd-socket-activate");
            if (Files.isExecutable(p)) return p;
        }
        assumeTrue(false, "systemd-socket-activate is not installed: socket activation skipped");
        return null;
    }

    private static int freePort() throws Exception {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    /** Starts the primary under the activator; returns it once it printed "ready", with its "listening" lines. */
    private static ChildProcess activated(int firstPort, List<String> activatorArgs, List<String> primaryArgs,
                                          Map<Long, Integer> ports) throws Exception {
        List<String> argv = new ArrayList<>(activatorArgs);
        argv.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        argv.addAll(List.of(ForkOptions.NATIVE_ACCESS, ForkOptions.ADD_OPENS, "-XX:TieredStopAtLevel=1",
                "-cp", System.getProperty("java.class.path"), ActivatedPrimary.class.getName()));
        argv.addAll(primaryArgs);
        ChildProcess p = ChildProcesses.spawn(Command.of(activator().toString(), argv.toArray(String[]::new))
                .stdio(Stdio.ignore(), Stdio.pipe(), Stdio.inherit()));
        // systemd-socket-activate starts its program at the first connection, as systemd does: make one (the
        // primary hands it to a worker later, which answers a client that is gone).
        for (int n = 0; ; n++) {
            try (java.nio.channels.SocketChannel poke = java.nio.channels.SocketChannel.open(
                    new java.net.InetSocketAddress(InetAddress.getLoopbackAddress(), firstPort))) {
                break;
            } catch (java.io.IOException notYet) {
                if (n == 200) throw notYet;
                Thread.sleep(50); // the activator is not listening yet
            }
        }
        BufferedReader out = new BufferedReader(new InputStreamReader(p.stdout(), StandardCharsets.UTF_8));
        String line;
        while ((line = out.readLine()) != null && !line.equals("ready")) {
            assertThat(line).startsWith("listening ");
            String[] f = line.split(" ");
            ports.put(Long.parseLong(f[1]), Integer.parseInt(f[2]));
        }
        assertThat(line).as("the primary's last line").isEqualTo("ready");
        return p;
    }

    private static void stop(ChildProcess primary) throws Exception {
        primary.kill(Signal.SIGTERM); // the primary drains its workers and exits
        assertThat(primary.waitFor(java.time.Duration.ofSeconds(30))).isNotNull();
    }

    @Test
    void anActivatedPrimaryServesTheInheritedSocketToWorkersThatAskForItsPort() throws Exception {
        int port = freePort();
        boolean node = NodeWorkersTest.nodeInstalled();
        List<String> primaryArgs = new ArrayList<>(List.of(Integer.toString(port)));
        if (node) primaryArgs.add(NodeWorkersTest.script("fd-server.js").toString());
        Map<Long, Integer> listening = new HashMap<>();
        ChildProcess primary = activated(port, List.of("-l", "127.0.0.1:" + port), primaryArgs, listening);
        try {
            // The JVM worker asked for the port, the Node worker (if any) for the primary's fd 3: both got it.
            assertThat(listening.values()).containsOnly(port).hasSize(node ? 2 : 1);
            Set<Long> seen = new HashSet<>();
            for (int n = 0; n < 200 && seen.size() < listening.size(); n++) {
                seen.add(Long.parseLong(ClusterTest.request(port, "/a").split(" ")[0]));
            }
            assertThat(seen).isEqualTo(listening.keySet());
        } finally {
            stop(primary);
        }
    }

    @Test
    void namedSocketsServeThePortsTheirNamesAreMappedTo() throws Exception {
        int web = freePort();
        int admin = freePort();
        Map<Long, Integer> listening = new HashMap<>();
        ChildProcess primary = activated(web, List.of("-l", "127.0.0.1:" + web, "-l", "127.0.0.1:" + admin,
                "--fdname=web:admin"), List.of("named"), listening);
        try {
            // Workers asked for 8080 and 8081; clients reach them where systemd listens.
            assertThat(listening.values()).containsExactlyInAnyOrder(web, admin);
            Map<Integer, Long> byPort = new HashMap<>();
            listening.forEach((pid, p) -> byPort.put(p, pid));
            for (int i = 0; i < 5; i++) {
                assertThat(ClusterTest.request(web, "/w")).isEqualTo(byPort.get(web) + " /w");
                assertThat(ClusterTest.request(admin, "/a")).isEqualTo(byPort.get(admin) + " /a");
            }
        } finally {
            stop(primary);
        }
    }

    @Test
    void aNameThisProcessDidNotInheritIsAClearError() {
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> ClusterSettings.of("x").listener(8080, "web"))
                .isInstanceOf(java.io.IOException.class)
                .hasMessage("no socket-activated listener named 'web': this process inherited none (LISTEN_FDS/LISTEN_PID)");
    }
}
