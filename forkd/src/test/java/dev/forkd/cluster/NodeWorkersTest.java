package dev.forkd.cluster;

import static dev.forkd.cluster.ClusterTest.events;
import static dev.forkd.cluster.ClusterTest.next;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.forkd.ChildProcesses;
import dev.forkd.Command;
import dev.forkd.ForkOptions;
import dev.forkd.Signal;
import dev.forkd.Stdio;
import dev.forkd.fixture.ClusterWorker;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Unmodified Node apps as the workers of a forkd primary: Node's own cluster protocol (online, queryServer,
 * listening, newconn with its ack, disconnect), beside JVM workers, through a reload under load.
 */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class NodeWorkersTest {
    private static boolean nodeAvailable;
    private final List<Cluster> clusters = new ArrayList<>();
    private final List<ServerSocketChannel> held = new ArrayList<>();

    @BeforeAll
    static void findNode() {
        try {
            nodeAvailable = ChildProcesses.execFileSync("node", "--version").status().success();
        } catch (Exception e) {
            nodeAvailable = false;
        }
    }

    static boolean nodeInstalled() {
        findNode();
        return nodeAvailable;
    }

    @AfterEach
    void stop() throws Exception {
        for (Cluster c : clusters) c.disconnect().get(30, TimeUnit.SECONDS);
        for (ServerSocketChannel s : held) s.close();
    }

    static Path script(String name) throws Exception {
        return Path.of(NodeWorkersTest.class.getResource("/dev/forkd/cluster/" + name).toURI());
    }

    private static Command node(String script, String... args) throws Exception {
        assumeTrue(nodeAvailable, "node is not installed: Node workers skipped");
        List<String> argv = new ArrayList<>(List.of(script(script).toString()));
        argv.addAll(List.of(args));
        return Command.of("node", argv.toArray(String[]::new));
    }

    private Cluster cluster(ClusterSettings settings) {
        Cluster c = Cluster.setupPrimary(settings.shutdownGrace(Duration.ofSeconds(5)));
        clusters.add(c);
        return c;
    }

    /** A listening socket on an ephemeral loopback port, as a supervisor that keeps the port would hold it. */
    private ServerSocketChannel heldListener() throws IOException {
        ServerSocketChannel s = ServerSocketChannel.open().bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        held.add(s);
        return s;
    }

    private static int port(ServerSocketChannel s) throws IOException {
        return ((InetSocketAddress) s.getLocalAddress()).getPort();
    }

    /** One HTTP/1.1 request on a connection of its own; the body. */
    static String get(int port) throws IOException {
        try (SocketChannel c = SocketChannel.open(new InetSocketAddress(InetAddress.getLoopbackAddress(), port))) {
            c.write(ByteBuffer.wrap("GET / HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"
                    .getBytes(StandardCharsets.US_ASCII)));
            ByteBuffer b = ByteBuffer.allocate(4096);
            while (c.read(b) >= 0) {
                if (!b.hasRemaining()) throw new IOException("reply too long");
            }
            String reply = new String(b.array(), 0, b.position(), StandardCharsets.US_ASCII);
            int body = reply.indexOf("\r\n\r\n");
            if (!reply.startsWith("HTTP/1.1 200 ") || body < 0) throw new IOException("bad reply: '" + reply + "'");
            return reply.substring(body + 4);
        }
    }

    private static Set<String> servers(int port, int distinct) throws Exception {
        Set<String> seen = new HashSet<>();
        for (int n = 0; n < 500 && seen.size() < distinct; n++) seen.add(get(port));
        return seen;
    }

    private static String pid(Worker w) {
        return Long.toString(w.process().pid());
    }

    @Test
    void theArticlesClusterExampleRunsUnmodifiedAsWorkersAndADeadOneIsReplaced() throws Exception {
        ServerSocketChannel listener = heldListener();
        // The example listens on port 3000: the primary serves that with a listener it was given.
        Cluster c = cluster(ClusterSettings.of(node("article-cluster.js").stdout(Stdio.pipe())).workers(2)
                .listener(3000, listener));
        BlockingQueue<ClusterEvent> q = events(c);
        c.start();
        List<Worker> workers = new ArrayList<>();
        for (int i = 0; i < 2; i++) {
            ClusterEvent.Listening l = next(q, ClusterEvent.Listening.class);
            assertThat(l.address().getPort()).as("where clients connect").isEqualTo(port(listener));
            workers.add(l.worker());
        }
        for (Worker w : workers) {
            String line = new BufferedReader(new InputStreamReader(w.process().stdout(), StandardCharsets.UTF_8)).readLine();
            assertThat(line).as("the example's own output").isEqualTo("server start " + pid(w));
        }
        Set<String> pids = Set.of(pid(workers.get(0)), pid(workers.get(1)));
        assertThat(servers(port(listener), 2)).isEqualTo(pids);

        Worker victim = workers.get(0);
        victim.kill(Signal.SIGKILL);
        ClusterEvent.Exited exited = next(q, ClusterEvent.Exited.class);
        assertThat(exited.worker()).isSameAs(victim);
        assertThat(victim.exitedAfterDisconnect()).isFalse();
        next(q, ClusterEvent.Respawning.class);
        Worker fresh = next(q, ClusterEvent.Listening.class).worker();
        assertThat(fresh.id()).isEqualTo(3);
        assertThat(servers(port(listener), 2)).isEqualTo(Set.of(pid(workers.get(1)), pid(fresh)));
        assertThat(c.workers()).containsOnlyKeys(workers.get(1).id(), fresh.id());
    }

    @Test
    void aSupervisorForksOneSilentNodeWorkerAtATimeAndDrainsItWithDisconnect() throws Exception {
        // The forkd command's supervisor drives a cluster this way: it holds the listener, never respawns,
        // reads each worker's output and takes its 'listening' as readiness.
        ServerSocketChannel listener = heldListener();
        Cluster c = cluster(ClusterSettings.of(node("article-cluster.js").stdout(Stdio.pipe()).stderr(Stdio.pipe()))
                .workers(1).restartPolicy(RestartPolicy.never()).listener(3000, listener));
        BlockingQueue<ClusterEvent> q = events(c);
        Worker w = c.fork(Map.of("INSTANCE", "0"));
        assertThat(next(q, ClusterEvent.Listening.class).worker()).isSameAs(w);
        assertThat(new BufferedReader(new InputStreamReader(w.process().stdout(), StandardCharsets.UTF_8)).readLine())
                .isEqualTo("server start " + pid(w));
        assertThat(get(port(listener))).isEqualTo(pid(w));
        assertThat(w.disconnect().get(30, TimeUnit.SECONDS).success()).isTrue();
        assertThat(w.exitedAfterDisconnect()).isTrue();
        assertThat(c.workers()).isEmpty();
        assertThat(listener.isOpen()).as("the cluster does not close a listener it was given").isTrue();
    }

    /** Sends a line, returns the reply line ("pid line"). */
    static String line(int port, String text) throws IOException {
        return ClusterTest.request(port, text);
    }

    @ParameterizedTest
    @EnumSource(SchedulingPolicy.class)
    void nodeAndJvmWorkersServeOnePortTogether(SchedulingPolicy policy) throws Exception {
        Cluster c = cluster(ClusterSettings.of(ForkOptions.of(ClusterWorker.class.getName(), "0", "127.0.0.1")
                        .execArgv("-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-Xshare:auto"))
                .schedulingPolicy(policy).restartPolicy(RestartPolicy.never()));
        BlockingQueue<ClusterEvent> q = events(c);
        Worker jvm = c.fork();
        ClusterEvent.Listening first = next(q, ClusterEvent.Listening.class);
        int port = first.address().getPort();
        Worker node = c.fork(node("line-server.js", "0", "127.0.0.1"));
        ClusterEvent.Listening second = next(q, ClusterEvent.Listening.class);
        assertThat(second.worker()).isSameAs(node);
        assertThat(second.address().getPort()).as("listen(0) is one port for all, as in Node").isEqualTo(port);
        Set<String> seen = new HashSet<>();
        for (int n = 0; n < 400 && seen.size() < 2; n++) seen.add(line(port, "/x").split(" ")[0]);
        assertThat(seen).containsExactlyInAnyOrder(pid(jvm), pid(node));
    }

    @Test
    void aReloadOfNodeWorkersUnderLoadFailsNoRequest() throws Exception {
        ServerSocketChannel listener = heldListener();
        int port = port(listener);
        Cluster c = cluster(ClusterSettings.of(node("article-cluster.js").stdout(Stdio.ignore())).workers(2)
                .listener(3000, listener));
        BlockingQueue<ClusterEvent> q = events(c);
        c.start();
        next(q, ClusterEvent.Listening.class);
        next(q, ClusterEvent.Listening.class);
        List<Worker> before = List.copyOf(c.workers().values());
        AtomicBoolean running = new AtomicBoolean(true);
        AtomicInteger ok = new AtomicInteger();
        List<String> errors = new CopyOnWriteArrayList<>();
        Set<String> servedBy = java.util.concurrent.ConcurrentHashMap.newKeySet();
        Thread[] load = new Thread[4];
        for (int t = 0; t < load.length; t++) {
            load[t] = Thread.ofVirtual().start(() -> {
                while (running.get()) {
                    try {
                        servedBy.add(get(port));
                        ok.incrementAndGet();
                    } catch (IOException e) {
                        errors.add(e.toString());
                    }
                }
            });
        }
        while (ok.get() < 50) Thread.sleep(20);
        ReloadResult result = c.reload().get(60, TimeUnit.SECONDS);
        int atReload = ok.get();
        while (ok.get() < atReload + 50) Thread.sleep(20);
        running.set(false);
        for (Thread t : load) t.join();
        assertThat(result.succeeded()).as(String.valueOf(result.failure())).isTrue();
        assertThat(result.replaced()).hasSize(2);
        for (Worker w : before) {
            assertThat(w.isDead()).isTrue();
            assertThat(w.exitedAfterDisconnect()).isTrue();
            assertThat(w.process().exitStatus().orElseThrow().success()).as("a Node worker drains and exits 0").isTrue();
        }
        List<String> after = c.workers().values().stream().map(NodeWorkersTest::pid).toList();
        assertThat(after).hasSize(2);
        assertThat(servedBy).containsAll(after);
        assertThat(errors).as("failed requests of " + (ok.get() + errors.size())).isEmpty();
    }

    @Test
    void aWorkerAskingForWhatThePrimaryCannotServeGetsAClearErrorAndTheClusterGivesUp() throws Exception {
        Cluster c = cluster(ClusterSettings.of(node("bad-requests.js").stdout(Stdio.pipe())).workers(1));
        BlockingQueue<ClusterEvent> q = events(c);
        Worker w = c.fork();
        BufferedReader out = new BufferedReader(new InputStreamReader(w.process().stdout(), StandardCharsets.UTF_8));
        JsonMapper json = JsonMapper.builder().build();
        JsonNode hello = json.readTree(out.readLine());
        assertThat(hello.get("isWorker").asBoolean()).isTrue();
        assertThat(hello.get("id").asInt()).isEqualTo(w.id());
        JsonNode malformed = json.readTree(out.readLine()).get("malformed");
        assertThat(malformed.get("errno").asInt()).isEqualTo(-22);
        assertThat(malformed.get("error").asString())
                .isEqualTo("queryServer: port must be an integer from 0 to 65535, not \"eighty\"");
        assertThat(json.readTree(out.readLine()).get("udp").asString()).isEqualTo("EAFNOSUPPORT");
        assertThat(next(q, ClusterEvent.GaveUp.class).reason()).startsWith("cannot serve what it asked for: queryServer: port must be");
        assertThat(w.process().waitFor().exitCode()).hasValue(0);
    }

    @Test
    void aConnectionHandedToANodeWorkerThatDiesBeforeTakingItGoesToAnother() throws Exception {
        Cluster c = cluster(ClusterSettings.of(node("line-server.js", "0", "127.0.0.1")).workers(2)
                .schedulingPolicy(SchedulingPolicy.ROUND_ROBIN).restartPolicy(RestartPolicy.never()));
        BlockingQueue<ClusterEvent> q = events(c);
        c.start();
        int port = next(q, ClusterEvent.Listening.class).address().getPort();
        next(q, ClusterEvent.Listening.class);
        List<Worker> ws = List.copyOf(c.workers().values());
        Worker stuck = ws.get(0);
        Worker alive = ws.get(1);
        stuck.kill(Signal.SIGSTOP); // reads nothing, acknowledges nothing: a hand-off to it stays in flight
        List<CompletableFuture<String>> replies = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            String text = "/r" + i;
            replies.add(CompletableFuture.supplyAsync(() -> {
                try {
                    return line(port, text);
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            }, r -> Thread.ofVirtual().start(r)));
        }
        // Round robin hands one connection to each free worker: the stopped one holds one, unacknowledged.
        Thread.sleep(500);
        assertThat(replies).as("one connection waits for the stopped worker").anyMatch(f -> !f.isDone());
        stuck.kill(Signal.SIGKILL);
        next(q, ClusterEvent.Exited.class);
        for (int i = 0; i < replies.size(); i++) {
            assertThat(replies.get(i).get(30, TimeUnit.SECONDS)).isEqualTo(pid(alive) + " /r" + i);
        }
    }
}
