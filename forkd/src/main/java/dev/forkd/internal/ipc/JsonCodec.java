package dev.forkd.internal.ipc;

import tools.jackson.core.JacksonException;
import tools.jackson.core.StreamReadConstraints;
import tools.jackson.core.json.JsonFactory;
import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.SerializationFeature;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.JsonNodeFactory;

/**
 * Node's JSON serialization mode, one message per line: {@code JSON.stringify(value) + "\n"} in UTF-8.
 *
 * <p>Encoding is compact (never pretty-printed), writes non-ASCII, U+2028 and U+2029 as raw UTF-8 and lone
 * surrogates as {@code \ud800} escapes, as {@code JSON.stringify} does. One difference from Node: a
 * {@code NaN} or infinite double becomes the string {@code "NaN"} (Jackson's choice) where Node writes
 * {@code null}; both are valid JSON that Node parses.
 *
 * <p>Thread-safe: the mapper is immutable once built.
 */
public final class JsonCodec {
    private static final int MAX_CAUSE_CHARS = 200;

    /** The caller's mapper, or null for the standard one (built on first use: see {@link #mapper()}). */
    private final JsonMapper custom;

    /** The default codec: compact output, exactly one JSON value per line, no limit on string length. */
    public JsonCodec() {
        this.custom = null;
    }

    /** A codec with the caller's mapper (custom modules); it must not pretty-print. */
    public JsonCodec(JsonMapper mapper) {
        this.custom = java.util.Objects.requireNonNull(mapper);
    }

    /** The JVM's shared default codec. Cheap: its mapper is only built when something needs Jackson. */
    public static JsonCodec shared() {
        return Shared.CODEC;
    }

    private static final class Shared {
        static final JsonCodec CODEC = new JsonCodec();
    }

    /**
     * The standard mapper, built on first use. A fresh JVM spends 150-180 ms building its first databind mapper,
     * so the default codec avoids it: plain values and trees are written by {@link PlainJson}, lines are read by
     * {@link TreeReader}, and only other values (beans, {@code Message.as}) and unusual input need Jackson.
     */
    private static final class StandardMapper {
        static final JsonMapper MAPPER = JsonMapper.builder(JsonFactory.builder()
                        // The line-length bound of JsonLineDecoder is the size limit; Jackson's default
                        // 20M-char string limit would reject a legal message as "malformed".
                        .streamReadConstraints(StreamReadConstraints.builder()
                                .maxStringLength(Integer.MAX_VALUE).build())
                        .build())
                .disable(SerializationFeature.INDENT_OUTPUT)
                .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
                .build();
    }

    public JsonMapper mapper() {
        return custom != null ? custom : StandardMapper.MAPPER;
    }

    /** Strings longer than this are left to Jackson's bulk writer, which is faster for big text. */
    static final int PLAIN_MAX_STRING = 8 * 1024;

    /**
     * One framed message: the compact JSON of {@code value} followed by {@code \n}. Never a blank line: even
     * {@code null} encodes as {@code null\n}.
     *
     * @throws IllegalArgumentException when Jackson cannot serialize {@code value} (a cycle, a type with no
     *     serializer) or the output would contain a raw line feed (a {@code RawValue} or {@code @JsonRawValue}
     *     holding one), which would split the message in two on the wire
     */
    public byte[] encode(Object value) {
        if (custom == null) {
            byte[] line = PlainJson.encodeLine(value, PLAIN_MAX_STRING);
            if (line != null) return line;
        }
        return encodeWithMapper(value);
    }

    /** {@link #encode} through the mapper only: for callers that have already tried {@link PlainJson}. */
    byte[] encodeWithMapper(Object value) {
        byte[] json;
        try {
            json = mapper().writeValueAsBytes(value);
        } catch (JacksonException e) {
            throw new IllegalArgumentException("cannot send " + describe(value) + " as JSON: " + shorten(e), e);
        }
        // JSON escapes every control character inside strings, so a raw LF can only come from raw values.
        if (JsonLineDecoder.indexOfNewline(json, 0, json.length) >= 0) {
            throw new IllegalArgumentException("cannot send " + describe(value)
                    + " as JSON: its encoding contains a raw line feed, which would end the message early");
        }
        if (json.length == 0) {
            throw new IllegalArgumentException("cannot send " + describe(value) + " as JSON: it encodes to nothing");
        }
        byte[] line = new byte[json.length + 1];
        System.arraycopy(json, 0, line, 0, json.length);
        line[json.length] = '\n';
        return line;
    }

    /**
     * Parses one line (without its {@code \n}). Leading and trailing JSON whitespace, including a {@code \r}
     * left by a CRLF sender, is accepted, as {@code JSON.parse} accepts it.
     *
     * @throws MessageFormatException {@link MessageFormatException.Kind#BLANK_LINE} or
     *     {@link MessageFormatException.Kind#MALFORMED_JSON}; never for a valid JSON value, whatever its type
     */
    public JsonNode parse(String line) throws MessageFormatException {
        if (isJsonWhitespace(line)) {
            throw new MessageFormatException(MessageFormatException.Kind.BLANK_LINE,
                    "blank line on the IPC channel", 0, null);
        }
        try {
            return mapper().readTree(line);
        } catch (JacksonException e) {
            throw new MessageFormatException(MessageFormatException.Kind.MALFORMED_JSON,
                    "malformed JSON on the IPC channel: " + MessageFormatException.excerpt(line) + ": "
                            + shorten(e), 0, e);
        }
    }

    /** {@link #parse(String)} for a line of UTF-8 bytes (faster: Jackson's byte parser, no String). */
    public JsonNode parse(byte[] utf8) throws MessageFormatException {
        return parse(utf8, utf8.length);
    }

    /** {@link #parse(byte[])} for the first {@code len} bytes of {@code utf8}. */
    public JsonNode parse(byte[] utf8, int len) throws MessageFormatException {
        return parse(utf8, 0, len);
    }

    /** {@link #parse(byte[])} for {@code utf8[off, off+len)}. */
    public JsonNode parse(byte[] utf8, int off, int len) throws MessageFormatException {
        if (custom == null) {
            JsonNode tree = TreeReader.read(JsonNodeFactory.instance, utf8, off, len);
            if (tree != null) return tree;
        }
        boolean blank = true;
        for (int i = off; i < off + len; i++) {
            byte b = utf8[i];
            if (b != ' ' && b != '\t' && b != '\r' && b != '\n') {
                blank = false;
                break;
            }
        }
        if (blank) {
            throw new MessageFormatException(MessageFormatException.Kind.BLANK_LINE,
                    "blank line on the IPC channel", 0, null);
        }
        try {
            return mapper().readTree(utf8, off, len);
        } catch (JacksonException e) {
            String text = new String(utf8, off, Math.min(len, 512), java.nio.charset.StandardCharsets.UTF_8);
            throw new MessageFormatException(MessageFormatException.Kind.MALFORMED_JSON,
                    "malformed JSON on the IPC channel: " + MessageFormatException.excerpt(text) + ": "
                            + shorten(e), 0, e);
        }
    }

    private static boolean isJsonWhitespace(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c != ' ' && c != '\t' && c != '\r' && c != '\n') return false;
        }
        return true;
    }

    private static String describe(Object value) {
        return value == null ? "null" : "a " + value.getClass().getName();
    }

    /** Jackson's first message line, cut short: a cycle's reference chain runs to kilobytes. */
    private static String shorten(JacksonException e) {
        String m = String.valueOf(e.getOriginalMessage());
        int nl = m.indexOf('\n');
        if (nl >= 0) m = m.substring(0, nl);
        return m.length() <= MAX_CAUSE_CHARS ? m : m.substring(0, MAX_CAUSE_CHARS) + "…";
    }
}
