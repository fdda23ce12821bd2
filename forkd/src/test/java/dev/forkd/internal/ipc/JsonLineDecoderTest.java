package dev.forkd.internal.ipc;

import static org.assertj.core.api.Assertions.assertThat;

import dev.forkd.internal.io.Fd;
import dev.forkd.internal.io.Fds;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class JsonLineDecoderTest {
    private static final JsonCodec CODEC = new JsonCodec();

    /** Non-ASCII (2-byte é), raw U+2028/U+2029 (3 bytes), a 4-byte emoji, an escaped LF, bare values. */
    private static final List<Object> MESSAGES = List.of(
            Map.of("a", "é"),
            Map.of("ls", "x\u2028y\u2029z"),
            "😀 smile",
            42,
            Map.of("nested", Map.of("s", "line1\nline2 üñï 😀")),
            List.of(1, "two", Map.of("three", 3)));

    private static final class Collector implements JsonLineDecoder.Listener {
        final List<String> lines = new ArrayList<>();
        final List<List<Fd>> fds = new ArrayList<>();
        final List<MessageFormatException> errors = new ArrayList<>();

        @Override
        public void line(String line, List<Fd> lineFds) {
            lines.add(line);
            fds.add(lineFds);
        }

        @Override
        public void error(MessageFormatException error) {
            errors.add(error);
        }
    }

    private static byte[] wire() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (Object m : MESSAGES) out.writeBytes(CODEC.encode(m));
        return out.toByteArray();
    }

    private static List<String> expectedLines() {
        List<String> lines = new ArrayList<>();
        for (Object m : MESSAGES) {
            byte[] line = CODEC.encode(m);
            lines.add(new String(line, 0, line.length - 1, StandardCharsets.UTF_8));
        }
        return lines;
    }

    @Test
    void theWireHoldsRawMultiByteCharactersThatASplitCanCut() {
        String text = new String(wire(), StandardCharsets.UTF_8);
        assertThat(text).contains("\u2028", "\u2029", "😀", "é").contains("\\n");
        assertThat(wire()).contains(0xe2, 0x80, 0xa8).contains(0xf0, 0x9f, 0x98, 0x80);
    }

    @Test
    void splittingTheStreamAtAnyOneByteGivesTheSameLines() {
        byte[] wire = wire();
        for (int p = 0; p <= wire.length; p++) {
            Collector c = new Collector();
            JsonLineDecoder d = new JsonLineDecoder(c);
            d.feed(wire, 0, p, List.of());
            d.feed(wire, p, wire.length - p, List.of());
            assertThat(c.lines).as("split at %d", p).isEqualTo(expectedLines());
            assertThat(c.errors).isEmpty();
            assertThat(d.buffered()).isZero();
        }
    }

    @Test
    void splittingTheStreamAtAnyTwoBytesGivesTheSameLines() {
        byte[] wire = wire();
        for (int p = 0; p <= wire.length; p++) {
            for (int q = p; q <= wire.length; q++) {
                Collector c = new Collector();
                JsonLineDecoder d = new JsonLineDecoder(c);
                d.feed(wire, 0, p, List.of());
                d.feed(wire, p, q - p, List.of());
                d.feed(wire, q, wire.length - q, List.of());
                assertThat(c.lines).as("split at %d and %d", p, q).isEqualTo(expectedLines());
            }
        }
    }

    @Test
    void feedingOneByteAtATimeGivesTheSameLines() {
        byte[] wire = wire();
        Collector c = new Collector();
        JsonLineDecoder d = new JsonLineDecoder(c);
        for (int i = 0; i < wire.length; i++) d.feed(wire, i, 1, List.of());
        assertThat(c.lines).isEqualTo(expectedLines());
    }

    @Test
    void everyLineParsesBackToTheValueThatWasSent() throws Exception {
        Collector c = new Collector();
        byte[] wire = wire();
        new JsonLineDecoder(c).feed(wire, 0, wire.length, List.of());
        for (int i = 0; i < MESSAGES.size(); i++) {
            assertThat(CODEC.parse(c.lines.get(i))).isEqualTo(CODEC.mapper().valueToTree(MESSAGES.get(i)));
        }
    }

    @Test
    void blankAndMalformedLinesAreReportedAndDecodingCarriesOn() {
        List<Object> messages = new ArrayList<>();
        List<MessageFormatException> errors = new ArrayList<>();
        JsonLineDecoder d = new JsonLineDecoder(JsonLineDecoder.messages(CODEC, new JsonLineDecoder.MessageListener() {
            @Override
            public void message(tools.jackson.databind.JsonNode message, List<Fd> fds) {
                messages.add(message.toString());
            }

            @Override
            public void error(MessageFormatException error) {
                errors.add(error);
            }
        }));
        byte[] in = "{\"a\":1}\n\n   \n{\"b\":\n{} {}\n nul\n  {\"c\":3}\r\n\"ok\"\n".getBytes(StandardCharsets.UTF_8);
        d.feed(in, 0, in.length, List.of());

        assertThat(messages).containsExactly("{\"a\":1}", "{\"c\":3}", "\"ok\"");
        assertThat(errors).extracting(MessageFormatException::kind).containsExactly(
                MessageFormatException.Kind.BLANK_LINE, MessageFormatException.Kind.BLANK_LINE,
                MessageFormatException.Kind.MALFORMED_JSON, MessageFormatException.Kind.MALFORMED_JSON,
                MessageFormatException.Kind.MALFORMED_JSON);
        assertThat(errors.get(2)).hasMessageContaining("malformed JSON on the IPC channel: \"{\\\"b\\\":\"");
    }

    @Test
    void aLineLongerThanTheBoundIsReportedOnceSkippedAndTheNextLineStillArrives() {
        Collector c = new Collector();
        JsonLineDecoder d = new JsonLineDecoder(16, c);
        byte[] big = ("\"" + "x".repeat(40) + "\"").getBytes(StandardCharsets.UTF_8);
        for (int i = 0; i < big.length; i += 7) d.feed(big, i, Math.min(7, big.length - i), List.of());
        assertThat(c.errors).singleElement().satisfies(e -> {
            assertThat(e.kind()).isEqualTo(MessageFormatException.Kind.LINE_TOO_LONG);
            assertThat(e).hasMessageContaining("longer than 16 bytes");
        });
        assertThat(d.buffered()).isZero();
        byte[] rest = "tail\"\n{\"ok\":1}\n".getBytes(StandardCharsets.UTF_8);
        d.feed(rest, 0, rest.length, List.of());
        assertThat(c.lines).containsExactly("{\"ok\":1}");
        assertThat(c.errors).hasSize(1);
    }

    @Test
    void aLineExactlyAtTheBoundIsAccepted() {
        Collector c = new Collector();
        JsonLineDecoder d = new JsonLineDecoder(8, c);
        byte[] in = "\"123456\"\n".getBytes(StandardCharsets.UTF_8);
        d.feed(in, 0, in.length, List.of());
        assertThat(c.lines).containsExactly("\"123456\"");
        assertThat(c.errors).isEmpty();
    }

    @Test
    void endOfStreamInsideALineIsReportedAsTruncated() {
        Collector c = new Collector();
        JsonLineDecoder d = new JsonLineDecoder(c);
        byte[] in = "{\"a\":1}\n{\"b\"".getBytes(StandardCharsets.UTF_8);
        d.feed(in, 0, in.length, List.of());
        d.end();
        assertThat(c.lines).containsExactly("{\"a\":1}");
        assertThat(c.errors).extracting(MessageFormatException::kind)
                .containsExactly(MessageFormatException.Kind.TRUNCATED);
    }

    @Test
    void fdsGoToTheLastLineThatStartsInTheirChunk() throws Exception {
        Fd[] pipe = Fds.pipe();
        try {
            Collector c = new Collector();
            JsonLineDecoder d = new JsonLineDecoder(c);
            // A plain message glued in front of the handle message, as the kernel may deliver them.
            byte[] chunk = "{\"a\":1}\n{\"cmd\":\"NODE_HANDLE\",\"type\":\"net.Server\",\"msg\":1}\n"
                    .getBytes(StandardCharsets.UTF_8);
            d.feed(chunk, 0, chunk.length, List.of(pipe[0]));
            assertThat(c.fds).containsExactly(List.of(), List.of(pipe[0]));
        } finally {
            pipe[0].close();
            pipe[1].close();
        }
    }

    @Test
    void anFdArrivingWithTheFirstPartOfALineStaysWithItAcrossChunks() throws Exception {
        Fd[] pipe = Fds.pipe();
        try {
            Collector c = new Collector();
            JsonLineDecoder d = new JsonLineDecoder(c);
            byte[] before = "{\"ta".getBytes(StandardCharsets.UTF_8);
            // Second chunk: the end of a line begun earlier, then the start of the handle line, with the fd.
            byte[] first = "il\":0}\n{\"cmd\":\"NODE_HA".getBytes(StandardCharsets.UTF_8);
            byte[] second = "NDLE\"}\n{\"after\":1}\n".getBytes(StandardCharsets.UTF_8);
            d.feed(before, 0, before.length, List.of());
            d.feed(first, 0, first.length, List.of(pipe[0]));
            d.feed(second, 0, second.length, List.of());
            assertThat(c.lines).containsExactly("{\"tail\":0}", "{\"cmd\":\"NODE_HANDLE\"}", "{\"after\":1}");
            assertThat(c.fds).containsExactly(List.of(), List.of(pipe[0]), List.of());
        } finally {
            pipe[0].close();
            pipe[1].close();
        }
    }

    @Test
    void anFdOnARejectedLineIsClosed() throws Exception {
        Fd[] pipe = Fds.pipe();
        try {
            List<MessageFormatException> errors = new ArrayList<>();
            JsonLineDecoder d = new JsonLineDecoder(JsonLineDecoder.messages(CODEC, new JsonLineDecoder.MessageListener() {
                @Override
                public void message(tools.jackson.databind.JsonNode message, List<Fd> fds) {
                    throw new AssertionError("unexpected message " + message);
                }

                @Override
                public void error(MessageFormatException error) {
                    errors.add(error);
                }
            }));
            byte[] chunk = "not json\n".getBytes(StandardCharsets.UTF_8);
            d.feed(chunk, 0, chunk.length, List.of(pipe[0]));
            assertThat(pipe[0].isClosed()).isTrue();
            assertThat(errors).singleElement().satisfies(e -> {
                assertThat(e.closedFds()).isEqualTo(1);
                assertThat(e).hasMessageContaining("closed 1 fd(s)");
            });
        } finally {
            pipe[0].close();
            pipe[1].close();
        }
    }

    @Test
    void theWordAtATimeNewlineSearchFindsEveryPosition() {
        for (int len = 0; len < 40; len++) {
            for (int at = -1; at < len; at++) {
                byte[] b = new byte[len + 3];
                // Bytes that differ from 0x0a in one bit or have the high bit set must not match.
                for (int i = 0; i < b.length; i++) b[i] = (byte) (i % 3 == 0 ? 0x8a : i % 3 == 1 ? 0x0b : 0x09);
                if (at >= 0) b[at + 1] = '\n';
                b[len + 2] = '\n'; // outside the range searched
                assertThat(JsonLineDecoder.indexOfNewline(b, 1, len + 1)).as("len %d at %d", len, at)
                        .isEqualTo(at >= 0 ? at + 1 : -1);
            }
        }
    }

    @Test
    void bigLinesInARowArriveWholeWhateverTheChunking() {
        List<byte[]> lines = new ArrayList<>();
        JsonLineDecoder d = new JsonLineDecoder(new JsonLineDecoder.Listener() {
            @Override
            public void line(String line, List<Fd> fds) {
                throw new AssertionError("bytes expected");
            }

            @Override
            public void line(byte[] buf, int len, List<Fd> fds) {
                lines.add(java.util.Arrays.copyOf(buf, len));
            }

            @Override
            public void error(MessageFormatException error) {
                throw new AssertionError(error);
            }
        });
        ByteArrayOutputStream wire = new ByteArrayOutputStream();
        List<String> sent = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            String text = String.valueOf((char) ('a' + i)).repeat(100_000 + i * 50_000 - (i == 3 ? 180_000 : 0));
            sent.add("\"" + text + "\"");
            wire.writeBytes(CODEC.encode(text));
        }
        byte[] all = wire.toByteArray();
        for (int off = 0, chunk = 7; off < all.length; off += chunk, chunk = chunk * 3 % 65_537 + 1) {
            d.feed(all, off, Math.min(chunk, all.length - off), List.of());
        }
        assertThat(lines).extracting(b -> new String(b, StandardCharsets.UTF_8)).containsExactlyElementsOf(sent);
    }

    @Test
    void onlyBigLinesThatStartWithCmdCountAsPossiblyInternal() {
        byte[] small = "{\"a\":{\"cmd\":\"NODE_X\"}}".getBytes(StandardCharsets.UTF_8);
        assertThat(IpcChannel.mayBeInternal(small, small.length)).isTrue();
        byte[] escaped = "{\"\\u0063md\":1}".getBytes(StandardCharsets.UTF_8);
        assertThat(IpcChannel.mayBeInternal(escaped, escaped.length)).isTrue();
        byte[] plain = "{\"a\":1}".getBytes(StandardCharsets.UTF_8);
        assertThat(IpcChannel.mayBeInternal(plain, plain.length)).isFalse();
        // short lines are searched byte by byte, medium ones as a String: the same answers either way
        for (String pad : List.of("", "y".repeat(300))) {
            for (String line : List.of("{\"cmd\":1", "\"cmd\"", "\\u", "{\"cmd\"}", "\"cm\"", "\\", "cmd", "\"cmd")) {
                byte[] b = (pad + line).getBytes(StandardCharsets.UTF_8);
                boolean expected = line.contains("\"cmd\"") || line.contains("\\u");
                assertThat(IpcChannel.mayBeInternal(b, b.length)).as(pad.length() + " " + line).isEqualTo(expected);
            }
        }
        String pad = "x".repeat(100_000);
        byte[] bigInternal = (" {\"cmd\":\"NODE_HANDLE\",\"msg\":\"" + pad + "\"}").getBytes(StandardCharsets.UTF_8);
        assertThat(IpcChannel.mayBeInternal(bigInternal, bigInternal.length)).isTrue();
        byte[] bigUser = ("{\"msg\":\"" + pad + "\",\"cmd\":\"mine\"}").getBytes(StandardCharsets.UTF_8);
        assertThat(IpcChannel.mayBeInternal(bigUser, bigUser.length)).isFalse();
    }
}
