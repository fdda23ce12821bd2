package dev.forkd.ipc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.forkd.ChildProcess;
import dev.forkd.ChildProcesses;
import dev.forkd.Command;
import dev.forkd.Output;
import dev.forkd.Stdio;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import tools.jackson.databind.JsonNode;

/** forkd and real Node processes as parent and child of each other. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class InteropTest {
    static boolean nodeAvailable;

    @BeforeAll
    static void findNode() {
        try {
            nodeAvailable = ChildProcesses.execFileSync("node", "--version").status().success();
        } catch (Exception e) {
            nodeAvailable = false;
        }
    }

    static Path script(String name) throws Exception {
        return Path.of(InteropTest.class.getResource("/dev/forkd/ipc/" + name).toURI());
    }

    static ChildProcess nodeChild() throws Exception {
        assumeTrue(nodeAvailable, "node is not installed: Node interop skipped");
        return ChildProcesses.spawn(Command.of("node", script("node-echo-child.js").toString())
                .stdio(Stdio.inherit(), Stdio.inherit(), Stdio.inherit(), Stdio.ipc()));
    }

    static BlockingQueue<JsonNode> inbox(Channel ch) {
        BlockingQueue<JsonNode> q = new LinkedBlockingQueue<>();
        ch.onMessage(m -> q.add(m.body()));
        return q;
    }

    @Test
    void forkdParentTalksToANodeChild() throws Exception {
        ChildProcess node = nodeChild();
        Channel ch = node.channel().orElseThrow();
        BlockingQueue<JsonNode> in = inbox(ch);
        String text = "héllo \u2028 😀 \"q\" \n nl";
        ch.send(Map.of("text", text));
        ch.send("plain");
        JsonNode first = in.poll(20, TimeUnit.SECONDS);
        assertThat(first.get("echo").get("text").stringValue()).isEqualTo(text);
        assertThat(first.get("connected").asBoolean()).isTrue();
        assertThat(first.get("envFd").stringValue()).isEqualTo("deleted");
        assertThat(in.poll(20, TimeUnit.SECONDS).get("echo").stringValue()).isEqualTo("plain");
        // JSON.stringify writes a lone surrogate in a key as an escape; Jackson alone would drop that line
        ch.send(Map.of("\ud800", "lone \udc00"));
        JsonNode lone = in.poll(20, TimeUnit.SECONDS);
        assertThat(lone).isNotNull();
        assertThat(lone.get("echo").get("\ud800").stringValue()).isEqualTo("lone \udc00");
        ch.send(Map.of("exit", 5));
        assertThat(node.waitFor().exitCode()).hasValue(5);
    }

    @Test
    void nodeParentTalksToAForkdChild() throws Exception {
        assumeTrue(nodeAvailable, "node is not installed: Node interop skipped");
        Output out = ChildProcesses.execFileSync(Command.of("node", script("node-parent.js").toString(),
                javaPath(), System.getProperty("java.class.path"), "echo"), dev.forkd.ExecOptions.defaults());
        assertThat(out.stdoutText()).contains("OK echo 4").contains("child exit 0 null");
    }

    @Test
    void nodeParentPassesAnAcceptedSocketToAForkdChild() throws Exception {
        assumeTrue(nodeAvailable, "node is not installed: Node interop skipped");
        Output out = ChildProcesses.execFileSync(Command.of("node", script("node-parent.js").toString(),
                javaPath(), System.getProperty("java.class.path"), "socket"), dev.forkd.ExecOptions.defaults());
        assertThat(out.stdoutText()).contains("OK socket").contains("child got handle: \"take this socket\"")
                .contains("connections 0").contains("server closed");
    }

    @Test
    void nodeParentPassesASocketWhileTheForkdChildsChannelIsStillAttaching() throws Exception {
        // "stream 2": the child's first two messages go out before forkd's event loop runs in it, while the
        // socket Node sends at once waits in the kernel (fd included) for the channel's first recvmsg.
        assumeTrue(nodeAvailable, "node is not installed: Node interop skipped");
        Output out = ChildProcesses.execFileSync(Command.of("node", script("node-parent.js").toString(),
                javaPath(), System.getProperty("java.class.path"), "socket", "stream", "2"),
                dev.forkd.ExecOptions.defaults());
        assertThat(out.stdoutText()).contains("OK socket").contains("child got handle: \"take this socket\"")
                .contains("connections 0").contains("server closed");
    }

    @Test
    void forkdParentPassesAListeningServerToANodeChildThatServesHttp() throws Exception {
        ChildProcess node = nodeChild();
        Channel ch = node.channel().orElseThrow();
        BlockingQueue<JsonNode> in = inbox(ch);
        try (ServerSocketChannel server = ServerSocketChannel.open().bind(new InetSocketAddress("127.0.0.1", 0))) {
            int port = ((InetSocketAddress) server.getLocalAddress()).getPort();
            ch.send(Map.of("port", port), server).get(10, TimeUnit.SECONDS);
            JsonNode ack = in.poll(20, TimeUnit.SECONDS);
            assertThat(ack.get("serving").asBoolean()).isTrue();
            assertThat(ack.get("got").get("port").asInt()).isEqualTo(port);
            server.close(); // only the node child accepts now
            try (SocketChannel http = SocketChannel.open(new InetSocketAddress("127.0.0.1", port))) {
                http.write(ByteBuffer.wrap("GET / HTTP/1.0\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII)));
                String response = new String(java.nio.channels.Channels.newInputStream(http).readAllBytes(),
                        StandardCharsets.UTF_8);
                assertThat(response).startsWith("HTTP/1.1 200 OK").endsWith("\r\n\r\nnode http " + node.pid() + "\n");
            }
        }
        ch.disconnect();
        node.waitFor();
    }

    @Test
    void forkdParentPassesAConnectedSocketToANodeChild() throws Exception {
        ChildProcess node = nodeChild();
        Channel ch = node.channel().orElseThrow();
        BlockingQueue<JsonNode> in = inbox(ch);
        try (ServerSocketChannel server = ServerSocketChannel.open().bind(new InetSocketAddress("127.0.0.1", 0));
             SocketChannel client = SocketChannel.open(server.getLocalAddress())) {
            SocketChannel accepted = server.accept();
            ch.send("socket for you", accepted).get(10, TimeUnit.SECONDS);
            assertThat(in.poll(20, TimeUnit.SECONDS).get("answered").asBoolean()).isTrue();
            String line = new BufferedReader(new InputStreamReader(
                    java.nio.channels.Channels.newInputStream(client), StandardCharsets.UTF_8)).readLine();
            assertThat(line).isEqualTo("node socket " + node.pid());
            // after the ACK forkd closed its own copy of the accepted socket (keepOpen=false)
            for (int i = 0; i < 100 && accepted.isOpen(); i++) Thread.sleep(10);
            assertThat(accepted.isOpen()).isFalse();
        }
        ch.disconnect();
        node.waitFor();
    }

    @Test
    void aMessageSentAfterAHandleWaitsForTheAck() throws Exception {
        assumeTrue(ChildProcesses.execFileSync("sh", "-c", "command -v python3 || true").stdout().length > 0,
                "python3 is not installed: skipped");
        ChildProcess peer = ChildProcesses.spawn(Command.of("python3", script("slow-ack-peer.py").toString())
                .stdio(Stdio.inherit(), Stdio.inherit(), Stdio.inherit(), Stdio.ipc()));
        Channel ch = peer.channel().orElseThrow();
        BlockingQueue<JsonNode> in = inbox(ch);
        try (ServerSocketChannel server = ServerSocketChannel.open().bind(new InetSocketAddress("127.0.0.1", 0))) {
            ch.send("with handle", server);
            ch.send(Map.of("after", true)); // must not be written before the peer's ACK
            JsonNode report = in.poll(20, TimeUnit.SECONDS);
            assertThat(report.get("first").stringValue()).isEqualTo("NODE_HANDLE");
            assertThat(report.get("fds").asInt()).isEqualTo(1);
            assertThat(report.get("early").asInt()).as("bytes that arrived before the ACK").isZero();
            assertThat(report.get("second").get("after").asBoolean()).isTrue();
        }
        peer.waitFor();
    }

    @Test
    void garbageFromThePeerIsDroppedAndTheChannelStaysUp() throws Exception {
        ChildProcess peer = ChildProcesses.spawn(Command.of("sh", "-c",
                        "printf 'garbage\\n\\n{\"broken\": \\n[1,2\\n{\"ok\":1}\\n' >&3; read x <&3; echo \"got $x\" >&3")
                .stdio(Stdio.inherit(), Stdio.inherit(), Stdio.inherit(), Stdio.ipc()));
        Channel ch = peer.channel().orElseThrow();
        BlockingQueue<JsonNode> in = inbox(ch);
        assertThat(in.poll(20, TimeUnit.SECONDS).get("ok").asInt()).isEqualTo(1);
        assertThat(ch.isConnected()).isTrue();
        ch.send("pong");
        assertThat(peer.onClose().get(20, TimeUnit.SECONDS).success()).isTrue();
        assertThat(in).isEmpty(); // the peer's "got "pong"" is not JSON: dropped too
    }

    @Test
    void nodeInternalMessagesNeverReachListeners() throws Exception {
        ChildProcess peer = ChildProcesses.spawn(Command.of("sh", "-c",
                        "printf '{\"cmd\":\"NODE_SOMETHING\",\"x\":1}\\n{\"cmd\":\"NODE_\"}\\n{\"cmd\":\"NODEX\"}\\n' >&3")
                .stdio(Stdio.inherit(), Stdio.inherit(), Stdio.inherit(), Stdio.ipc()));
        Channel ch = peer.channel().orElseThrow();
        BlockingQueue<JsonNode> in = inbox(ch);
        // Node's rule: internal means a cmd longer than 5 characters that starts with NODE_
        assertThat(in.poll(20, TimeUnit.SECONDS).get("cmd").stringValue()).isEqualTo("NODE_");
        assertThat(in.poll(20, TimeUnit.SECONDS).get("cmd").stringValue()).isEqualTo("NODEX");
        peer.onClose().get(10, TimeUnit.SECONDS);
        assertThat(in).isEmpty();
    }

    @Test
    void aSenderFacingAReaderThatNeverReadsBlocksInsteadOfGrowingItsHeap() throws Exception {
        // The peer holds the channel open and never reads it.
        ChildProcess peer = ChildProcesses.spawn(Command.of("sleep", "30")
                .stdio(Stdio.ignore(), Stdio.ignore(), Stdio.ignore(), Stdio.ipc()));
        Channel ch = peer.channel().orElseThrow();
        String kib = "x".repeat(1024);
        java.util.concurrent.atomic.AtomicInteger sent = new java.util.concurrent.atomic.AtomicInteger();
        Thread sender = Thread.ofVirtual().start(() -> {
            for (int i = 0; i < 100_000; i++) { // 100 MiB if nothing pushed back
                ch.send(kib);
                sent.incrementAndGet();
            }
        });
        Thread.sleep(2000);
        int queued = sent.get();
        assertThat(sender.isAlive()).as("the sender is held back").isTrue();
        // What send() accepted is bounded by the queue limit plus what the socket buffers took.
        assertThat((long) queued * 1026).isLessThan(Channel.SEND_QUEUE_LIMIT + (8L << 20));
        Thread.sleep(500);
        assertThat(sent.get()).as("no progress while the peer reads nothing").isEqualTo(queued);
        peer.kill(dev.forkd.Signal.SIGKILL);
        peer.waitFor();
        sender.join(10_000); // the channel closed: queued sends fail, the sender is released
        assertThat(sender.isAlive()).isFalse();
    }

    @Test
    void aPeerThatDiesMidMessageDisconnectsCleanly() throws Exception {
        ChildProcess peer = ChildProcesses.spawn(Command.of("sh", "-c", "printf '{\"half\": \"mess' >&3; exit 0")
                .stdio(Stdio.inherit(), Stdio.inherit(), Stdio.inherit(), Stdio.ipc()));
        Channel ch = peer.channel().orElseThrow();
        BlockingQueue<JsonNode> in = inbox(ch);
        ch.onDisconnect().get(10, TimeUnit.SECONDS);
        assertThat(in).isEmpty();
        assertThat(peer.onClose().get(10, TimeUnit.SECONDS).success()).isTrue();
    }

    @Test
    void forkdToForkdServerAndSocketPassing() throws Exception {
        ChildProcess child = ChildProcesses.fork(dev.forkd.ForkOptions.of("dev.forkd.fixture.IpcChild", "echo"));
        Channel ch = child.channel().orElseThrow();
        BlockingQueue<JsonNode> in = inbox(ch);
        int port;
        try (ServerSocketChannel server = ServerSocketChannel.open().bind(new InetSocketAddress("127.0.0.1", 0))) {
            port = ((InetSocketAddress) server.getLocalAddress()).getPort();
            ch.send(Map.of("kind", "server"), server);
            JsonNode got = in.poll(30, TimeUnit.SECONDS);
            assertThat(got.get("gotHandle").get("kind").stringValue()).isEqualTo("server");
            assertThat(got.get("fd").asInt()).as("the adopted channel's fd in the child").isGreaterThan(3);
        } // closed here: only the child's copy accepts from now on
        try (SocketChannel c = SocketChannel.open(new InetSocketAddress("127.0.0.1", port))) {
            assertThat(readLine(c)).isEqualTo("hello from " + child.pid());
        }
        try (ServerSocketChannel server = ServerSocketChannel.open().bind(new InetSocketAddress("127.0.0.1", 0));
             SocketChannel client = SocketChannel.open(server.getLocalAddress())) {
            ch.send(Map.of("kind", "socket"), server.accept());
            assertThat(in.poll(30, TimeUnit.SECONDS).get("gotHandle").get("kind").stringValue()).isEqualTo("socket");
            assertThat(readLine(client)).isEqualTo("hello from " + child.pid());
        }
        ch.disconnect();
        assertThat(child.waitFor().success()).isTrue();
    }

    @Test
    void pipelinedHandlesEachReachTheirOwnMessage() throws Exception {
        ChildProcess child = ChildProcesses.fork(dev.forkd.ForkOptions.of("dev.forkd.fixture.IpcChild", "echo"));
        Channel ch = child.channel().orElseThrow();
        // What the cluster primary does for forkd workers: no waiting for each handle's ACK.
        ((dev.forkd.internal.ipc.IpcChannel) ch).pipelineHandles(true);
        BlockingQueue<JsonNode> in = inbox(ch);
        int n = 40;
        List<SocketChannel> clients = new java.util.ArrayList<>();
        try (ServerSocketChannel server = ServerSocketChannel.open().bind(new InetSocketAddress("127.0.0.1", 0))) {
            for (int i = 0; i < n; i++) {
                clients.add(SocketChannel.open(server.getLocalAddress()));
                ch.send(Map.of("kind", "socket", "i", i), server.accept()); // back to back, no ACK awaited
            }
            for (int i = 0; i < n; i++) {
                // each client's socket travelled with its own message: the child echoes that message's i on it
                assertThat(readLine(clients.get(i))).isEqualTo("hello from " + child.pid() + " " + i);
            }
            for (int i = 0; i < n; i++) {
                assertThat(in.poll(30, TimeUnit.SECONDS).get("gotHandle").get("i").asInt()).isEqualTo(i);
            }
        } finally {
            for (SocketChannel c : clients) c.close();
        }
        ch.disconnect();
        assertThat(child.waitFor().success()).isTrue();
    }

    private static String readLine(SocketChannel c) throws Exception {
        ByteBuffer buf = ByteBuffer.allocate(256);
        StringBuilder sb = new StringBuilder();
        while (c.read(buf) >= 0) {
            buf.flip();
            sb.append(StandardCharsets.UTF_8.decode(buf));
            buf.clear();
            if (sb.indexOf("\n") >= 0) break;
        }
        return sb.toString().trim();
    }

    private static String javaPath() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }
}
