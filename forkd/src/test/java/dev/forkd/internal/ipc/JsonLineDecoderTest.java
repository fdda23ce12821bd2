package dev.forkd.internal.ipc;

import dev.forkd.internal.json.JsonCodec;
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

    /** Records lines; a NODE_HANDLE line takes its fd, as the channel does, and the Collector keeps it. */
    private static final class Collector implements JsonLineDecoder.Listener {
        final List<String> lines = new ArrayList<>();
        /** Per line: the fd it took (handle messages only), or null. */
        final List<Fd> fds = new ArrayList<>();
        final List<MessageFormatException> errors = new ArrayList<>();

        @Override
        public void line(byte[] buf, int len, JsonLineDecoder.HandleFds handleFds) {
            String line = new String(buf, 0, len, StandardCharsets.UTF_8);
            lines.add(line);
            boolean handle;
            try {
                handle = ParsedLines.isHandleMessage(CODEC.parse(buf, len));
            } catch (dev.forkd.internal.json.JsonFormatException e) {
                handle = false;
            }
            fds.add(handle ? handleFds.take() : null);
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
        JsonLineDecoder d = new JsonLineDecoder(ParsedLines.messages(CODEC, new ParsedLines.MessageListener() {
            @Override
            public void message(tools.jackson.databind.JsonNode message, Fd handleFd) {
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
            assertThat(e).hasMessageContaining("longer than the limit of 16 bytes");
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

    private static final String HANDLE = "{\"cmd\":\"NODE_HANDLE\",\"type\":\"net.Server\",\"msg\":%d}";

    private static byte[] lines(String... lines) {
        return (String.join("\n", lines) + "\n").getBytes(StandardCharsets.UTF_8);
    }

    /** Real fds to pass around: the read ends of pipes (the write ends are closed at once). */
    private static List<Fd> pipeEnds(int n) throws Exception {
        List<Fd> ends = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            Fd[] pipe = Fds.pipe();
            pipe[1].close();
            ends.add(pipe[0]);
        }
        return ends;
    }

    private static void closeAll(List<Fd> fds) {
        fds.forEach(Fd::close);
    }

    @Test
    void anFdGoesToTheHandleMessageAndNotToAPlainMessageGluedInFrontOfIt() throws Exception {
        List<Fd> fd = pipeEnds(1);
        try {
            Collector c = new Collector();
            JsonLineDecoder d = new JsonLineDecoder(c);
            // A plain message glued in front of the handle message, as the kernel may deliver them.
            byte[] chunk = lines("{\"a\":1}", HANDLE.formatted(1));
            d.feed(chunk, 0, chunk.length, fd);
            assertThat(c.fds).containsExactly(null, fd.getFirst());
            assertThat(c.errors).isEmpty();
        } finally {
            closeAll(fd);
        }
    }

    @Test
    void anFdGoesToTheHandleMessageWhenPlainMessagesFollowItInTheSameSendmsg() throws Exception {
        // The bug of issue 11 item 5: the fd went to the last line, and the handle message was dropped.
        List<Fd> fd = pipeEnds(1);
        try {
            Collector c = new Collector();
            JsonLineDecoder d = new JsonLineDecoder(c);
            byte[] chunk = lines(HANDLE.formatted(1), "{\"plain\":2}", "{\"plain\":3}");
            d.feed(chunk, 0, chunk.length, fd);
            assertThat(c.lines).hasSize(3);
            assertThat(c.fds).containsExactly(fd.getFirst(), null, null);
            assertThat(fd.getFirst().isClosed()).isFalse();
            assertThat(c.errors).isEmpty();
            assertThat(d.queuedFds()).isZero();
        } finally {
            closeAll(fd);
        }
    }

    @Test
    void severalHandleMessagesInOneChunkTakeItsFdsInOrder() throws Exception {
        List<Fd> fds = pipeEnds(3);
        try {
            Collector c = new Collector();
            JsonLineDecoder d = new JsonLineDecoder(c);
            byte[] chunk = lines("{\"p\":0}", HANDLE.formatted(1), "{\"p\":2}", HANDLE.formatted(3), HANDLE.formatted(4));
            d.feed(chunk, 0, chunk.length, fds);
            assertThat(c.fds).containsExactly(null, fds.get(0), null, fds.get(1), fds.get(2));
            assertThat(c.errors).isEmpty();
        } finally {
            closeAll(fds);
        }
    }

    @Test
    void anFdArrivingWithTheFirstPartOfALineStaysWithItAcrossChunks() throws Exception {
        List<Fd> fds = pipeEnds(2);
        try {
            Collector c = new Collector();
            JsonLineDecoder d = new JsonLineDecoder(c);
            byte[] before = "{\"ta".getBytes(StandardCharsets.UTF_8);
            // Second chunk: the end of a line begun earlier, then the start of the handle line, with the fd.
            byte[] first = "il\":0}\n{\"cmd\":\"NODE_HA".getBytes(StandardCharsets.UTF_8);
            // Third: the rest of it, and the start of the next handle message with its own fd.
            byte[] second = "NDLE\"}\n{\"after\":1}\n{\"cmd\":\"NODE_HANDLE\",".getBytes(StandardCharsets.UTF_8);
            byte[] third = "\"msg\":2}\n".getBytes(StandardCharsets.UTF_8);
            d.feed(before, 0, before.length, List.of());
            d.feed(first, 0, first.length, List.of(fds.get(0)));
            d.feed(second, 0, second.length, List.of(fds.get(1)));
            d.feed(third, 0, third.length, List.of());
            assertThat(c.lines).containsExactly("{\"tail\":0}", "{\"cmd\":\"NODE_HANDLE\"}", "{\"after\":1}",
                    "{\"cmd\":\"NODE_HANDLE\",\"msg\":2}");
            assertThat(c.fds).containsExactly(null, fds.get(0), null, fds.get(1));
            assertThat(c.errors).isEmpty();
        } finally {
            closeAll(fds);
        }
    }

    @Test
    void aBigHandleMessageKeepsItsFdWhenTheNextHandleArrivesBeforeItEnds() throws Exception {
        List<Fd> fds = pipeEnds(2);
        try {
            Collector c = new Collector();
            JsonLineDecoder d = new JsonLineDecoder(c);
            byte[] big = lines(HANDLE.formatted(1).replace("1}", "\"" + "x".repeat(200_000) + "\"}"));
            d.feed(big, 0, 100_000, List.of(fds.get(0)));
            // The rest of it and the next handle message, whose fd has come with this chunk.
            byte[] rest = java.util.Arrays.copyOfRange(big, 100_000, big.length);
            byte[] next = lines(HANDLE.formatted(2));
            byte[] chunk = new byte[rest.length + next.length];
            System.arraycopy(rest, 0, chunk, 0, rest.length);
            System.arraycopy(next, 0, chunk, rest.length, next.length);
            d.feed(chunk, 0, chunk.length, List.of(fds.get(1)));
            assertThat(c.fds).containsExactly(fds.get(0), fds.get(1));
            assertThat(c.errors).isEmpty();
        } finally {
            closeAll(fds);
        }
    }

    @Test
    void aHandleMessageLateInItsSendmsgKeepsItsFdWhenItArrivesWithTheNextSendmsgsFds() throws Exception {
        // One sendmsg: a plain message longer than a read, then a handle message. The kernel hands the rest of
        // it over glued in front of the next sendmsg, whose fd comes with that read (found by IpcFuzzTest).
        List<Fd> fds = pipeEnds(2);
        try {
            Collector c = new Collector();
            JsonLineDecoder d = new JsonLineDecoder(c);
            byte[] first = lines("\"" + "p".repeat(5000) + "\"", HANDLE.formatted(1));
            byte[] second = lines(HANDLE.formatted(2));
            d.feed(first, 0, 3000, List.of(fds.get(0)));
            byte[] chunk = java.util.Arrays.copyOf(java.util.Arrays.copyOfRange(first, 3000, first.length),
                    first.length - 3000 + second.length);
            System.arraycopy(second, 0, chunk, first.length - 3000, second.length);
            d.feed(chunk, 0, chunk.length, List.of(fds.get(1)));
            assertThat(c.fds).containsExactly(null, fds.get(0), fds.get(1));
            assertThat(c.errors).isEmpty();
        } finally {
            closeAll(fds);
        }
    }

    @Test
    void anFdThatNoHandleMessageTakesIsClosedOnceTheNextChunkWithFdsHasBeenRead() throws Exception {
        List<Fd> fds = pipeEnds(2);
        try {
            Collector c = new Collector();
            JsonLineDecoder d = new JsonLineDecoder(c);
            byte[] plain = lines("{\"plain\":1}"); // a peer that attached an fd to a plain message
            d.feed(plain, 0, plain.length, List.of(fds.get(0)));
            assertThat(fds.get(0).isClosed()).as("it may still belong to a handle message in this sendmsg").isFalse();
            byte[] handle = lines(HANDLE.formatted(2));
            d.feed(handle, 0, handle.length, List.of(fds.get(1)));
            assertThat(c.fds).containsExactly(null, fds.get(1));
            assertThat(fds.get(0).isClosed()).isTrue();
            assertThat(c.errors).singleElement().satisfies(e -> {
                assertThat(e.kind()).isEqualTo(MessageFormatException.Kind.STRAY_FDS);
                assertThat(e.closedFds()).isEqualTo(1);
            });
        } finally {
            closeAll(fds);
        }
    }

    @Test
    void aHandleMessageWhoseFdsWereLostGetsNoneNotAnOlderOne() throws Exception {
        List<Fd> fds = pipeEnds(1);
        try {
            Collector c = new Collector();
            JsonLineDecoder d = new JsonLineDecoder(c);
            byte[] plain = lines("{\"plain\":1}");
            d.feed(plain, 0, plain.length, fds);
            byte[] handle = lines(HANDLE.formatted(2));
            d.feed(handle, 0, handle.length, List.of(), true); // MSG_CTRUNC
            assertThat(c.fds).containsExactly(null, null);
            assertThat(fds.getFirst().isClosed()).isTrue();
            assertThat(d.queuedFds()).isZero();
        } finally {
            closeAll(fds);
        }
    }

    @Test
    void aHandleMessageTooLongToKeepClosesItsFdAndTheNextHandleGetsItsOwn() throws Exception {
        List<Fd> fds = pipeEnds(2);
        try {
            Collector c = new Collector();
            JsonLineDecoder d = new JsonLineDecoder(64, c);
            byte[] tooLong = lines(HANDLE.formatted(1).replace("1}", "\"" + "x".repeat(100) + "\"}"));
            d.feed(tooLong, 0, 40, List.of(fds.get(0)));
            byte[] rest = java.util.Arrays.copyOfRange(tooLong, 40, tooLong.length);
            d.feed(rest, 0, rest.length, List.of());
            byte[] next = lines(HANDLE.formatted(2));
            d.feed(next, 0, next.length, List.of(fds.get(1)));
            assertThat(fds.get(0).isClosed()).isTrue();
            assertThat(c.fds).containsExactly(fds.get(1));
            assertThat(c.errors).singleElement().satisfies(e -> {
                assertThat(e.kind()).isEqualTo(MessageFormatException.Kind.LINE_TOO_LONG);
                assertThat(e.closedFds()).isEqualTo(1);
                assertThat(e).hasMessageContaining("limit of 64 bytes");
            });
        } finally {
            closeAll(fds);
        }
    }

    @Test
    void aMalformedHandleMessageClosesItsFdAndAMalformedPlainLineTakesNone() throws Exception {
        List<Fd> fds = pipeEnds(2);
        try {
            List<MessageFormatException> errors = new ArrayList<>();
            List<Fd> taken = new ArrayList<>();
            JsonLineDecoder d = new JsonLineDecoder(ParsedLines.messages(CODEC, new ParsedLines.MessageListener() {
                @Override
                public void message(tools.jackson.databind.JsonNode message, Fd handleFd) {
                    taken.add(handleFd);
                }

                @Override
                public void error(MessageFormatException error) {
                    errors.add(error);
                }
            }));
            // One sendmsg, two handle messages, two fds; the first is broken.
            byte[] chunk = lines("not json", "{\"cmd\":\"NODE_HANDLE\",\"type\":", HANDLE.formatted(2));
            d.feed(chunk, 0, chunk.length, fds);
            assertThat(fds.get(0).isClosed()).isTrue();
            assertThat(taken).containsExactly(fds.get(1));
            assertThat(errors).extracting(MessageFormatException::closedFds).containsExactly(0, 1);
            assertThat(errors).extracting(MessageFormatException::handleMessage).containsExactly(false, true);
            assertThat(errors.get(1)).hasMessageContaining("closed 1 fd(s)");
        } finally {
            closeAll(fds);
        }
    }

    @Test
    void theEndOfTheStreamClosesEveryFdStillWaiting() throws Exception {
        List<Fd> fds = pipeEnds(2);
        try {
            Collector c = new Collector();
            JsonLineDecoder d = new JsonLineDecoder(c);
            byte[] chunk = lines("{\"plain\":1}");
            d.feed(chunk, 0, chunk.length, fds);
            d.end();
            assertThat(fds).allMatch(Fd::isClosed);
            assertThat(c.errors).singleElement().satisfies(e -> {
                assertThat(e.kind()).isEqualTo(MessageFormatException.Kind.STRAY_FDS);
                assertThat(e.closedFds()).isEqualTo(2);
            });
        } finally {
            closeAll(fds);
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
                assertThat(JsonCodec.indexOfNewline(b, 1, len + 1)).as("len %d at %d", len, at)
                        .isEqualTo(at >= 0 ? at + 1 : -1);
            }
        }
    }

    @Test
    void bigLinesInARowArriveWholeWhateverTheChunking() {
        List<byte[]> lines = new ArrayList<>();
        JsonLineDecoder d = new JsonLineDecoder(new JsonLineDecoder.Listener() {
            @Override
            public void line(byte[] buf, int len, JsonLineDecoder.HandleFds fds) {
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
    void aMidSizedLineAfterABigOneArrivesIntact() {
        // The buffer for the line after a big one starts as big as that one; a line of up to 64 KiB in it was
        // copied out of a fresh empty buffer and arrived as zeros (found by IpcFuzzTest).
        List<String> lines = new ArrayList<>();
        JsonLineDecoder d = new JsonLineDecoder(new JsonLineDecoder.Listener() {
            @Override
            public void line(byte[] buf, int len, JsonLineDecoder.HandleFds fds) {
                lines.add(new String(buf, 0, len, StandardCharsets.UTF_8));
            }

            @Override
            public void error(MessageFormatException error) {
                throw new AssertionError(error);
            }
        });
        List<String> sent = List.of("\"" + "a".repeat(100_000) + "\"", "\"" + "b".repeat(1000) + "\"",
                "\"" + "c".repeat(60_000) + "\"", "{\"small\":1}");
        for (String s : sent) {
            byte[] line = (s + "\n").getBytes(StandardCharsets.UTF_8);
            d.feed(line, 0, line.length, List.of());
        }
        assertThat(lines).containsExactlyElementsOf(sent);
    }

    @Test
    void onlyBigLinesThatStartWithCmdCountAsPossiblyInternal() {
        byte[] small = "{\"a\":{\"cmd\":\"NODE_X\"}}".getBytes(StandardCharsets.UTF_8);
        assertThat(NodeProtocol.mayBeInternal(small, small.length)).isTrue();
        byte[] escaped = "{\"\\u0063md\":1}".getBytes(StandardCharsets.UTF_8);
        assertThat(NodeProtocol.mayBeInternal(escaped, escaped.length)).isTrue();
        byte[] plain = "{\"a\":1}".getBytes(StandardCharsets.UTF_8);
        assertThat(NodeProtocol.mayBeInternal(plain, plain.length)).isFalse();
        // short lines are searched byte by byte, medium ones as a String: the same answers either way
        for (String pad : List.of("", "y".repeat(300))) {
            for (String line : List.of("{\"cmd\":1", "\"cmd\"", "\\u", "{\"cmd\"}", "\"cm\"", "\\", "cmd", "\"cmd")) {
                byte[] b = (pad + line).getBytes(StandardCharsets.UTF_8);
                boolean expected = line.contains("\"cmd\"") || line.contains("\\u");
                assertThat(NodeProtocol.mayBeInternal(b, b.length)).as(pad.length() + " " + line).isEqualTo(expected);
            }
        }
        String pad = "x".repeat(100_000);
        byte[] bigInternal = (" {\"cmd\":\"NODE_HANDLE\",\"msg\":\"" + pad + "\"}").getBytes(StandardCharsets.UTF_8);
        assertThat(NodeProtocol.mayBeInternal(bigInternal, bigInternal.length)).isTrue();
        byte[] bigUser = ("{\"msg\":\"" + pad + "\",\"cmd\":\"mine\"}").getBytes(StandardCharsets.UTF_8);
        assertThat(NodeProtocol.mayBeInternal(bigUser, bigUser.length)).isFalse();
    }
}
