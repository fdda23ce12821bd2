package dev.forkd.internal.ipc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.forkd.ChildProcesses;
import dev.forkd.Command;
import dev.forkd.ExecOptions;
import dev.forkd.Output;
import dev.forkd.internal.io.Fd;
import dev.forkd.internal.io.Fds;
import java.lang.foreign.Arena;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class HandleAdoptionTest {
    private static final InetSocketAddress LOOPBACK_ANY_PORT = new InetSocketAddress(InetAddress.getLoopbackAddress(), 0);

    /** Passes {@code fd} through a real socketpair and returns the copy that came out the other side. */
    private static int passThroughSocketPair(int fd) throws Exception {
        Fd[] pair = Fds.socketPair();
        try (Arena arena = Arena.ofConfined()) {
            byte[] msg = "{\"cmd\":\"NODE_HANDLE\",\"type\":\"net.Server\",\"msg\":0}\n".getBytes(StandardCharsets.UTF_8);
            FdPassing.send(pair[0].value(), msg, 0, msg.length, fd);
            FdPassing.Received.Data data = (FdPassing.Received.Data) FdPassing.recv(pair[1].value(), arena.allocate(256));
            assertThat(data.fds()).hasSize(1);
            return data.fds().getFirst().value(); // ownership moves to the adopting channel
        } finally {
            pair[0].close();
            pair[1].close();
        }
    }

    private static String readLine(SocketChannel ch) throws Exception {
        ByteBuffer buf = ByteBuffer.allocate(256);
        while (buf.position() == 0 || buf.get(buf.position() - 1) != '\n') {
            if (ch.read(buf) < 0) break;
        }
        return new String(buf.array(), 0, buf.position(), StandardCharsets.UTF_8);
    }

    @Test
    void aPassedListeningSocketBecomesAServerSocketChannelThatSelectsAcceptsAndTalks() throws Exception {
        long before = OpenFds.count();
        InetSocketAddress address;
        int received;
        try (ServerSocketChannel original = ServerSocketChannel.open().bind(LOOPBACK_ANY_PORT)) {
            address = (InetSocketAddress) original.getLocalAddress();
            received = passThroughSocketPair(HandleAdoption.fdOf(original));
        } // the sender's copy is closed: only the adopted one still listens

        try (ServerSocketChannel adopted = HandleAdoption.serverSocket(received);
             Selector selector = Selector.open()) {
            assertThat(HandleAdoption.fdOf(adopted)).isEqualTo(received);
            assertThat(((InetSocketAddress) adopted.getLocalAddress()).getPort()).isEqualTo(address.getPort());
            adopted.configureBlocking(false);
            assertThat(adopted.accept()).as("nothing pending yet").isNull();
            adopted.register(selector, SelectionKey.OP_ACCEPT);

            try (SocketChannel client = SocketChannel.open(address)) {
                assertThat(selector.select(5_000)).isEqualTo(1);
                try (SocketChannel accepted = adopted.accept()) {
                    assertThat(accepted).isNotNull();
                    accepted.setOption(StandardSocketOptions.TCP_NODELAY, true);
                    accepted.write(ByteBuffer.wrap("ping\n".getBytes(StandardCharsets.UTF_8)));
                    assertThat(readLine(client)).isEqualTo("ping\n");
                    client.write(ByteBuffer.wrap("pong\n".getBytes(StandardCharsets.UTF_8)));
                    accepted.configureBlocking(true);
                    assertThat(readLine(accepted)).isEqualTo("pong\n");
                }
            }
        }
        assertThat(OpenFds.count()).as("closing the adopted channel closed the fd").isEqualTo(before);
    }

    @Test
    void aPassedAcceptedConnectionBecomesASocketChannelWithBothAddresses() throws Exception {
        try (ServerSocketChannel server = ServerSocketChannel.open().bind(LOOPBACK_ANY_PORT);
             SocketChannel client = SocketChannel.open(server.getLocalAddress())) {
            int received;
            try (SocketChannel accepted = server.accept()) {
                received = passThroughSocketPair(HandleAdoption.fdOf(accepted));
            }
            try (SocketChannel adopted = HandleAdoption.socket(received); Selector selector = Selector.open()) {
                assertThat(adopted.isConnected()).isTrue();
                assertThat(adopted.getRemoteAddress()).isEqualTo(client.getLocalAddress());
                assertThat(((InetSocketAddress) adopted.getLocalAddress()).getPort())
                        .isEqualTo(((InetSocketAddress) server.getLocalAddress()).getPort());

                adopted.configureBlocking(false);
                adopted.register(selector, SelectionKey.OP_READ);
                client.write(ByteBuffer.wrap("from the client\n".getBytes(StandardCharsets.UTF_8)));
                assertThat(selector.select(5_000)).isEqualTo(1);
                ByteBuffer buf = ByteBuffer.allocate(64);
                adopted.read(buf);
                assertThat(new String(buf.array(), 0, buf.position(), StandardCharsets.UTF_8))
                        .isEqualTo("from the client\n");
                adopted.write(ByteBuffer.wrap("from the adopter\n".getBytes(StandardCharsets.UTF_8)));
                assertThat(readLine(client)).isEqualTo("from the adopter\n");
            }
        }
    }

    @Test
    void aPassedUdpSocketBecomesADatagramChannelThatReceivesAndSends() throws Exception {
        try (DatagramChannel original = DatagramChannel.open().bind(LOOPBACK_ANY_PORT);
             DatagramChannel peer = DatagramChannel.open().bind(LOOPBACK_ANY_PORT)) {
            InetSocketAddress address = (InetSocketAddress) original.getLocalAddress();
            int received = passThroughSocketPair(HandleAdoption.fdOf(original));
            try (DatagramChannel adopted = HandleAdoption.datagram(received)) {
                assertThat(((InetSocketAddress) adopted.getLocalAddress()).getPort()).isEqualTo(address.getPort());
                peer.send(ByteBuffer.wrap("dgram".getBytes(StandardCharsets.UTF_8)), address);
                ByteBuffer buf = ByteBuffer.allocate(64);
                InetSocketAddress from = (InetSocketAddress) adopted.receive(buf);
                assertThat(new String(buf.array(), 0, buf.position(), StandardCharsets.UTF_8)).isEqualTo("dgram");
                assertThat(from.getPort()).isEqualTo(((InetSocketAddress) peer.getLocalAddress()).getPort());
                // The JDK constructor assumes INET6 on this IPv6-capable host; sending to IPv4 still works.
                adopted.send(ByteBuffer.wrap("reply".getBytes(StandardCharsets.UTF_8)), from);
                ByteBuffer back = ByteBuffer.allocate(64);
                peer.receive(back);
                assertThat(new String(back.array(), 0, back.position(), StandardCharsets.UTF_8)).isEqualTo("reply");
            }
        }
    }

    @Test
    void adoptPicksTheChannelKindFromTheSocketItself() throws Exception {
        try (ServerSocketChannel server = ServerSocketChannel.open().bind(LOOPBACK_ANY_PORT);
             DatagramChannel udp = DatagramChannel.open().bind(LOOPBACK_ANY_PORT)) {
            try (var adopted = HandleAdoption.adopt(passThroughSocketPair(HandleAdoption.fdOf(server)))) {
                assertThat(adopted).isInstanceOf(ServerSocketChannel.class);
            }
            try (var adopted = HandleAdoption.adopt(passThroughSocketPair(HandleAdoption.fdOf(udp)))) {
                assertThat(adopted).isInstanceOf(DatagramChannel.class);
            }
        }
    }

    @Test
    void aSocketOfTheWrongKindIsRefusedAndStaysTheCallers() throws Exception {
        Fd[] pair = Fds.socketPair();
        try {
            assertThatThrownBy(() -> HandleAdoption.serverSocket(pair[0].value()))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("not listening");
            assertThatThrownBy(() -> HandleAdoption.datagram(pair[0].value()))
                    .isInstanceOf(IllegalArgumentException.class);
            assertThat(pair[0].isClosed()).isFalse();
        } finally {
            pair[0].close();
            pair[1].close();
        }
    }

    @Test
    void withoutTheAddOpensFlagTheErrorNamesTheFlagAndTheManifestAttribute() throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Output out = ChildProcesses.execFile(Command.of(java, "--enable-native-access=ALL-UNNAMED",
                        "-cp", System.getProperty("java.class.path"), AdoptionProbe.class.getName()),
                ExecOptions.defaults()).get();
        assertThat(out.stdoutText().strip())
                .contains("--add-opens java.base/sun.nio.ch=ALL-UNNAMED")
                .contains("Add-Opens: java.base/sun.nio.ch")
                .isNotEqualTo("available");
    }
}
