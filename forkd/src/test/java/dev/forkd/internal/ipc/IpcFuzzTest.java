package dev.forkd.internal.ipc;

import dev.forkd.internal.json.JsonCodec;
import static org.assertj.core.api.Assertions.assertThat;

import dev.forkd.internal.io.Fd;
import dev.forkd.internal.io.Fds;
import dev.forkd.ipc.Handle;
import dev.forkd.ipc.Message;
import java.io.ByteArrayOutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import tools.jackson.databind.JsonNode;

/**
 * Fuzzes the receive side of the IPC channel: random messages (every JSON type, raw multi-byte text, U+2028,
 * escapes, lone surrogates, {@code cmd} members that are and are not internal, first and last), handle
 * messages with real fds, malformed and blank lines, lines over the limit, random read splits, random fd
 * placement. Nothing escapes the decoder or the channel, no valid message is lost or reordered, every handle
 * reaches its own message, and every fd is handed to a handle message or closed (counted in /proc/self/fd).
 *
 * <p>Seeded and deterministic: the seed is printed; run with {@code -Dforkd.test.seed=<n>} to repeat a run, or
 * {@code -Dforkd.test.seed=random} for a new one. The default seed is fixed, so CI runs the same cases.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class IpcFuzzTest {
    private static final JsonCodec CODEC = new JsonCodec();
    private static final long SEED = seed();

    private static long seed() {
        String s = System.getProperty("forkd.test.seed");
        long seed = s == null || s.isBlank() ? 0x5eed_f0cdL : s.equals("random") ? System.nanoTime() : Long.decode(s);
        System.out.println("IpcFuzzTest seed " + seed + " (repeat with -Dforkd.test.seed=" + seed + ")");
        return seed;
    }

    @BeforeAll
    static void settleFds() {
        OpenFds.settle();
    }

    // ------------------------------------------------------------------ the generated stream

    enum Kind {
        /** A valid user message of any JSON type. */
        PLAIN,
        /** A valid internal message ({@code cmd} NODE_FUZZ), first or last member. */
        INTERNAL,
        /** A valid NODE_HANDLE message; its sendmsg carries an fd for it. */
        HANDLE,
        /** Random bytes (no line feed) with a raw control character: never JSON. */
        GARBAGE,
        /** The start of a handle message and then garbage; its sendmsg carries an fd for it. */
        BROKEN_HANDLE,
        /** Nothing but JSON whitespace. */
        BLANK,
        /** A valid message longer than the limit. */
        TOO_LONG,
        /** A handle message longer than the limit, {@code cmd} first; its sendmsg carries an fd for it. */
        TOO_LONG_HANDLE;

        boolean valid() {
            return this == PLAIN || this == INTERNAL || this == HANDLE;
        }

        boolean takesFd() {
            return this == HANDLE || this == BROKEN_HANDLE || this == TOO_LONG_HANDLE;
        }
    }

    /**
     * One line: its bytes with the line feed, the tree a valid one parses to, and for a handle message the
     * tree of its {@code msg} (what the channel delivers).
     */
    record Item(Kind kind, byte[] line, JsonNode tree, JsonNode msg, int id) {}

    /** One sendmsg: the lines written together, with one fd for each item that {@link Kind#takesFd takes one}. */
    record Send(List<Item> items, byte[] bytes, int fds) {}

    /** Generates streams whose lines are at most {@code limit} bytes unless they are meant to be longer. */
    static final class Generator {
        final Random r;
        final int limit;
        /** Sizes of the longest valid lines it makes, and of the too-long ones beyond the limit. */
        final int bigValid;
        int ids;

        Generator(Random r, int limit, int bigValid) {
            this.r = r;
            this.limit = limit;
            this.bigValid = bigValid;
        }

        List<Send> stream(int sends) {
            List<Send> all = new ArrayList<>();
            for (int i = 0; i < sends; i++) {
                List<Item> items = new ArrayList<>();
                for (int k = 1 + r.nextInt(4); k > 0; k--) items.add(item());
                ByteArrayOutputStream b = new ByteArrayOutputStream();
                int fds = 0;
                for (Item it : items) {
                    b.writeBytes(it.line());
                    if (it.kind().takesFd()) fds++;
                }
                all.add(new Send(List.copyOf(items), b.toByteArray(), fds));
            }
            return all;
        }

        Item item() {
            int p = r.nextInt(100);
            Kind kind = p < 40 ? Kind.PLAIN : p < 48 ? Kind.INTERNAL : p < 68 ? Kind.HANDLE : p < 78 ? Kind.GARBAGE
                    : p < 83 ? Kind.BROKEN_HANDLE : p < 88 ? Kind.BLANK : p < 94 ? Kind.TOO_LONG : Kind.TOO_LONG_HANDLE;
            return item(kind);
        }

        Item item(Kind kind) {
            int id = ids++;
            return switch (kind) {
                case PLAIN -> valid(kind, sized(value(0)), id);
                case INTERNAL -> {
                    Map<String, Object> m = new LinkedHashMap<>();
                    boolean cmdFirst = r.nextBoolean();
                    if (cmdFirst) m.put("cmd", "NODE_FUZZ");
                    m.put("id", id);
                    m.put("v", sized(value(1)));
                    if (!cmdFirst) m.put("cmd", "NODE_FUZZ");
                    yield valid(kind, m, id);
                }
                case HANDLE -> {
                    Map<String, Object> msg = new LinkedHashMap<>();
                    msg.put("k", id);
                    msg.put("v", sized(value(1)));
                    Map<String, Object> m = new LinkedHashMap<>();
                    boolean cmdFirst = r.nextBoolean();
                    if (cmdFirst) m.put("cmd", "NODE_HANDLE");
                    m.put("type", r.nextBoolean() ? "net.Server" : "net.Native");
                    m.put("msg", msg);
                    if (!cmdFirst) m.put("cmd", "NODE_HANDLE");
                    yield valid(kind, m, id);
                }
                case GARBAGE -> new Item(kind, garbage(new byte[0]), null, null, id);
                case BROKEN_HANDLE -> new Item(kind,
                        garbage("{\"cmd\":\"NODE_HANDLE\",\"type\":\"net.Server\",\"msg\":".getBytes(StandardCharsets.UTF_8)),
                        null, null, id);
                case BLANK -> new Item(kind, (List.of("", " ", "\t", "\r", " \t \r").get(r.nextInt(5)) + "\n")
                        .getBytes(StandardCharsets.UTF_8), null, null, id);
                case TOO_LONG -> {
                    Map<String, Object> m = new LinkedHashMap<>();
                    m.put("id", id);
                    m.put("pad", "p".repeat(limit + r.nextInt(limit)));
                    yield new Item(kind, CODEC.encode(m), null, null, id);
                }
                case TOO_LONG_HANDLE -> {
                    Map<String, Object> m = new LinkedHashMap<>();
                    m.put("cmd", "NODE_HANDLE"); // as Node and forkd write it, so the decoder knows what it drops
                    m.put("type", "net.Server");
                    m.put("msg", Map.of("k", id, "pad", "h".repeat(limit + r.nextInt(limit))));
                    yield new Item(kind, CODEC.encode(m), null, null, id);
                }
            };
        }

        private Item valid(Kind kind, Object value, int id) {
            byte[] line = CODEC.encode(value);
            if (line.length - 1 > limit) return item(kind); // rare: a random value came out too big; draw again
            JsonNode tree;
            try {
                tree = CODEC.parse(line, line.length - 1);
            } catch (dev.forkd.internal.json.JsonFormatException e) {
                // Jackson reads what forkd's own reader leaves to it (19-digit numbers), and it rejects a key with
                // a lone surrogate that forkd's reader accepts: such a combination is not a valid message here.
                return item(kind);
            }
            return new Item(kind, line, tree, kind == Kind.HANDLE ? tree.get("msg") : null, id);
        }

        /** Mostly small; now and then a value padded to a size near {@link #bigValid}. */
        private Object sized(Object v) {
            if (r.nextInt(12) != 0) return v;
            List<Object> padded = new ArrayList<>();
            padded.add(v);
            padded.add("b".repeat(bigValid / 2 + r.nextInt(bigValid / 2 - 200)));
            return padded;
        }

        Object value(int depth) {
            int k = r.nextInt(depth >= 3 ? 6 : 9);
            return switch (k) {
                case 0 -> r.nextInt();
                case 1 -> r.nextLong();
                case 2 -> r.nextInt(1000) / 8.0;
                case 3 -> r.nextBoolean();
                case 4 -> null;
                case 5 -> text();
                case 6, 7 -> {
                    Map<String, Object> m = new LinkedHashMap<>();
                    for (int i = r.nextInt(5); i > 0; i--) {
                        String key = switch (r.nextInt(6)) {
                            case 0 -> "cmd"; // with values that are not internal ones
                            default -> text();
                        };
                        Object v = value(depth + 1);
                        if (key.equals("cmd") && depth == 0) {
                            v = List.of("NODE_", "NODEX", "node_x", "mine", "").get(r.nextInt(5));
                        }
                        m.put(key, v);
                    }
                    if (depth > 0 && r.nextInt(4) == 0) m.put("cmd", "NODE_NESTED"); // not at the top: user data
                    yield m;
                }
                default -> {
                    List<Object> l = new ArrayList<>();
                    for (int i = r.nextInt(5); i > 0; i--) l.add(value(depth + 1));
                    yield l;
                }
            };
        }

        private static final String[] PIECES = {"a", "Z", "0", " ", "\"", "\\", "\n", "\r", "\t", "\u0001", "/", "é",
                "\u2028", "\u2029", "😀", "\ud800", "\udc00", "日本", "{", "}", "[", "]", ":", ",", "\\u", "cmd",
                "NODE_HANDLE"};

        String text() {
            StringBuilder sb = new StringBuilder();
            for (int i = r.nextInt(8); i > 0; i--) sb.append(PIECES[r.nextInt(PIECES.length)]);
            return sb.toString();
        }

        /** {@code prefix}, random bytes without a line feed but with a raw 0x01 (never JSON), and a line feed. */
        private byte[] garbage(byte[] prefix) {
            byte[] junk = new byte[1 + r.nextInt(40)];
            r.nextBytes(junk);
            for (int i = 0; i < junk.length; i++) if (junk[i] == '\n') junk[i] = ' ';
            junk[r.nextInt(junk.length)] = 0x01;
            byte[] line = Arrays.copyOf(prefix, prefix.length + junk.length + 1);
            System.arraycopy(junk, 0, line, prefix.length, junk.length);
            line[line.length - 1] = '\n';
            return line;
        }
    }

    /** The read end of a fresh pipe: a real fd to pass around. */
    private static Fd realFd() throws Exception {
        Fd[] pipe = Fds.pipe();
        pipe[1].close();
        return pipe[0];
    }

    /** What a decoder produced: messages with the fd each took, errors. */
    static final class Outcome implements ParsedLines.MessageListener {
        final List<JsonNode> messages = new ArrayList<>();
        final List<Fd> handleFds = new ArrayList<>();
        final List<MessageFormatException> errors = new ArrayList<>();

        @Override
        public void message(JsonNode message, Fd handleFd) {
            messages.add(message);
            handleFds.add(handleFd);
        }

        @Override
        public void error(MessageFormatException error) {
            errors.add(error);
        }
    }

    // ------------------------------------------------------------------ the decoder, split as the kernel does

    @Test
    void theDecoderHandsEveryFdToItsOwnHandleMessageWhateverTheReadSplits() throws Exception {
        Random r = new Random(SEED);
        long before = OpenFds.count();
        int limit = 2048;
        for (int iteration = 0; iteration < 400; iteration++) {
            String where = "seed " + SEED + ", iteration " + iteration;
            Generator g = new Generator(r, limit, limit);
            List<Send> stream = g.stream(1 + r.nextInt(30));
            Outcome out = new Outcome();
            JsonLineDecoder decoder = new JsonLineDecoder(limit, ParsedLines.messages(CODEC, out));

            // Real fds, one per item that takes one; now and then a sendmsg's fds are lost (MSG_CTRUNC).
            Map<Item, Fd> fdOf = new IdentityHashMap<>();
            List<List<Fd>> sendFds = new ArrayList<>();
            boolean[] lost = new boolean[stream.size()];
            List<Fd> all = new ArrayList<>();
            for (int s = 0; s < stream.size(); s++) {
                List<Fd> fds = new ArrayList<>();
                // Only a sendmsg of one message, as Node and forkd write them: when a sendmsg that glued several
                // loses its fds, one of its later handle messages may take the next sendmsg's (see JsonLineDecoder);
                // the next test checks for such streams only that nothing leaks or is handed out twice.
                lost[s] = stream.get(s).fds() > 0 && stream.get(s).items().size() == 1 && r.nextInt(10) == 0;
                for (Item it : stream.get(s).items()) {
                    if (!it.kind().takesFd()) continue;
                    Fd fd = realFd();
                    all.add(fd);
                    fds.add(fd);
                    if (!lost[s]) fdOf.put(it, fd);
                }
                if (lost[s]) fds.forEach(Fd::close); // what the kernel does with them
                sendFds.add(lost[s] ? List.of() : fds);
            }

            // The kernel's reads: any split, fd-less sendmsgs glued together, but a read that takes the first byte
            // of a sendmsg with fds brings those fds and ends inside that sendmsg.
            byte[] bytes = concat(stream);
            int[] starts = starts(stream);
            int maxChunk = 1 + r.nextInt(r.nextBoolean() ? 16 : 3 * limit);
            int pos = 0;
            while (pos < bytes.length) {
                int end = Math.min(bytes.length, pos + 1 + r.nextInt(maxChunk));
                List<Fd> fds = List.of();
                boolean fdsLost = false;
                for (int s = 0; s < stream.size(); s++) {
                    boolean carries = stream.get(s).fds() > 0;
                    if (carries && starts[s] >= pos && starts[s] < end) {
                        end = Math.min(end, starts[s] + stream.get(s).bytes().length);
                        fds = sendFds.get(s);
                        fdsLost = lost[s];
                        break;
                    }
                }
                decoder.feed(bytes, pos, end - pos, fds, fdsLost);
                pos = end;
            }
            decoder.end();

            List<Item> valid = stream.stream().flatMap(s -> s.items().stream()).filter(i -> i.kind().valid()).toList();
            assertThat(out.messages).as(where).containsExactlyElementsOf(valid.stream().map(Item::tree).toList());
            for (int i = 0; i < valid.size(); i++) {
                Fd expected = valid.get(i).kind() == Kind.HANDLE ? fdOf.get(valid.get(i)) : null;
                assertThat(out.handleFds.get(i)).as("%s: the fd of message %d", where, i).isSameAs(expected);
            }
            long dropped = stream.stream().flatMap(s -> s.items().stream()).filter(i -> !i.kind().valid()).count();
            assertThat(out.errors).as(where).hasSize((int) dropped)
                    .noneMatch(e -> e.kind() == MessageFormatException.Kind.STRAY_FDS
                            || e.kind() == MessageFormatException.Kind.TRUNCATED);
            for (Fd fd : all) {
                boolean handedOut = out.handleFds.contains(fd);
                assertThat(handedOut || fd.isClosed()).as("%s: %s was neither handed out nor closed", where, fd).isTrue();
                fd.close();
            }
            assertThat(decoder.queuedFds()).isZero();
        }
        assertThat(OpenFds.count()).as("no fd leaked").isEqualTo(before);
    }

    @Test
    void theDecoderSurvivesFdsAnywhereLostFdsAndRandomBytes() throws Exception {
        Random r = new Random(SEED ^ 0x600dL);
        long before = OpenFds.count();
        int limit = 1024;
        for (int iteration = 0; iteration < 300; iteration++) {
            String where = "seed " + (SEED ^ 0x600dL) + ", iteration " + iteration;
            Generator g = new Generator(r, limit, limit);
            List<Send> stream = g.stream(1 + r.nextInt(20));
            Outcome out = new Outcome();
            JsonLineDecoder decoder = new JsonLineDecoder(limit, ParsedLines.messages(CODEC, out));
            byte[] bytes = concat(stream);
            List<Fd> given = new ArrayList<>();
            int pos = 0;
            while (pos < bytes.length) {
                int end = Math.min(bytes.length, pos + 1 + r.nextInt(1 + r.nextInt(2 * limit)));
                List<Fd> fds = new ArrayList<>();
                if (r.nextInt(4) == 0) {
                    for (int k = r.nextInt(4); k > 0; k--) fds.add(realFd());
                }
                given.addAll(fds);
                decoder.feed(bytes, pos, end - pos, fds, r.nextInt(15) == 0);
                pos = end;
            }
            // Then bytes with no structure at all, and a message that must still come through after them.
            for (int k = r.nextInt(4); k > 0; k--) {
                byte[] noise = new byte[1 + r.nextInt(3 * limit)];
                r.nextBytes(noise);
                List<Fd> fds = r.nextBoolean() ? List.of(realFd()) : List.of();
                given.addAll(fds);
                decoder.feed(noise, 0, noise.length, fds, false);
            }
            byte[] sentinel = "\n{\"sentinel\":true}\n".getBytes(StandardCharsets.UTF_8);
            decoder.feed(sentinel, 0, sentinel.length, List.of());
            decoder.end();

            List<JsonNode> valid = stream.stream().flatMap(s -> s.items().stream())
                    .filter(i -> i.kind().valid()).map(Item::tree).toList();
            assertThat(out.messages.subList(0, valid.size())).as(where).containsExactlyElementsOf(valid);
            assertThat(out.messages.getLast()).as(where).isEqualTo(CODEC.parse("{\"sentinel\":true}"));
            Set<Fd> handedOut = java.util.Collections.newSetFromMap(new IdentityHashMap<>());
            for (Fd fd : out.handleFds) {
                if (fd != null) assertThat(handedOut.add(fd)).as("%s: %s handed out twice", where, fd).isTrue();
            }
            for (Fd fd : given) {
                assertThat(handedOut.contains(fd) || fd.isClosed()).as("%s: %s leaked", where, fd).isTrue();
                fd.close();
            }
            assertThat(decoder.queuedFds()).isZero();
        }
        assertThat(OpenFds.count()).as("no fd leaked").isEqualTo(before);
    }

    // ------------------------------------------------------------------ a real channel, through a real socket

    @Test
    void aChannelFedAFuzzedStreamThroughASocketDeliversEveryValidMessageAndAnswersEveryHandle() throws Exception {
        Random r = new Random(SEED ^ 0xc4a77e1L);
        List<String> severe = new CopyOnWriteArrayList<>();
        Handler capture = new Handler() {
            @Override
            public void publish(LogRecord rec) {
                if (rec.getLevel().intValue() >= Level.SEVERE.intValue()) severe.add(rec.getMessage());
                if (rec.getLevel().intValue() >= Level.WARNING.intValue()) {
                    String m = rec.getMessage();
                    WARNINGS.add(m.length() > 200 ? m.substring(0, 200) + "..." : m);
                    if (WARNINGS.size() > 20) WARNINGS.removeFirst();
                }
            }

            @Override
            public void flush() {}

            @Override
            public void close() {}
        };
        Logger forkdLog = Logger.getLogger("dev.forkd");
        boolean wasParent = forkdLog.getUseParentHandlers();
        forkdLog.addHandler(capture);
        forkdLog.setUseParentHandlers(false); // hundreds of expected warnings about the garbage
        long before = OpenFds.count();
        int limit = 96 * 1024; // lines over 64 KiB are not searched on the loop: both ways are fuzzed
        try {
            for (int iteration = 0; iteration < 12; iteration++) {
                String where = "seed " + (SEED ^ 0xc4a77e1L) + ", iteration " + iteration;
                List<Send> stream = new Generator(r, limit, 80 * 1024).stream(5 + r.nextInt(25));
                runThroughAChannel(stream, limit, where);
            }
        } finally {
            forkdLog.removeHandler(capture);
            forkdLog.setUseParentHandlers(wasParent);
        }
        assertThat(severe).as("nothing failed inside the channel or its loop").isEmpty();
        assertThat(OpenFds.count()).as("no fd leaked").isEqualTo(before);
    }

    /** The last warnings of the channel, for failure messages. */
    private static final List<String> WARNINGS = new CopyOnWriteArrayList<>();

    /** A tree as a failure message shows it: long strings shortened. */
    private static String brief(JsonNode n) {
        String s = String.valueOf(n);
        return s.length() <= 160 ? s : s.substring(0, 120) + "...(" + s.length() + " chars)..." + s.substring(s.length() - 30);
    }

    private static void assertSame(JsonNode actual, JsonNode expected, String what) {
        if (!java.util.Objects.equals(actual, expected)) {
            throw new AssertionError(what + ": expected " + brief(expected) + " but got " + brief(actual)
                    + "; last warnings: " + String.join(" | ", WARNINGS));
        }
    }

    private static void runThroughAChannel(List<Send> stream, int limit, String where) throws Exception {
        InetSocketAddress loopback = new InetSocketAddress(InetAddress.getLoopbackAddress(), 0);
        Map<Item, ServerSocketChannel> serverOf = new IdentityHashMap<>();
        List<ServerSocketChannel> servers = new ArrayList<>();
        try (RawPeer peer = RawPeer.open(limit)) {
            BlockingQueue<Message> in = new LinkedBlockingQueue<>();
            peer.channel.onMessage(in::add);
            BlockingQueue<JsonNode> internal = new LinkedBlockingQueue<>();
            peer.channel.onInternalMessage((m, h) -> internal.add(m));
            for (Send s : stream) {
                int[] fds = new int[s.fds()];
                int k = 0;
                for (Item it : s.items()) {
                    if (!it.kind().takesFd()) continue;
                    ServerSocketChannel server = ServerSocketChannel.open().bind(loopback);
                    servers.add(server);
                    serverOf.put(it, server);
                    fds[k++] = HandleAdoption.fdOf(server);
                }
                peer.sendBytes(fds, s.bytes());
            }
            peer.send(new int[0], "{\"sentinel\":true}");

            List<Item> items = stream.stream().flatMap(s -> s.items().stream()).toList();
            for (Item it : items) {
                if (it.kind() == Kind.PLAIN) {
                    Message m = in.poll(1, TimeUnit.DAYS);
                    assertSame(m.body(), it.tree(), where + ": item " + it.id());
                    assertThat(m.handle()).isEmpty();
                } else if (it.kind() == Kind.HANDLE) {
                    Message m = in.poll(1, TimeUnit.DAYS);
                    assertSame(m.body(), it.msg(), where + ": item " + it.id());
                    Handle.Server got = (Handle.Server) m.handle().orElseThrow();
                    assertThat(got.channel().getLocalAddress()).as("%s: the handle of item %d", where, it.id())
                            .isEqualTo(serverOf.get(it).getLocalAddress());
                    got.channel().close();
                }
            }
            assertThat(in.poll(1, TimeUnit.DAYS).body()).as(where).isEqualTo(CODEC.parse("{\"sentinel\":true}"));

            List<JsonNode> internals = items.stream().filter(i -> i.kind() == Kind.INTERNAL).map(Item::tree).toList();
            List<JsonNode> gotInternal = new ArrayList<>();
            for (int i = 0; i < internals.size(); i++) gotInternal.add(internal.poll(1, TimeUnit.DAYS));
            // Long ones whose cmd is not first are recognised by the inbox, later than short ones behind them.
            assertThat(gotInternal).as(where).containsExactlyInAnyOrderElementsOf(internals);

            List<String> answers = items.stream().filter(i -> i.kind().takesFd())
                    .map(i -> i.kind() == Kind.HANDLE ? "NODE_HANDLE_ACK" : "NODE_HANDLE_NACK").toList();
            assertThat(peer.next(answers.size())).as(where).extracting(n -> n.get("cmd").asString())
                    .containsExactlyElementsOf(answers);
            assertThat(peer.channel.isConnected()).as(where).isTrue();
            assertThat(in).as(where).isEmpty();
        } finally {
            for (ServerSocketChannel s : servers) s.close();
        }
    }

    private static byte[] concat(List<Send> stream) {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        for (Send s : stream) b.writeBytes(s.bytes());
        return b.toByteArray();
    }

    private static int[] starts(List<Send> stream) {
        int[] starts = new int[stream.size()];
        int at = 0;
        for (int i = 0; i < stream.size(); i++) {
            starts[i] = at;
            at += stream.get(i).bytes().length;
        }
        return starts;
    }
}
