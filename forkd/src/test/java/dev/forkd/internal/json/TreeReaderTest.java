package dev.forkd.internal.json;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/**
 * {@link TreeReader} must build exactly Jackson's tree (node classes, values, key order) for every line it
 * accepts, and accept nothing Jackson rejects. Checked on hand-picked lines, generated messages and mutated
 * (often malformed) copies of them.
 */
class TreeReaderTest {
    private final JsonCodec codec = new JsonCodec();

    @Test
    void readsTheCommonShapesItself() {
        for (String line : List.of("{\"seq\":12,\"msg\":\"xxxxxxxxxxxxxxxx\"}", "{\"op\":\"expect\",\"n\":2000000}",
                "[1,-2,3.5,true,false,null,\"s\",{},[]]", "\"just a string\"", "42", " {\"a\" : [ 1 , 2 ] } \r",
                "{\"é日本\":\"😀\\u2028\\ud800\\n\"}", "{\"big\":123456789012345678,\"neg\":-2147483649}",
                "{\"d\":-0.0,\"e\":1E5,\"f\":2.5e-3,\"z\":-0}", "{\"k\":1,\"k\":2,\"j\":3}")) {
            byte[] b = line.getBytes(StandardCharsets.UTF_8);
            JsonNode fast = TreeReader.read(codec.mapper().getNodeFactory(), b, 0, b.length);
            assertThat(fast).as(line).isNotNull();
            assertSameTree(fast, codec.mapper().readTree(b), line);
        }
    }

    @Test
    void leavesToJacksonWhatItDoesNotTake() {
        for (String line : List.of("", " ", "{", "[1,]", "{\"a\":1,}", "01", "-", "1.", ".5", "1e", "tru", "truex",
                "nul", "\"open", "{\"a\" 1}", "[1 2]", "{} {}", "1 2", "\"\\x\"", "\"\\u12g4\"", "\"a\tb\"",
                "12345678901234567890", "NaN", "'single'", "{a:1}", "\uFEFF{}", "[" .repeat(100) + "]".repeat(100))) {
            byte[] b = line.getBytes(StandardCharsets.UTF_8);
            assertThat(TreeReader.read(codec.mapper().getNodeFactory(), b, 0, b.length)).as(line).isNull();
        }
        byte[][] badUtf8 = {
            {'"', (byte) 0xC0, (byte) 0x80, '"'}, // overlong NUL
            {'"', (byte) 0xED, (byte) 0xA0, (byte) 0x80, '"'}, // an encoded surrogate
            {'"', (byte) 0x80, '"'}, // a stray continuation byte
            {'"', (byte) 0xE2, (byte) 0x82, '"'}, // cut short
            {'"', (byte) 0xF4, (byte) 0x90, (byte) 0x80, (byte) 0x80, '"'}, // beyond U+10FFFF
        };
        for (byte[] b : badUtf8) assertThat(TreeReader.read(codec.mapper().getNodeFactory(), b, 0, b.length)).isNull();
    }

    @Test
    void agreesWithJacksonOnGeneratedAndMutatedLines() {
        Random random = new Random(Long.getLong("forkd.test.seed", 20261127));
        int fast = 0;
        int rejectedByBoth = 0;
        for (int i = 0; i < Integer.getInteger("forkd.test.lines", 20_000); i++) {
            StringBuilder sb = new StringBuilder();
            value(sb, random, 0);
            byte[] line = sb.toString().getBytes(StandardCharsets.UTF_8);
            if (i % 2 == 1) line = mutate(line, random);
            // parse from the middle of a bigger array, as the decoder hands lines over
            byte[] framed = new byte[line.length + 7];
            System.arraycopy(line, 0, framed, 3, line.length);
            framed[2] = '{';
            framed[3 + line.length] = '}';
            JsonNode mine = TreeReader.read(codec.mapper().getNodeFactory(), framed, 3, line.length);
            JsonNode jackson;
            String jacksonError = "";
            try {
                jackson = codec.mapper().readTree(line);
            } catch (RuntimeException e) {
                jackson = null;
                jacksonError = String.valueOf(e.getMessage());
            }
            String shown = new String(line, StandardCharsets.UTF_8);
            if (mine != null && jackson == null && jacksonError.contains("surrogate")
                    && jacksonError.contains("property name")) {
                continue; // the one intended difference: Jackson rejects such keys, JSON.stringify writes them
            }
            if (mine != null) {
                assertThat(jackson).as("Jackson rejects what TreeReader took: %s", shown).isNotNull();
                assertSameTree(mine, jackson, shown);
                fast++;
            } else if (jackson == null || jackson.isMissingNode()) {
                rejectedByBoth++;
            }
        }
        // the generator mostly makes lines TreeReader takes itself; otherwise this test would prove little
        assertThat(fast).isGreaterThan(10_000);
        assertThat(rejectedByBoth).isGreaterThan(1_000);
    }

    @Test
    void takesKeysWithLoneSurrogatesAsJsonStringifyWritesThem() {
        byte[] b = "{\"\\ud800\":1,\"k\\udc00x\":\"\\ud83d\"}".getBytes(StandardCharsets.UTF_8);
        JsonNode tree = TreeReader.read(codec.mapper().getNodeFactory(), b, 0, b.length);
        assertThat(tree).isNotNull();
        assertThat(tree.get("\ud800").asInt()).isEqualTo(1);
        assertThat(tree.get("k\udc00x").stringValue()).isEqualTo("\ud83d");
    }

    private static void assertSameTree(JsonNode mine, JsonNode jackson, String line) {
        assertThat(mine.getClass()).as(line).isEqualTo(jackson.getClass());
        if (mine.isObject()) {
            List<String> a = new ArrayList<>(mine.propertyNames());
            List<String> b = new ArrayList<>(jackson.propertyNames());
            assertThat(a).as(line).isEqualTo(b);
            for (String k : a) assertSameTree(mine.get(k), jackson.get(k), line);
        } else if (mine.isArray()) {
            assertThat(mine.size()).as(line).isEqualTo(jackson.size());
            Iterator<JsonNode> x = mine.iterator();
            Iterator<JsonNode> y = jackson.iterator();
            while (x.hasNext()) assertSameTree(x.next(), y.next(), line);
        } else if (mine.isDouble()) {
            assertThat(Double.doubleToRawLongBits(mine.doubleValue())).as(line)
                    .isEqualTo(Double.doubleToRawLongBits(jackson.doubleValue()));
        } else {
            assertThat(mine).as(line).isEqualTo(jackson);
            if (mine.isString()) assertThat(mine.stringValue()).isEqualTo(jackson.stringValue());
        }
    }

    private static final String[] WS = {"", "", "", " ", "\t", "\r\n", "  "};

    /** A random JSON text (valid), with whitespace, escapes, non-ASCII and every number form. */
    static void value(StringBuilder sb, Random r, int depth) {
        int kind = depth > 4 ? 2 + r.nextInt(5) : r.nextInt(7);
        switch (kind) {
            case 0 -> {
                sb.append('{');
                int n = r.nextInt(4);
                for (int i = 0; i < n; i++) {
                    if (i > 0) sb.append(ws(r)).append(',');
                    sb.append(ws(r));
                    string(sb, r, r.nextInt(4) == 0 ? "k" : null);
                    sb.append(ws(r)).append(':').append(ws(r));
                    value(sb, r, depth + 1);
                }
                sb.append(ws(r)).append('}');
            }
            case 1 -> {
                sb.append('[');
                int n = r.nextInt(4);
                for (int i = 0; i < n; i++) {
                    if (i > 0) sb.append(ws(r)).append(',');
                    sb.append(ws(r));
                    value(sb, r, depth + 1);
                }
                sb.append(ws(r)).append(']');
            }
            case 2, 3 -> string(sb, r, null);
            case 4, 5 -> number(sb, r);
            default -> sb.append(new String[] {"true", "false", "null"}[r.nextInt(3)]);
        }
    }

    private static String ws(Random r) {
        return WS[r.nextInt(WS.length)];
    }

    private static void string(StringBuilder sb, Random r, String fixed) {
        sb.append('"');
        if (fixed != null) {
            sb.append(fixed);
        } else {
            int n = r.nextInt(12);
            for (int i = 0; i < n; i++) {
                switch (r.nextInt(10)) {
                    case 0 -> sb.append(new String[] {"\\\"", "\\\\", "\\/", "\\b", "\\f", "\\n", "\\r", "\\t"}[r.nextInt(8)]);
                    case 1 -> sb.append(String.format("\\u%04x", r.nextInt(0x10000)));
                    case 2 -> sb.append((char) (0xA0 + r.nextInt(0x700)));
                    case 3 -> sb.append("日本😀\u2028");
                    default -> {
                        char c = (char) (0x20 + r.nextInt(0x5F)); // printable ASCII, but no quote or backslash
                        sb.append(c == '"' || c == '\\' ? 'q' : c);
                    }
                }
            }
        }
        sb.append('"');
    }

    private static void number(StringBuilder sb, Random r) {
        if (r.nextBoolean()) sb.append('-');
        switch (r.nextInt(6)) {
            case 0 -> sb.append(r.nextInt(10));
            case 1 -> sb.append(Math.abs(r.nextLong()) >>> r.nextInt(63));
            case 2 -> sb.append(Integer.MAX_VALUE + (long) r.nextInt(3) - 1);
            case 3 -> sb.append(r.nextInt(1000)).append('.').append(r.nextInt(100000));
            case 4 -> sb.append(1 + r.nextInt(9)).append(r.nextBoolean() ? "e" : "E")
                    .append(new String[] {"", "+", "-"}[r.nextInt(3)]).append(r.nextInt(400));
            default -> sb.append(r.nextDouble() * Math.pow(10, r.nextInt(40) - 20));
        }
    }

    /** One random edit: a byte replaced, inserted or removed, or a piece cut off. */
    private static byte[] mutate(byte[] line, Random r) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int at = line.length == 0 ? 0 : r.nextInt(line.length);
        byte[] nasty = {'"', '\\', '{', '}', '[', ']', ',', ':', '0', '-', '.', 'e', ' ', 0, 0x1f, (byte) 0x80,
            (byte) 0xC3, (byte) 0xE2, (byte) 0xF0, (byte) 0xFF, 'u', 'n'};
        switch (r.nextInt(4)) {
            case 0 -> { // replace
                out.write(line, 0, at);
                out.write(nasty[r.nextInt(nasty.length)]);
                if (at < line.length) out.write(line, at + 1, line.length - at - 1);
            }
            case 1 -> { // insert
                out.write(line, 0, at);
                out.write(nasty[r.nextInt(nasty.length)]);
                out.write(line, at, line.length - at);
            }
            case 2 -> { // remove
                out.write(line, 0, at);
                if (at < line.length) out.write(line, at + 1, line.length - at - 1);
            }
            default -> out.write(line, 0, at); // cut
        }
        return out.toByteArray();
    }
}
