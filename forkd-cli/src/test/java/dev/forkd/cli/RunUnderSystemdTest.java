package dev.forkd.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.forkd.ChildProcess;
import dev.forkd.ChildProcesses;
import dev.forkd.Command;
import dev.forkd.ExitStatus;
import dev.forkd.NotifyMessage;
import dev.forkd.NotifySocket;
import dev.forkd.Signal;
import dev.forkd.Stdio;
import dev.forkd.cli.daemon.Launch;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code forkd run} as a systemd service's main process: it announces its instances' readiness on the
 * {@code NOTIFY_SOCKET} it was given (here one the test binds), and serves a socket passed by socket
 * activation ({@code systemd-socket-activate}, Debian's systemd package, as the activator).
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class RunUnderSystemdTest {
    @TempDir
    Path tmp;
    private final List<ChildProcess> started = new ArrayList<>();

    @AfterEach
    void killLeftovers() throws Exception {
        for (ChildProcess p : started) {
            if (p.exitStatus().isEmpty()) p.kill(Signal.SIGKILL);
            p.waitFor(Duration.ofSeconds(30));
        }
    }

    private ChildProcess spawn(List<String> prefix, List<String> forkdArgs, String... env) throws Exception {
        List<String> argv = new ArrayList<>(prefix);
        argv.addAll(Launch.javaCommand());
        argv.add("run");
        argv.addAll(forkdArgs);
        Command c = Command.of(argv.getFirst(), argv.subList(1, argv.size()).toArray(String[]::new))
                .env("FORKD_HOME", tmp.resolve("home").toString()).stdin(Stdio.ignore());
        for (int i = 0; i < env.length; i += 2) c = c.env(env[i], env[i + 1]);
        ChildProcess p = ChildProcesses.spawn(c);
        started.add(p);
        return p;
    }

    private static NotifyMessage next(BlockingQueue<NotifyMessage> q, List<NotifyMessage> seen,
                                      Predicate<NotifyMessage> wanted, String what) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (System.nanoTime() < deadline) {
            NotifyMessage m = q.poll(1, TimeUnit.SECONDS);
            if (m == null) continue;
            seen.add(m);
            if (wanted.test(m)) return m;
        }
        throw new AssertionError("no " + what + "; received " + seen.stream().map(NotifyMessage::fields).toList());
    }

    @Test
    void underNotifySocketItAnnouncesReadyReloadingStoppingAndPingsTheWatchdog() throws Exception {
        try (NotifySocket socket = NotifySocket.bindAbstract()) {
            BlockingQueue<NotifyMessage> q = new LinkedBlockingQueue<>();
            socket.onMessage(q::add);
            List<NotifyMessage> seen = new ArrayList<>();
            ChildProcess forkd = spawn(List.of(), List.of("-i", "2", "--", "sh", "-c",
                            "echo \"up ${NOTIFY_SOCKET:+with-a-socket} wd=${WATCHDOG_USEC:-none}\"; trap 'exit 0' TERM;"
                                    + " while :; do sleep 0.1; done"),
                    "NOTIFY_SOCKET", socket.address(), "WATCHDOG_USEC", "200000");
            BufferedReader out = new BufferedReader(new InputStreamReader(forkd.stdout(), StandardCharsets.UTF_8));
            // Each instance has a NOTIFY_SOCKET (forkd's own, for --wait-ready) but not the watchdog's variables.
            assertThat(out.readLine()).isEqualTo("up with-a-socket wd=none");

            NotifyMessage ready = next(q, seen, NotifyMessage::isReady, "READY=1");
            assertThat(ready.status()).contains("2/2 instances online");
            next(q, seen, NotifyMessage::isWatchdogPing, "WATCHDOG=1");
            next(q, seen, NotifyMessage::isWatchdogPing, "WATCHDOG=1");

            forkd.kill(Signal.SIGHUP);
            NotifyMessage reloading = next(q, seen, NotifyMessage::isReloading, "RELOADING=1");
            assertThat(reloading.field("MONOTONIC_USEC")).hasValueSatisfying(v -> assertThat(v).matches("[0-9]+"));
            NotifyMessage reloaded = next(q, seen, NotifyMessage::isReady, "READY=1 after SIGHUP");
            assertThat(reloaded.status()).contains("2/2 instances online");

            forkd.kill(Signal.SIGTERM);
            NotifyMessage stopping = next(q, seen, NotifyMessage::isStopping, "STOPPING=1");
            assertThat(stopping.status()).contains("stopping");
            assertThat(forkd.waitFor(Duration.ofSeconds(60))).isEqualTo(new ExitStatus.Exited(0));

            List<String> states = new ArrayList<>();
            for (NotifyMessage m : seen) {
                if (m.isReady()) states.add("READY");
                if (m.isReloading()) states.add("RELOADING");
                if (m.isStopping()) states.add("STOPPING");
            }
            assertThat(states).containsExactly("READY", "RELOADING", "READY", "STOPPING");
            assertThat(seen).allSatisfy(m -> assertThat(m.pid()).isEqualTo(OptionalLong.of(forkd.pid())));
        }
    }

    /** Serves the listener on fd 3: answers each connection with its pid. */
    private static final String FD3_SERVER = """
            import socket
            s = socket.socket(fileno=3)
            while True:
                c, _ = s.accept()
                c.recv(1024)
                c.sendall(b"served by %d\\n" % __import__("os").getpid())
                c.close()
            """;

    @Test
    void socketActivatedItHandsTheInheritedListenerToItsInstances() throws Exception {
        if (!Files.isExecutable(Path.of("/usr/bin/systemd-socket-activate"))
                && !ChildProcesses.spawnSync(Command.of("sh", "-c", "command -v systemd-socket-activate")).status().success()) {
            org.junit.jupiter.api.Assumptions.abort("systemd-socket-activate is not installed (Debian's systemd package): skipped");
        }
        Path server = Files.writeString(tmp.resolve("fd3.py"), FD3_SERVER);
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        // No --port: the socket systemd-socket-activate binds and passes is the one the instances serve.
        ChildProcess activator = spawn(List.of("systemd-socket-activate", "-l", "127.0.0.1:" + port,
                        "-E", "FORKD_HOME=" + tmp.resolve("home"), "-E", "PATH=" + System.getenv("PATH")),
                List.of("-i", "2", "--", "python3", server.toString()));
        Set<String> servers = new HashSet<>();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (servers.size() < 2 && System.nanoTime() < deadline) {
            String reply = request(port); // the first connection is what makes the activator start forkd
            if (reply != null) servers.add(reply);
        }
        assertThat(servers).hasSize(2).allSatisfy(r -> assertThat(r).matches("served by \\d+"));
        activator.kill(Signal.SIGTERM); // it exec'd forkd: this is forkd's pid
        // The app dies of the SIGTERM forkd passes on; forkd exits as a shell reports that, 128 + 15.
        assertThat(activator.waitFor(Duration.ofSeconds(60))).isEqualTo(new ExitStatus.Exited(143));
    }

    /** One request; null if the connection failed or ended without a reply (forkd still starting). */
    private static String request(int port) throws InterruptedException {
        try (SocketChannel c = SocketChannel.open(new InetSocketAddress("127.0.0.1", port))) {
            c.write(ByteBuffer.wrap("hi\n".getBytes(StandardCharsets.UTF_8)));
            ByteBuffer buf = ByteBuffer.allocate(256);
            while (c.read(buf) >= 0) {
                if (buf.position() > 0 && buf.get(buf.position() - 1) == '\n') break;
            }
            String reply = new String(buf.array(), 0, buf.position(), StandardCharsets.UTF_8).trim();
            return reply.isEmpty() ? null : reply;
        } catch (IOException e) {
            Thread.sleep(50);
            return null;
        }
    }
}
