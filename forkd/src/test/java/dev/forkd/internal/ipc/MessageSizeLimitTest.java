package dev.forkd.internal.ipc;

import dev.forkd.internal.json.JsonCodec;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.forkd.Stdio;
import dev.forkd.ipc.Channel;
import dev.forkd.ipc.Message;
import dev.forkd.ipc.MessageTooLargeException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.JsonNodeFactory;

/**
 * The channel's limit on one message: a send over it fails its own future and writes nothing, a message over
 * it from the peer is skipped and reported, and the channel goes on either way. The default lets messages far
 * above the old 64 MiB through.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class MessageSizeLimitTest {
    private static final JsonCodec CODEC = new JsonCodec();
    private static final int LIMIT = 20_000;

    /** The WARNING lines of the dev.forkd logger (System.Logger goes to java.util.logging by default). */
    private final List<String> warnings = new java.util.concurrent.CopyOnWriteArrayList<>();
    private final Handler capture = new Handler() {
        @Override
        public void publish(LogRecord r) {
            if (r.getLevel().intValue() >= java.util.logging.Level.WARNING.intValue()) warnings.add(r.getMessage());
        }

        @Override
        public void flush() {}

        @Override
        public void close() {}
    };

    @org.junit.jupiter.api.BeforeAll
    static void settleFds() {
        OpenFds.settle();
    }

    @BeforeEach
    void captureWarnings() {
        Logger.getLogger("dev.forkd").addHandler(capture);
    }

    @AfterEach
    void stopCapturing() {
        Logger.getLogger("dev.forkd").removeHandler(capture);
    }

    private static BlockingQueue<Message> inbox(Channel ch) {
        BlockingQueue<Message> q = new LinkedBlockingQueue<>();
        ch.onMessage(q::add);
        return q;
    }

    /** A message of exactly {@code bytes} bytes of JSON: {"s":"xx...x"}. */
    private static Map<String, String> ofSize(int bytes) {
        return Map.of("s", "x".repeat(bytes - 8));
    }

    private static MessageTooLargeException failure(CompletableFuture<Void> f) {
        ExecutionException e = org.junit.jupiter.api.Assertions.assertThrows(ExecutionException.class,
                () -> f.get(1, TimeUnit.DAYS));
        assertThat(e.getCause()).isInstanceOf(MessageTooLargeException.class);
        return (MessageTooLargeException) e.getCause();
    }

    @Test
    void aSendOverTheLimitFailsItsFutureNamingTheLimitAndTheChannelGoesOn() throws Exception {
        try (RawPeer peer = RawPeer.open(LIMIT)) {
            IpcChannel ch = peer.channel;
            assertThat(ch.maxMessageBytes()).isEqualTo(LIMIT);
            assertThat(CODEC.encode(ofSize(LIMIT))).hasSize(LIMIT + 1);

            MessageTooLargeException plain = failure(ch.send(ofSize(LIMIT + 1)));
            assertThat(plain.size()).isEqualTo(LIMIT + 1);
            assertThat(plain.limit()).isEqualTo(LIMIT);
            assertThat(plain).hasMessageContaining("limit of " + LIMIT + " bytes").hasMessageContaining("maxMessageBytes");
            // A bean goes through Jackson's mapper instead of forkd's own encoder: the same check.
            record Bean(String s) {}
            assertThat(failure(ch.send(new Bean("y".repeat(LIMIT)))).limit()).isEqualTo(LIMIT);
            // forkd's internal messages (cluster) and handle messages count with their envelope.
            assertThat(failure(ch.sendInternal(JsonNodeFactory.instance.objectNode().put("cmd", "NODE_CLUSTER")
                    .put("pad", "z".repeat(LIMIT)))).limit()).isEqualTo(LIMIT);
            long fds = OpenFds.count();
            try (ServerSocketChannel server = ServerSocketChannel.open()
                    .bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))) {
                assertThat(failure(ch.send(ofSize(LIMIT - 10), server)).size()).isGreaterThan(LIMIT);
            }
            assertThat(OpenFds.count()).as("no duplicate of the handle is left behind").isEqualTo(fds);

            // Nothing of those was written: the peer sees exactly the messages that fit, in order.
            ch.send(Map.of("after", 1)).get(1, TimeUnit.DAYS);
            ch.send(ofSize(LIMIT)).get(1, TimeUnit.DAYS);
            assertThat(peer.next()).isEqualTo(CODEC.parse("{\"after\":1}"));
            assertThat(peer.next().get("s").stringValue()).hasSize(LIMIT - 8);
            assertThat(ch.isConnected()).isTrue();
        }
    }

    @Test
    void aMessageOverTheLimitFromThePeerIsSkippedReportedAndTheNextOneArrives() throws Exception {
        try (RawPeer peer = RawPeer.open(LIMIT)) {
            BlockingQueue<Message> in = inbox(peer.channel);
            String tooLong = new String(CODEC.encode(ofSize(LIMIT + 1)), StandardCharsets.UTF_8).strip();
            String fits = new String(CODEC.encode(ofSize(LIMIT)), StandardCharsets.UTF_8).strip();
            peer.send(new int[0], tooLong, "{\"next\":1}", fits);
            assertThat(in.poll(1, TimeUnit.DAYS).body()).isEqualTo(CODEC.parse("{\"next\":1}"));
            assertThat(in.poll(1, TimeUnit.DAYS).body().get("s").stringValue()).hasSize(LIMIT - 8);
            assertThat(warnings).anySatisfy(w -> assertThat(w)
                    .contains("raw peer", "longer than the limit of " + LIMIT + " bytes", "maxMessageBytes"));
            assertThat(peer.channel.isConnected()).isTrue();
        }
    }

    @Test
    void theDefaultLimitLetsAMessageFarOverTheOld64MibThrough() throws Exception {
        assertThat(Channel.DEFAULT_MAX_MESSAGE_BYTES).isEqualTo(1L << 30);
        try (RawPeer peer = RawPeer.open()) {
            assertThat(peer.channel.maxMessageBytes()).isEqualTo(Channel.DEFAULT_MAX_MESSAGE_BYTES);
            BlockingQueue<Message> in = inbox(peer.channel);
            int size = (64 << 20) + 1024;
            byte[] line = CODEC.encode(ofSize(size));
            assertThat(line).hasSize(size + 1);
            peer.sendBytes(new int[0], line);
            peer.send(new int[0], "{\"after\":1}");
            JsonNode big = in.poll(1, TimeUnit.DAYS).body();
            assertThat(big.get("s").stringValue()).hasSize(size - 8);
            assertThat(in.poll(1, TimeUnit.DAYS).body()).isEqualTo(CODEC.parse("{\"after\":1}"));
            assertThat(warnings).isEmpty();
        }
    }

    @Test
    void theLimitIsCheckedWhereItIsSet() {
        for (long bad : List.of(0L, -1L, Channel.MAX_MESSAGE_BYTES_LIMIT + 1)) {
            assertThatThrownBy(() -> Stdio.ipc(bad)).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("maxMessageBytes");
            assertThatThrownBy(() -> dev.forkd.ForkOptions.of("Main").maxMessageBytes(bad))
                    .isInstanceOf(IllegalArgumentException.class);
        }
        assertThat(Stdio.ipc()).isEqualTo(Stdio.ipc(Channel.DEFAULT_MAX_MESSAGE_BYTES));
        assertThat(dev.forkd.ForkOptions.of("Main").maxMessageBytes()).isEqualTo(Channel.DEFAULT_MAX_MESSAGE_BYTES);
        assertThat(dev.forkd.ForkOptions.of("Main").maxMessageBytes(5).toCommand().stdio().get(3))
                .hasValue(Stdio.ipc(5));
    }
}
