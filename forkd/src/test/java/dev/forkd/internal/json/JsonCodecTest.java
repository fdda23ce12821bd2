package dev.forkd.internal.json;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.util.RawValue;

class JsonCodecTest {
    private final JsonCodec codec = new JsonCodec();

    private String encoded(Object value) {
        return new String(codec.encode(value), StandardCharsets.UTF_8);
    }

    @Test
    void encodesNodesVerifiedBytesForHelloWorld() {
        // research/node-protocol.md §3.2: 7b 22 68 65 6c 6c 6f 22 3a 22 77 6f 72 6c 64 22 7d 0a
        assertThat(codec.encode(Map.of("hello", "world")))
                .isEqualTo("{\"hello\":\"world\"}\n".getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void encodingIsCompactAndEndsInExactlyOneLineFeed() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("nested", Map.of("arr", List.of(1, 2, 3)));
        m.put("s", "line1\nline2");
        assertThat(encoded(m)).isEqualTo("{\"nested\":{\"arr\":[1,2,3]},\"s\":\"line1\\nline2\"}\n");
    }

    @Test
    void bareValuesAreMessagesAndNeverBlankLines() {
        assertThat(encoded(null)).isEqualTo("null\n");
        assertThat(encoded(42)).isEqualTo("42\n");
        assertThat(encoded(true)).isEqualTo("true\n");
        assertThat(encoded("")).isEqualTo("\"\"\n");
    }

    @Test
    void lineSeparatorsAndNonAsciiAreRawUtf8AndLoneSurrogatesEscapedAsNodeDoes() {
        assertThat(codec.encode("\u2028\u2029é😀")).isEqualTo(new byte[] {
                '"', (byte) 0xe2, (byte) 0x80, (byte) 0xa8, (byte) 0xe2, (byte) 0x80, (byte) 0xa9,
                (byte) 0xc3, (byte) 0xa9, (byte) 0xf0, (byte) 0x9f, (byte) 0x98, (byte) 0x80, '"', '\n'});
        assertThat(encoded("a\ud800b")).isEqualToIgnoringCase("\"a\\ud800b\"\n");
    }

    @Test
    void aRawValueHoldingALineFeedIsRejectedBecauseItWouldSplitTheMessage() {
        assertThatThrownBy(() -> codec.encode(Map.of("x", new RawValue("{\n}"))))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("raw line feed");
    }

    @Test
    void aCyclicValueIsRejectedWithAShortClearMessage() {
        List<Object> cycle = new ArrayList<>();
        cycle.add(cycle);
        assertThatThrownBy(() -> codec.encode(cycle))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("cannot send a java.util.ArrayList as JSON: ")
                .satisfies(e -> assertThat(e.getMessage()).hasSizeLessThan(400));
    }

    @Test
    void parseAcceptsSurroundingWhitespaceAndCrlfLikeJsonParse() throws Exception {
        assertThat(codec.parse("  {\"a\":1}\r").get("a").asInt()).isEqualTo(1);
    }

    @Test
    void parseRejectsTwoValuesOnOneLine() {
        assertThatThrownBy(() -> codec.parse("{} {}"))
                .isInstanceOf(JsonFormatException.class)
                .extracting(e -> ((JsonFormatException) e).blank())
                .isEqualTo(false);
    }
}
