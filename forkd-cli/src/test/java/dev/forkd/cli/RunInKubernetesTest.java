package dev.forkd.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.forkd.ChildProcess;
import dev.forkd.ChildProcesses;
import dev.forkd.Command;
import dev.forkd.ExitStatus;
import dev.forkd.Signal;
import dev.forkd.Stdio;
import dev.forkd.cli.daemon.Launch;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The parts of docs/kubernetes.md, tested on one machine: {@code forkd run} as a container's PID 1 (a PID
 * namespace of its own, made by {@code unshare}), the drain a pod's SIGTERM starts, and the readiness probe.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class RunInKubernetesTest {
    @TempDir
    Path tmp;
    private final List<ChildProcess> started = new ArrayList<>();
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    @AfterEach
    void killLeftovers() throws Exception {
        for (ChildProcess p : started) {
            if (p.exitStatus().isEmpty()) p.kill(Signal.SIGKILL);
            p.waitFor(Duration.ofSeconds(30));
        }
        http.close();
    }

    private ChildProcess forkdRun(List<String> prefix, String... args) throws Exception {
        List<String> argv = new ArrayList<>(prefix);
        argv.addAll(Launch.javaCommand());
        argv.add("run");
        argv.addAll(List.of(args));
        ChildProcess p = ChildProcesses.spawn(Command.of(argv.getFirst(), argv.subList(1, argv.size()).toArray(String[]::new))
                .env("FORKD_HOME", tmp.resolve("home").toString()).stdin(Stdio.ignore()));
        started.add(p);
        return p;
    }

    private static boolean canUnsharePid() {
        try {
            return ChildProcesses.spawnSync(Command.of("unshare", "--pid", "--fork", "--mount-proc", "true")).status().success();
        } catch (IOException | InterruptedException e) {
            return false;
        }
    }

    /** Polls until {@code found} yields a match, for at most a minute; fails naming {@code what}. */
    private static <T> T await(java.util.function.Supplier<T> poll, Predicate<T> found, String what) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        T last = null;
        while (System.nanoTime() < deadline) {
            last = poll.get();
            if (last != null && found.test(last)) return last;
            Thread.sleep(50);
        }
        throw new AssertionError("no " + what + " (last: " + last + ")");
    }

    private static List<Long> children(long pid) {
        return ProcessHandle.of(pid).map(h -> h.children().map(ProcessHandle::pid).toList()).orElse(List.of());
    }

    @Test
    void asPid1ItReapsOrphansForwardsSigtermAndExitsWithTheAppsStatus() throws Exception {
        assumeTrue(canUnsharePid(), "unshare --pid --fork --mount-proc is not permitted here (needs root or user"
                + " namespaces): skipped");
        Path go = tmp.resolve("go");
        // The app leaves an orphan behind (its subshell exits at once), which waits for the test's go-ahead and
        // exits: as PID 1 of the namespace, forkd is its parent and must reap it.
        ChildProcess unshare = forkdRun(List.of("unshare", "--pid", "--fork", "--mount-proc"), "--restart", "never",
                "--", "sh", "-c", "(sh -c 'while [ ! -e " + go + " ]; do sleep 0.05; done' &); trap 'echo bye; exit 7' TERM;"
                        + " echo \"up as $$ under $PPID\"; while :; do sleep 0.1; done");
        BufferedReader out = new BufferedReader(new InputStreamReader(unshare.stdout(), StandardCharsets.UTF_8));
        assertThat(out.readLine()).as("the app is forkd's child, and forkd is PID 1").matches("up as \\d+ under 1");

        long forkd = await(() -> children(unshare.pid()).stream().findFirst().orElse(null), p -> true, "forkd under unshare");
        assertThat(Files.readString(Path.of("/proc/" + forkd + "/status"))).containsPattern("NSpid:\\s+\\d+\\s+1\\n");
        List<Long> both = await(() -> children(forkd), c -> c.size() == 2, "the app and the orphan, reparented to forkd");
        long orphan = both.stream().filter(p -> !cmdline(p).contains("trap")).findFirst().orElseThrow();
        assertThat(cmdline(orphan)).contains("while [ ! -e");
        Files.createFile(go);
        // Reaped, not a zombie: its /proc entry goes away entirely.
        await(() -> Files.exists(Path.of("/proc/" + orphan)), exists -> !exists, "the orphan reaped");

        signal(forkd, Signal.SIGTERM); // as a container runtime stops a container: SIGTERM to its PID 1
        assertThat(out.readLine()).isEqualTo("bye");
        assertThat(unshare.waitFor(Duration.ofSeconds(60))).as("unshare exits with forkd's status, forkd with the app's")
                .isEqualTo(new ExitStatus.Exited(7));
    }

    private static String cmdline(long pid) {
        try {
            return new String(Files.readAllBytes(Path.of("/proc/" + pid + "/cmdline")), StandardCharsets.UTF_8).replace('\0', ' ');
        } catch (IOException gone) {
            return "";
        }
    }

    private static void signal(long pid, Signal signal) throws Exception {
        assertThat(ChildProcesses.spawnSync(Command.of("kill", "-" + signal.number(), Long.toString(pid))).status().success()).isTrue();
    }

    /**
     * A server on the listener forkd passes as fd 3: says READY=1 once the file READY_GO exists; "/slow" is
     * answered once the file RELEASE exists; SIGTERM stops accepting, lets the requests in flight finish and
     * exits 0. It prints what it does on stdout.
     */
    private static final String DRAINING_SERVER = """
            import os, signal, socket, sys, threading, time
            class Drain(Exception): pass
            def wait_for(path):
                while not os.path.exists(path): time.sleep(0.02)
            def term(*_):
                raise Drain()
            listener = socket.socket(fileno=3)
            wait_for(os.environ["READY_GO"])
            socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM).sendto(b"READY=1", os.environ["NOTIFY_SOCKET"])
            def serve(c):
                path = c.recv(1024).decode().strip()
                print("serving " + path, flush=True)
                if path == "/slow": wait_for(os.environ["RELEASE"])
                c.sendall(("done " + path + "\\n").encode())
                c.close()
            signal.signal(signal.SIGTERM, term)
            threads = []
            try:
                while True:
                    c, _ = listener.accept()
                    t = threading.Thread(target=serve, args=(c,))
                    t.start()
                    threads.append(t)
            except Drain:
                print("draining", flush=True)
            listener.close()
            for t in threads: t.join()
            print("drained", flush=True)
            sys.exit(0)
            """;

    @Test
    void theProbeFollowsReadinessAndSigtermDrainsTheInFlightRequestWithinTheGrace() throws Exception {
        Path server = Files.writeString(tmp.resolve("draining.py"), DRAINING_SERVER);
        Path readyGo = tmp.resolve("ready-go");
        Path release = tmp.resolve("release");
        int port = CliFixture.freePort();
        int health = CliFixture.freePort();
        ChildProcess forkd = forkdRun(List.of(), "--port", Integer.toString(port), "--host", "127.0.0.1",
                "--health-port", Integer.toString(health), "--wait-ready", "--kill-timeout", "60s",
                "--env", "READY_GO=" + readyGo, "--env", "RELEASE=" + release, "--", "python3", server.toString());
        BufferedReader out = new BufferedReader(new InputStreamReader(forkd.stdout(), StandardCharsets.UTF_8));

        HttpResponse<String> notYet = await(() -> probe(health, "/readyz"), r -> true, "an answer from /readyz");
        assertThat(notYet.statusCode()).as(notYet.body()).isEqualTo(503);
        assertThat(notYet.body()).isEqualTo("0/1 instances online; instance 0 starting\n");
        assertThat(probe(health, "/livez").statusCode()).isEqualTo(200);
        Files.createFile(readyGo);
        HttpResponse<String> ready = await(() -> probe(health, "/readyz"), r -> r.statusCode() == 200, "/readyz 200");
        assertThat(ready.body()).isEqualTo("1/1 instances online\n");

        CompletableFuture<String> slow = CompletableFuture.supplyAsync(() -> request(port, "/slow"));
        assertThat(out.readLine()).isEqualTo("serving /slow");
        forkd.kill(Signal.SIGTERM); // the pod is deleted: the kubelet's SIGTERM
        HttpResponse<String> stopping = await(() -> probe(health, "/readyz"), r -> r.statusCode() == 503, "/readyz 503");
        assertThat(stopping.body()).isEqualTo("stopping\n");
        assertThat(out.readLine()).as("forkd passed SIGTERM on to the app").isEqualTo("draining");
        assertThat(slow).isNotDone(); // still in flight: it is answered only once released
        Files.createFile(release);
        assertThat(slow.get(60, TimeUnit.SECONDS)).isEqualTo("done /slow");
        assertThat(out.readLine()).isEqualTo("drained");
        // Exit 0 is the app's own: had it outlived the grace (--kill-timeout), SIGKILL would make it 137.
        assertThat(forkd.waitFor(Duration.ofSeconds(60))).isEqualTo(new ExitStatus.Exited(0));
    }

    /** GET on the health port; null while nothing answers there. */
    private HttpResponse<String> probe(int port, String path) {
        try {
            return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                    .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        }
    }

    private static String request(int port, String path) {
        try (SocketChannel c = SocketChannel.open(new InetSocketAddress("127.0.0.1", port))) {
            c.write(ByteBuffer.wrap((path + "\n").getBytes(StandardCharsets.UTF_8)));
            ByteBuffer buf = ByteBuffer.allocate(256);
            while (c.read(buf) >= 0) {
                if (buf.position() > 0 && buf.get(buf.position() - 1) == '\n') break;
            }
            return new String(buf.array(), 0, buf.position(), StandardCharsets.UTF_8).trim();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
