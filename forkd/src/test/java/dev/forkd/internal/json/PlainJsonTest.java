package dev.forkd.internal.json;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Locale;
import java.util.Random;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** The early encoder must write what the full codec writes: same bytes, or at least the same JSON value. */
class PlainJsonTest {
    private final JsonCodec codec = new JsonCodec();

    /** What Jackson's mapper writes (the codec itself now tries PlainJson first). */
    private byte[] jackson(Object v) {
        byte[] json = codec.mapper().writeValueAsBytes(v);
        byte[] line = Arrays.copyOf(json, json.length + 1);
        line[json.length] = '\n';
        return line;
    }

    private static final List<String> NASTY = List.of("", "plain", "quote\" backslash\\ slash/", "\n\r\t\b\f",
            "\u0000\u0001\u001f\u007f", "\u2028\u2029", "é日本語😀", "a\ud800b", "\udc00", "end\ud83d",
            "\ud83d\ude00\ud83d", "<script>&'", "x".repeat(10_000));

    @Test
    void writesTheSameBytesAsTheCodecForPlainValues() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("hello", "world");
        m.put("n", 42);
        m.put("l", Long.MIN_VALUE);
        m.put("s", (short) -3);
        m.put("b", (byte) 7);
        m.put("d", 0.1);
        m.put("big", 1e300);
        m.put("tiny", -4.9e-324);
        m.put("f", 3.25f);
        m.put("nan", Double.NaN);
        m.put("inf", Float.NEGATIVE_INFINITY);
        m.put("bi", new BigInteger("123456789012345678901234567890"));
        m.put("bd", new BigDecimal("1E+3"));
        m.put("t", true);
        m.put("null", null);
        m.put("list", Arrays.asList(1, "two", null, List.of(), Map.of()));
        m.put("nested", Map.of("deeper", List.of(Map.of("x", List.of(false)))));
        for (Object v : List.of(m, List.of(m, m), "text", 0, -0.0, Boolean.FALSE)) {
            assertThat(new String(PlainJson.encodeLine(v), StandardCharsets.UTF_8))
                    .isEqualTo(new String(jackson(v), StandardCharsets.UTF_8));
        }
        assertThat(PlainJson.encodeLine(null)).isEqualTo(jackson(null));
    }

    public record Point(long seq, String msg) {}

    public record Everything(int zz, String aa, Map<String, Object> map, List<Object> list, Point point, Double d,
                             Boolean flag, Object anything) {}

    public record Empty() {}

    /** Jackson adds getter-like methods as properties: left to Jackson. */
    public record WithGetter(int a) {
        public int getB() {
            return 2;
        }
    }

    public record Annotated(@Deprecated int a) {}

    public record WithInterface(int a) implements Comparable<WithInterface> {
        @Override
        public int compareTo(WithInterface o) {
            return Integer.compare(a, o.a);
        }
    }

    record NotPublic(int a) {}

    /** An accessor that is not the field: Jackson writes what the accessor returns, and so must we. */
    public record Shouting(String msg) {
        @Override
        public String msg() {
            return msg.toUpperCase(java.util.Locale.ROOT);
        }
    }

    public record Throws(int a) {
        @Override
        public int a() {
            throw new IllegalStateException("no");
        }
    }

    @Test
    void writesPlainRecordsAsTheCodecDoesAndLeavesTheOthersToIt() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("x", List.of(1, 2));
        m.put("p", new Point(-1, "é\n"));
        List<Object> plain = List.of(new Point(1, "x"), new Point(2, null), new Empty(), new Shouting("hey"),
                new Everything(1, "b", m, Arrays.asList(new Point(3, "y"), null, 2.5), new Point(4, "z"), Double.NaN,
                        true, Map.of("k", new Empty())),
                List.of(new Point(5, "in a list")), Map.of("in a map", new Point(6, "v")));
        for (Object v : plain) {
            byte[] ours = PlainJson.encodeLine(v);
            assertThat(ours).as("plain: %s", v).isNotNull();
            assertThat(new String(ours, StandardCharsets.UTF_8))
                    .isEqualTo(new String(jackson(v), StandardCharsets.UTF_8));
        }
        for (Object v : List.of(new WithGetter(1), new Annotated(1), new WithInterface(1), new NotPublic(1),
                new Throws(1), new Everything(1, "b", Map.of(), List.of(), null, 1.0, false, new Object()),
                List.of(new WithGetter(2)))) {
            assertThat(PlainJson.encodeLine(v)).as("left to Jackson: %s", v.getClass().getSimpleName()).isNull();
        }
        // What Jackson writes for those, for the record: the getter becomes a property.
        assertThat(new String(jackson(new WithGetter(1)), StandardCharsets.UTF_8)).isEqualTo("{\"a\":1,\"b\":2}\n");
    }

    @Test
    void stringsWithEveryKindOfEscapeDecodeToTheSameValueAsTheCodecs() throws Exception {
        Random random = new Random(42);
        List<String> strings = new ArrayList<>(NASTY);
        for (int i = 0; i < 2_000; i++) {
            char[] cs = new char[random.nextInt(12)];
            for (int j = 0; j < cs.length; j++) {
                cs[j] = switch (random.nextInt(4)) {
                    case 0 -> (char) random.nextInt(0x80);
                    case 1 -> (char) (0xd800 + random.nextInt(0x800)); // surrogates, paired or not
                    case 2 -> (char) random.nextInt(0x20);
                    default -> (char) random.nextInt(0x10000);
                };
            }
            strings.add(new String(cs));
        }
        for (String s : strings) {
            Map<String, Object> v = new HashMap<>();
            v.put(s, List.of(s));
            byte[] plain = PlainJson.encodeLine(v);
            byte[] full = jackson(v);
            assertThat(plain[plain.length - 1]).isEqualTo((byte) '\n');
            // Only the case of \\u escapes' hex digits may differ (Jackson upper, JSON.stringify lower).
            assertThat(lowerEscapes(plain)).as("encoding of %s", v).isEqualTo(lowerEscapes(full));
            if (s.codePoints().noneMatch(c -> c >= 0xd800 && c <= 0xdfff)) {
                // (Jackson's parser rejects lone surrogate escapes in names, whoever wrote them)
                assertThat(codec.parse(Arrays.copyOf(plain, plain.length - 1)))
                        .isEqualTo(codec.parse(Arrays.copyOf(full, full.length - 1)));
            }
        }
    }

    private static String lowerEscapes(byte[] utf8) {
        return Pattern.compile("\\\\u[0-9A-Fa-f]{4}").matcher(new String(utf8, StandardCharsets.UTF_8))
                .replaceAll(r -> Matcher.quoteReplacement(r.group().toLowerCase(Locale.ROOT)));
    }

    @Test
    void anythingElseIsLeftToTheCodec() {
        record Point(int x, int y) {}
        assertThat(PlainJson.encodeLine(new Point(1, 2))).isNull();
        assertThat(PlainJson.encodeLine(Map.of(1, "non-string key"))).isNull();
        assertThat(PlainJson.encodeLine(List.of(new Object()))).isNull();
        assertThat(PlainJson.encodeLine('c')).isNull();
        List<Object> cycle = new ArrayList<>();
        cycle.add(cycle);
        assertThat(PlainJson.encodeLine(cycle)).isNull(); // the codec reports the cycle
        Object deep = "leaf";
        for (int i = 0; i < PlainJson.MAX_DEPTH; i++) deep = List.of(deep);
        assertThat(PlainJson.encodeLine(deep)).isNotNull();
        assertThat(PlainJson.encodeLine(List.of(deep))).isNull();
        LineBuffer sink = new LineBuffer(4);
        sink.ascii("kept\n");
        // long text goes to Jackson, and what was in the buffer before stays as it was
        assertThat(PlainJson.encodeLine(Map.of("s", "x".repeat(11)), 10, sink)).isFalse();
        assertThat(PlainJson.encodeLine(Map.of("x".repeat(11), 1), 10, sink)).isFalse();
        assertThat(PlainJson.encodeLine(List.of(1, 2, new Object()), 10, sink)).isFalse();
        assertThat(new String(sink.buf, 0, sink.len, StandardCharsets.UTF_8)).isEqualTo("kept\n");
        assertThat(PlainJson.encodeLine(Map.of("s", "x".repeat(10)), 10, sink)).isTrue();
        assertThat(new String(sink.buf, 0, sink.len, StandardCharsets.UTF_8)).isEqualTo("kept\n{\"s\":\"xxxxxxxxxx\"}\n");
    }

    @Test
    void longStringsAndNumbersCrossTheBuffersStepsIntact() {
        // the encoder checks capacity every 1,024 characters: put pairs and escapes on both sides of a step
        StringBuilder sb = new StringBuilder();
        Random random = new Random(42);
        String[] pieces = {"a", "é", "日", "😀", "\n", "\u0001", "\"", "\ud800"};
        while (sb.length() < 5000) sb.append(pieces[random.nextInt(pieces.length)]);
        for (int shift = 0; shift < 4; shift++) {
            String s = "x".repeat(shift) + sb;
            assertThat(lowerEscapes(PlainJson.encodeLine(s))).isEqualTo(lowerEscapes(jackson(s)));
        }
        for (long n : new long[] {0, 9, 10, -1, -10, 99, 100, Integer.MAX_VALUE, Integer.MIN_VALUE, Long.MAX_VALUE,
                Long.MIN_VALUE, Long.MIN_VALUE + 1}) {
            assertThat(new String(PlainJson.encodeLine(n), StandardCharsets.UTF_8)).isEqualTo(n + "\n");
        }
    }

    @Test
    void writesJacksonTreesAsJacksonDoes() {
        var nodes = tools.jackson.databind.node.JsonNodeFactory.instance;
        var o = nodes.objectNode();
        o.put("f", 3.25f).put("fnan", Float.NaN).put("d", 1e300).put("dinf", Double.NEGATIVE_INFINITY)
                .put("s", (short) -7).put("l", Long.MIN_VALUE).put("bi", new BigInteger("-123456789012345678901234567890"))
                .put("bd", new BigDecimal("1E+3")).put("bd2", new BigDecimal("0.000001")).put("t", true).putNull("n")
                .put("text", "é\u2028\u0001😀");
        o.putArray("a").add(1).add("x").addNull().addObject().put("k", List.of(1).size());
        for (Object tree : List.of(o, nodes.arrayNode(), nodes.objectNode(), nodes.stringNode("s"), nodes.numberNode(1),
                nodes.nullNode(), Map.of("tree", o), List.of(o, "x"))) {
            assertThat(new String(PlainJson.encodeLine(tree), StandardCharsets.UTF_8))
                    .isEqualTo(new String(jackson(tree), StandardCharsets.UTF_8));
        }
        // binary and POJO nodes, and the missing node, are Jackson's to write
        assertThat(PlainJson.encodeLine(nodes.binaryNode(new byte[] {1, 2}))).isNull();
        assertThat(PlainJson.encodeLine(nodes.pojoNode(new Object()))).isNull();
        assertThat(PlainJson.encodeLine(nodes.objectNode().set("p", nodes.pojoNode(new Object())))).isNull();
        assertThat(PlainJson.encodeLine(nodes.missingNode())).isNull();
        // every tree Jackson reads from generated text
        Random random = new Random(7);
        for (int i = 0; i < 5_000; i++) {
            StringBuilder sb = new StringBuilder();
            TreeReaderTest.value(sb, random, 0);
            tools.jackson.databind.JsonNode tree;
            try {
                tree = codec.mapper().readTree(sb.toString());
            } catch (tools.jackson.core.JacksonException e) {
                continue; // Jackson rejects a key with an unpaired surrogate escape
            }
            assertThat(lowerEscapes(PlainJson.encodeLine(tree))).as(sb.toString()).isEqualTo(lowerEscapes(jackson(tree)));
        }
    }
}
