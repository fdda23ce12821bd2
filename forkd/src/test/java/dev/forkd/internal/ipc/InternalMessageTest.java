package dev.forkd.internal.ipc;

import dev.forkd.internal.json.JsonCodec;
import static org.assertj.core.api.Assertions.assertThat;

import dev.forkd.ipc.Handle;
import dev.forkd.ipc.Message;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import tools.jackson.databind.JsonNode;

/**
 * Node's rule for internal messages (an object whose {@code cmd} is a string longer than 5 characters that
 * starts with {@code NODE_}) holds at every size and wherever {@code cmd} stands among the members: such a
 * message never reaches a user's listener. Each case runs with a short message and with one longer than the
 * 64 KiB up to which a line is searched on the loop thread.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class InternalMessageTest {
    private static final JsonCodec CODEC = new JsonCodec();
    private static final List<Integer> PADS = List.of(10, 100_000);

    private static String pad(int n) {
        return "\"pad\":\"" + "x".repeat(n) + "\"";
    }

    private static BlockingQueue<Message> inbox(IpcChannel ch) {
        BlockingQueue<Message> q = new LinkedBlockingQueue<>();
        ch.onMessage(q::add);
        return q;
    }

    private static BlockingQueue<JsonNode> internals(IpcChannel ch) {
        BlockingQueue<JsonNode> q = new LinkedBlockingQueue<>();
        ch.onInternalMessage((m, h) -> q.add(m));
        return q;
    }

    private static Message take(BlockingQueue<Message> q) throws Exception {
        return q.poll(1, TimeUnit.DAYS);
    }

    @Test
    void anInternalMessageWhoseCmdIsNotItsFirstMemberNeverReachesListeners() throws Exception {
        for (int n : PADS) {
            try (RawPeer peer = RawPeer.open()) {
                BlockingQueue<Message> in = inbox(peer.channel);
                BlockingQueue<JsonNode> internal = internals(peer.channel);
                peer.send(new int[0], "{" + pad(n) + ",\"cmd\":\"NODE_CUSTOM\",\"n\":" + n + "}", "{\"i\":1}");
                assertThat(take(in).body()).as("pad %d", n).isEqualTo(CODEC.parse("{\"i\":1}"));
                JsonNode m = internal.poll(1, TimeUnit.DAYS);
                assertThat(m.get("cmd").asString()).isEqualTo("NODE_CUSTOM");
                assertThat(m.get("n").asInt()).isEqualTo(n);
                assertThat(in).isEmpty();
            }
        }
    }

    @Test
    void aHandleMessageWhoseCmdComesLastStillTakesItsFdAndIsAcknowledged() throws Exception {
        for (int n : PADS) {
            try (RawPeer peer = RawPeer.open(); ServerSocketChannel server = ServerSocketChannel.open()
                    .bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))) {
                BlockingQueue<Message> in = inbox(peer.channel);
                peer.send(new int[] {HandleAdoption.fdOf(server)},
                        "{\"type\":\"net.Server\",\"msg\":{\"i\":0," + pad(n) + "},\"cmd\":\"NODE_HANDLE\"}", "{\"i\":1}");
                Message first = take(in);
                assertThat(first.body().get("i").asInt()).as("pad %d", n).isEqualTo(0);
                Handle.Server received = (Handle.Server) first.handle().orElseThrow();
                assertThat(received.channel().getLocalAddress()).isEqualTo(server.getLocalAddress());
                received.channel().close();
                assertThat(take(in).body().get("i").asInt()).isEqualTo(1);
                assertThat(peer.next().get("cmd").asString()).isEqualTo("NODE_HANDLE_ACK");
            }
        }
    }

    @Test
    void aHandleMessageWhoseCmdComesLastWithoutAnFdIsAnsweredNackAndNotDelivered() throws Exception {
        for (int n : PADS) {
            try (RawPeer peer = RawPeer.open()) {
                BlockingQueue<Message> in = inbox(peer.channel);
                peer.send(new int[0], "{\"type\":\"net.Server\",\"msg\":{\"i\":0," + pad(n) + "},\"cmd\":\"NODE_HANDLE\"}");
                assertThat(peer.next().get("cmd").asString()).as("pad %d", n).isEqualTo("NODE_HANDLE_NACK");
                peer.send(new int[0], "{\"i\":1}");
                assertThat(take(in).body().get("i").asInt()).isEqualTo(1);
                assertThat(in).isEmpty();
            }
        }
    }

    @Test
    void messagesWhoseCmdIsNotAnInternalOneAreDeliveredAtEverySize() throws Exception {
        for (int n : PADS) {
            List<String> user = List.of(
                    "{" + pad(n) + ",\"cmd\":\"NODE_\"}", // exactly NODE_: not internal (Node's length > 5 rule)
                    "{" + pad(n) + ",\"cmd\":\"NODEX\"}",
                    "{" + pad(n) + ",\"cmd\":\"node_x\"}",
                    "{" + pad(n) + ",\"cmd\":42}",
                    "{" + pad(n) + ",\"inner\":{\"cmd\":\"NODE_X\"}}", // not at the top level
                    "[{\"cmd\":\"NODE_X\"}," + pad(n).replace("\"pad\":", "") + "]",
                    "{\"cmd\":\"mine\"," + pad(n) + "}");
            try (RawPeer peer = RawPeer.open()) {
                BlockingQueue<Message> in = inbox(peer.channel);
                peer.send(new int[0], user.toArray(String[]::new));
                for (String line : user) assertThat(take(in).body()).isEqualTo(CODEC.parse(line));
            }
        }
    }
}
