package dev.forkd.internal.ipc;

import dev.forkd.internal.json.JsonCodec;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;

import dev.forkd.ChildProcess;
import dev.forkd.ChildProcesses;
import dev.forkd.Command;
import dev.forkd.ExitStatus;
import dev.forkd.Signal;
import dev.forkd.Stdio;
import dev.forkd.internal.io.Fd;
import dev.forkd.internal.io.Fds;
import dev.forkd.internal.posix.Sockets;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/** A real Node 20 child on the other end of the channel: these building blocks must speak its protocol. */
class NodeInteropTest {
    private static final JsonCodec CODEC = new JsonCodec();

    private record Received(JsonNode message, Fd handleFd) {}

    private final BlockingQueue<Object> inbox = new LinkedBlockingQueue<>();
    private Fd parentEnd;
    private ChildProcess node;
    private Thread reader;

    private static boolean nodeOnPath() {
        for (String dir : System.getenv().getOrDefault("PATH", "").split(":")) {
            if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, "node"))) return true;
        }
        return false;
    }

    @BeforeEach
    void startNodeChildWithTheChannelOnFd3() throws Exception {
        assumeThat(nodeOnPath()).as("node is not on PATH; Node interop tests need it").isTrue();
        Path script = Path.of(getClass().getResource("node-child.js").toURI());
        Fd[] pair = Fds.socketPair();
        parentEnd = pair[0];
        try (Fd childEnd = pair[1]) {
            node = ChildProcesses.spawn(Command.of("node", script.toString())
                    .stdio(Stdio.inherit(), Stdio.inherit(), Stdio.inherit(), Stdio.fd(childEnd.value()))
                    .env("NODE_CHANNEL_FD", "3")
                    .env("NODE_CHANNEL_SERIALIZATION_MODE", "json"));
        } // the parent keeps only its own end, so the child's exit or close is seen as end of stream
        reader = Thread.ofPlatform().name("ipc-test-reader").start(this::readUntilEndOfStream);
    }

    private void readUntilEndOfStream() {
        JsonLineDecoder decoder = new JsonLineDecoder(ParsedLines.messages(CODEC,
                new ParsedLines.MessageListener() {
                    @Override
                    public void message(JsonNode message, Fd handleFd) {
                        inbox.add(new Received(message, handleFd));
                    }

                    @Override
                    public void error(MessageFormatException error) {
                        inbox.add(error);
                    }
                }));
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment buf = arena.allocate(64 * 1024);
            while (true) {
                switch (FdPassing.recv(parentEnd.value(), buf)) {
                    case FdPassing.Received.Data d -> decoder.feed(buf.asSlice(0, d.bytes()), d.fds(), false);
                    case FdPassing.Received.EndOfStream e -> {
                        decoder.end();
                        inbox.add("EOF");
                        return;
                    }
                    case FdPassing.Received.WouldBlock w -> throw new IllegalStateException("blocking socket");
                }
            }
        } catch (Exception e) {
            inbox.add(e);
        }
    }

    private Received next() throws Exception {
        Object o = inbox.poll(10, TimeUnit.SECONDS);
        assertThat(o).as("a message from node within 10 s").isInstanceOf(Received.class);
        return (Received) o;
    }

    private void send(Object message, int fd) throws Exception {
        byte[] line = CODEC.encode(message);
        int off = 0;
        while (off < line.length) {
            off += FdPassing.send(parentEnd.value(), line, off, line.length - off, off == 0 ? fd : -1);
        }
    }

    @AfterEach
    void closeChannelAndReapNode() throws Exception {
        if (node == null) return;
        try {
            // shutdown, not just close: close(2) neither wakes our reader blocked in recvmsg nor releases the
            // socket while that call holds it, so Node would never see the end of the channel.
            Sockets.shutdown(parentEnd.value(), Sockets.SHUT_RDWR);
            reader.join(10_000);
            parentEnd.close();
            // Node's 'disconnect': the script closes what it serves, its loop empties, and it exits.
            assertThat(node.waitFor(Duration.ofSeconds(10))).isEqualTo(new ExitStatus.Exited(0));
            assertThat(inbox).as("nothing unread, no framing errors").containsExactly("EOF");
        } finally {
            if (node.exitStatus().isEmpty()) node.kill(Signal.SIGKILL);
            node.close();
        }
    }

    @Test
    void nodeSeesTheChannelAndEchoesNonAsciiLineSeparatorsAndEmojiUnchanged() throws Exception {
        Received ready = next();
        assertThat(ready.message().get("ready").asBoolean()).isTrue();
        assertThat(ready.message().get("pid").asLong()).isEqualTo(node.pid());

        String payload = "é \u2028 \u2029 😀 line1\nline2 \"quoted\" \\ \u0001";
        send(Map.of("type", "echo", "payload", payload), -1);
        Received echo = next();
        assertThat(echo.message().get("echo").asString()).isEqualTo(payload);
        assertThat(echo.message().get("envFd").isNull()).as("Node consumed NODE_CHANNEL_FD").isTrue();
    }

    @Test
    void nodeAcknowledgesAPassedListeningSocketAndServesClientsOnIt() throws Exception {
        next(); // ready
        InetSocketAddress address;
        try (ServerSocketChannel server = ServerSocketChannel.open()
                .bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))) {
            address = (InetSocketAddress) server.getLocalAddress();
            send(Map.of("cmd", "NODE_HANDLE", "type", "net.Server",
                    "msg", Map.of("type", "serve", "tag", "t1")), HandleAdoption.fdOf(server));
        } // Java's copy closed: only Node's copy listens now

        assertThat(next().message()).isEqualTo(CODEC.parse("{\"cmd\":\"NODE_HANDLE_ACK\"}"));
        Received serving = next();
        assertThat(serving.message().get("serving").asBoolean()).isTrue();
        assertThat(serving.message().get("address").get("port").asInt()).isEqualTo(address.getPort());

        try (SocketChannel client = SocketChannel.open(address)) {
            ByteBuffer buf = ByteBuffer.allocate(128);
            while (client.read(buf) >= 0) {
                // until Node ends the connection
            }
            assertThat(new String(buf.array(), 0, buf.position(), StandardCharsets.UTF_8))
                    .isEqualTo("hello from node t1\n");
        }
    }

    @Test
    void nodeDeliversAHandleMessageAndAPlainOneGluedBehindItInOneSendmsg() throws Exception {
        // What forkd's receiver must do as well (issue 11 item 5): the fd is the handle message's, and the plain
        // message behind it is delivered too.
        next(); // ready
        try (ServerSocketChannel server = ServerSocketChannel.open()
                .bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))) {
            byte[] handle = CODEC.encode(Map.of("cmd", "NODE_HANDLE", "type", "net.Server",
                    "msg", Map.of("type", "serve", "tag", "t2")));
            byte[] plain = CODEC.encode(Map.of("type", "echo", "payload", "glued behind"));
            byte[] glued = java.util.Arrays.copyOf(handle, handle.length + plain.length);
            System.arraycopy(plain, 0, glued, handle.length, plain.length);
            int off = 0;
            while (off < glued.length) {
                off += FdPassing.send(parentEnd.value(), glued, off, glued.length - off,
                        off == 0 ? HandleAdoption.fdOf(server) : -1);
            }
        }
        assertThat(next().message()).isEqualTo(CODEC.parse("{\"cmd\":\"NODE_HANDLE_ACK\"}"));
        List<JsonNode> replies = List.of(next().message(), next().message());
        assertThat(replies).anySatisfy(m -> assertThat(m.path("serving").asBoolean()).isTrue());
        assertThat(replies).anySatisfy(m -> assertThat(m.path("echo").asString()).isEqualTo("glued behind"));
    }

    @Test
    void aServerNodeSendsArrivesWithItsFdAndIsAdoptedAfterWeAcknowledge() throws Exception {
        next(); // ready
        send(Map.of("type", "give-server"), -1);

        Received handle = next();
        JsonNode m = handle.message();
        assertThat(m.get("cmd").asString()).isEqualTo("NODE_HANDLE");
        assertThat(m.get("type").asString()).isEqualTo("net.Server");
        assertThat(handle.handleFd()).as("the fd rides on the NODE_HANDLE line").isNotNull();
        int port = m.get("msg").get("port").asInt();

        // Node queues every later message until the ACK: closedMine can only arrive after it.
        assertThat(inbox.poll(300, TimeUnit.MILLISECONDS)).as("nothing before our ACK").isNull();
        send(Map.of("cmd", "NODE_HANDLE_ACK"), -1);
        assertThat(next().message().get("closedMine").asInt()).isEqualTo(port);

        try (ServerSocketChannel adopted = HandleAdoption.serverSocket(handle.handleFd().value());
             SocketChannel client = SocketChannel.open(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
             SocketChannel accepted = adopted.accept()) {
            accepted.write(ByteBuffer.wrap("java accepted this\n".getBytes(StandardCharsets.UTF_8)));
            ByteBuffer buf = ByteBuffer.allocate(64);
            client.read(buf);
            assertThat(new String(buf.array(), 0, buf.position(), StandardCharsets.UTF_8))
                    .isEqualTo("java accepted this\n");
        }
    }
}
