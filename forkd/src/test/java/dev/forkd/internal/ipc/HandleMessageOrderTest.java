package dev.forkd.internal.ipc;

import dev.forkd.internal.json.JsonCodec;
import static org.assertj.core.api.Assertions.assertThat;

import dev.forkd.ipc.Handle;
import dev.forkd.ipc.Message;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import tools.jackson.databind.JsonNode;

/**
 * A peer that glues handle messages and plain ones into one sendmsg (Node's receiver copes with that), or
 * spreads handles and their fds over many reads: every handle reaches its own message, nothing is dropped,
 * order holds, and every handle message is answered.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class HandleMessageOrderTest {
    private static final InetSocketAddress LOOPBACK = new InetSocketAddress(InetAddress.getLoopbackAddress(), 0);
    private static final JsonCodec CODEC = new JsonCodec();

    private static String handle(String type, int i) {
        return "{\"cmd\":\"NODE_HANDLE\",\"type\":\"" + type + "\",\"msg\":{\"i\":" + i + "}}";
    }

    private static String plain(int i) {
        return "{\"i\":" + i + "}";
    }

    /** Listening sockets whose ports tell the handles apart. */
    private static List<ServerSocketChannel> servers(int n) throws Exception {
        List<ServerSocketChannel> servers = new ArrayList<>();
        for (int i = 0; i < n; i++) servers.add(ServerSocketChannel.open().bind(LOOPBACK));
        return servers;
    }

    private static int port(ServerSocketChannel s) throws Exception {
        return ((InetSocketAddress) s.getLocalAddress()).getPort();
    }

    @BeforeAll
    static void settleFds() {
        OpenFds.settle();
    }

    private static int fd(ServerSocketChannel s) {
        return HandleAdoption.fdOf(s);
    }

    private static BlockingQueue<Message> inbox(IpcChannel ch) {
        BlockingQueue<Message> q = new LinkedBlockingQueue<>();
        ch.onMessage(q::add);
        return q;
    }

    private static Message take(BlockingQueue<Message> q) throws Exception {
        return q.poll(1, TimeUnit.DAYS);
    }

    /** The port of the server a message brought, or -1 without one. */
    private static int handlePort(Message m) throws Exception {
        if (m.handle().isEmpty()) return -1;
        Handle.Server server = (Handle.Server) m.handle().get();
        int port = port(server.channel());
        server.channel().close();
        return port;
    }

    @Test
    void aHandleMessageFollowedByPlainOnesInOneSendmsgArrivesWithItsHandleAndNothingIsDropped() throws Exception {
        long before = OpenFds.count();
        List<ServerSocketChannel> servers = servers(1);
        try (RawPeer peer = RawPeer.open()) {
            BlockingQueue<Message> in = inbox(peer.channel);
            peer.send(new int[] {fd(servers.get(0))}, handle("net.Server", 0), plain(1), plain(2));

            Message first = take(in);
            assertThat(first.body()).isEqualTo(CODEC.parse(plain(0)));
            assertThat(handlePort(first)).isEqualTo(port(servers.get(0)));
            for (int i = 1; i <= 2; i++) {
                Message m = take(in);
                assertThat(m.body()).isEqualTo(CODEC.parse(plain(i)));
                assertThat(m.handle()).isEmpty();
            }
            assertThat(peer.next()).isEqualTo(CODEC.parse("{\"cmd\":\"NODE_HANDLE_ACK\"}"));
        } finally {
            for (ServerSocketChannel s : servers) s.close();
        }
        assertThat(OpenFds.count()).isEqualTo(before);
    }

    @Test
    void handlesAndTheirFdsAcrossSeveralReadsEachReachTheirOwnMessageInOrder() throws Exception {
        long before = OpenFds.count();
        List<ServerSocketChannel> s = servers(5);
        String big = "x".repeat(300_000); // more than one read of the channel (64 KiB) and than one skb
        try (RawPeer peer = RawPeer.open()) {
            BlockingQueue<Message> in = inbox(peer.channel);
            // One sendmsg: plain, handle, plain, handle, with two fds.
            peer.send(new int[] {fd(s.get(0)), fd(s.get(1))},
                    plain(0), handle("net.Server", 1), plain(2), handle("net.Native", 3));
            // A handle message too big for one read, then plain ones glued behind it.
            peer.send(new int[] {fd(s.get(2))},
                    handle("net.Server", 4).replace("}}", ",\"big\":\"" + big + "\"}}"), plain(5), plain(6));
            // Plain in front of a handle, in one sendmsg with its fd.
            peer.send(new int[] {fd(s.get(3))}, plain(7), handle("net.Server", 8));
            // A handle message without an fd: NACK, and Node drops it too. (Wait for the answer: glued in front of
            // the next sendmsg with an fd, it would take that fd, in Node as here; only a broken sender does this.)
            peer.send(new int[0], handle("net.Server", 9));
            List<String> answers = new ArrayList<>(peer.next(5).stream().map(n -> n.get("cmd").asString()).toList());
            // The handle message split over two sendmsgs, the fd with the first byte.
            byte[] split = (handle("net.Server", 10) + "\n" + plain(11) + "\n").getBytes(java.nio.charset.StandardCharsets.UTF_8);
            peer.sendBytes(new int[] {fd(s.get(4))}, java.util.Arrays.copyOf(split, 20));
            peer.sendBytes(new int[0], java.util.Arrays.copyOfRange(split, 20, split.length));

            int[] expectedPorts = {-1, port(s.get(0)), -1, port(s.get(1)), port(s.get(2)), -1, -1, -1, port(s.get(3)),
                    port(s.get(4)), -1};
            int[] expectedI = {0, 1, 2, 3, 4, 5, 6, 7, 8, 10, 11};
            for (int k = 0; k < expectedI.length; k++) {
                Message m = take(in);
                assertThat(m.body().get("i").asInt()).as("message %d", k).isEqualTo(expectedI[k]);
                assertThat(handlePort(m)).as("the handle of message %d", expectedI[k]).isEqualTo(expectedPorts[k]);
            }
            answers.add(peer.next().get("cmd").asString());
            assertThat(answers).containsExactly("NODE_HANDLE_ACK", "NODE_HANDLE_ACK", "NODE_HANDLE_ACK",
                    "NODE_HANDLE_ACK", "NODE_HANDLE_NACK", "NODE_HANDLE_ACK");
            assertThat(in).isEmpty();
        } finally {
            for (ServerSocketChannel c : s) c.close();
        }
        assertThat(OpenFds.count()).isEqualTo(before);
    }

    @Test
    void aHandleMessageThatCannotBeReadIsAnsweredNackAndItsFdIsClosedNotPassedOn() throws Exception {
        long before = OpenFds.count();
        List<ServerSocketChannel> s = servers(3);
        try (RawPeer peer = RawPeer.open(1000)) {
            BlockingQueue<Message> in = inbox(peer.channel);
            // Malformed, then longer than the channel's limit, then a good one: each with its fd.
            peer.send(new int[] {fd(s.get(0))}, "{\"cmd\":\"NODE_HANDLE\",\"type\":\"net.Server\",\"msg\":{");
            peer.send(new int[] {fd(s.get(1))}, handle("net.Server", 1).replace("}}", ",\"pad\":\"" + "x".repeat(2000) + "\"}}"));
            peer.send(new int[] {fd(s.get(2))}, handle("net.Server", 2), plain(3));
            Message m = take(in);
            assertThat(m.body().get("i").asInt()).isEqualTo(2);
            assertThat(handlePort(m)).isEqualTo(port(s.get(2)));
            assertThat(take(in).body().get("i").asInt()).isEqualTo(3);
            // The sender of a handle waits for an answer before it sends more: it gets one for each.
            assertThat(peer.next(3)).extracting(n -> n.get("cmd").asString())
                    .containsExactly("NODE_HANDLE_NACK", "NODE_HANDLE_NACK", "NODE_HANDLE_ACK");
        } finally {
            for (ServerSocketChannel c : s) c.close();
        }
        assertThat(OpenFds.count()).isEqualTo(before);
    }
}
