package dev.forkd.internal.ipc;

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
                    .isEqualTo(new String(codec.encode(v), StandardCharsets.UTF_8));
        }
        assertThat(PlainJson.encodeLine(null)).isEqualTo(codec.encode(null));
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
            byte[] full = codec.encode(v);
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
        assertThat(PlainJson.encodeLine(codec.mapper().createObjectNode())).isNull();
        assertThat(PlainJson.encodeLine('c')).isNull();
        List<Object> cycle = new ArrayList<>();
        cycle.add(cycle);
        assertThat(PlainJson.encodeLine(cycle)).isNull(); // the codec reports the cycle
        Object deep = "leaf";
        for (int i = 0; i < PlainJson.MAX_DEPTH; i++) deep = List.of(deep);
        assertThat(PlainJson.encodeLine(deep)).isNotNull();
        assertThat(PlainJson.encodeLine(List.of(deep))).isNull();
        assertThat(PlainJson.encodeLine(Map.of("s", "x".repeat(11)), 10)).isNull(); // long text goes to Jackson
        assertThat(PlainJson.encodeLine(Map.of("x".repeat(11), 1), 10)).isNull();
        assertThat(PlainJson.encodeLine(Map.of("s", "x".repeat(10)), 10)).isNotNull();
    }
}
