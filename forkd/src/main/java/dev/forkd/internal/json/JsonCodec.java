package dev.forkd.internal.json;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import tools.jackson.core.JacksonException;
import tools.jackson.core.StreamReadConstraints;
import tools.jackson.core.json.JsonFactory;
import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.SerializationFeature;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.JsonNodeFactory;

/**
 * Node's JSON serialization mode, one message per line: {@code JSON.stringify(value) + "\n"} in UTF-8. The one
 * door to JSON for the IPC channels: this class alone decides, with the limits below, whether the hand-written
 * {@link PlainJson} writer and {@link TreeReader} reader or Jackson's mapper handle a value or a line.
 *
 * <p>Why two paths: a fresh JVM spends 150-180 ms building its first databind mapper, which a forked child's
 * first message must not wait for, and the plain paths are also faster than a warm mapper for small messages
 * (no generator, parser, context or buffer set-up per call). Jackson takes everything else: beans, other
 * records, {@code Message.as}, strings longer than {@value #PLAIN_MAX_STRING} characters once a channel is
 * attached (its bulk writer is faster for big text), and any line the tree reader is not sure of.
 *
 * <p>Encoding is compact (never pretty-printed), writes non-ASCII, U+2028 and U+2029 as raw UTF-8 and lone
 * surrogates as {@code \ud800} escapes, as {@code JSON.stringify} does. One difference from Node: a
 * {@code NaN} or infinite double becomes the string {@code "NaN"} (Jackson's choice) where Node writes
 * {@code null}; both are valid JSON that Node parses.
 *
 * <p>Benchmark knob: the system property {@value #JACKSON_PROPERTY} ({@code write}, {@code read} or
 * {@code all}; unset or anything else: both on), read once, turns the plain writer, the tree reader or both
 * off, so that their share can be measured ({@code forkd-bench/json-ablation.md}). Not for production use.
 *
 * <p>Thread-safe: the mapper is immutable once built.
 */
public final class JsonCodec {
    /** Strings longer than this are left to Jackson's bulk writer, which is faster for big text. */
    static final int PLAIN_MAX_STRING = 8 * 1024;
    /** Deeper values and lines go to Jackson (which also reports cycles properly). */
    static final int MAX_DEPTH = 64;
    private static final int MAX_CAUSE_CHARS = 200;

    /** The benchmark knob: which plain path to turn off; see the class comment. */
    public static final String JACKSON_PROPERTY = "forkd.bench.jackson";
    private static final boolean PLAIN_WRITE;
    private static final boolean PLAIN_READ;

    static {
        String jackson = System.getProperty(JACKSON_PROPERTY, "");
        PLAIN_WRITE = !(jackson.equals("write") || jackson.equals("all"));
        PLAIN_READ = !(jackson.equals("read") || jackson.equals("all"));
    }

    /** The codec; stateless (the mapper is built once per JVM, on first use). */
    public JsonCodec() {}

    /** The JVM's shared codec. Cheap: its mapper is only built when something needs Jackson. */
    public static JsonCodec shared() {
        return Shared.CODEC;
    }

    private static final class Shared {
        static final JsonCodec CODEC = new JsonCodec();
    }

    public JsonMapper mapper() {
        return Jackson.MAPPER;
    }

    // ------------------------------------------------------------------ writing

    /**
     * One framed message: the compact JSON of {@code value} followed by {@code \n}. Never a blank line: even
     * {@code null} encodes as {@code null\n}.
     *
     * @throws IllegalArgumentException when Jackson cannot serialize {@code value} (a cycle, a type with no
     *     serializer) or the output would contain a raw line feed (a {@code RawValue} or {@code @JsonRawValue}
     *     holding one), which would split the message in two on the wire
     */
    public byte[] encode(Object value) {
        if (PLAIN_WRITE) {
            byte[] line = PlainJson.encodeLine(value, PLAIN_MAX_STRING);
            if (line != null) return line;
        }
        return encodeWithMapper(value);
    }

    /**
     * {@link #encode}, for a channel that is not attached yet ({@code EarlyChannel}): a plain value is written
     * by {@link PlainJson} whatever the length of its strings, since the first big string would otherwise
     * build the mapper before the message is written.
     */
    public byte[] encodeEarly(Object value) {
        if (PLAIN_WRITE) {
            byte[] line = PlainJson.encodeLine(value, Integer.MAX_VALUE);
            if (line != null) return line;
        }
        return encodeWithMapper(value);
    }

    /**
     * Appends the framed line for {@code value} to {@code out} if the plain writer takes it (as
     * {@link #encode} would); false, with {@code out} as it was, when the value needs {@link #encodeWithMapper}.
     * For senders that copy small lines into a batch from a buffer of their own.
     */
    public boolean encodePlain(Object value, LineBuffer out) {
        return PLAIN_WRITE && PlainJson.encodeLine(value, PLAIN_MAX_STRING, out);
    }

    /** {@link #encode} through the mapper only: for callers whose {@link #encodePlain} has just said no. */
    public byte[] encodeWithMapper(Object value) {
        return Jackson.encode(value);
    }

    /** {@code value} as a tree (Jackson's {@code valueToTree}), to wrap it in an envelope. */
    public JsonNode toTree(Object value) {
        return Jackson.MAPPER.valueToTree(value);
    }

    /**
     * {@code tree} converted to {@code type} (Jackson's {@code treeToValue}), as {@code Message.as} does.
     *
     * @throws IllegalArgumentException when it does not convert
     */
    public <T> T convert(JsonNode tree, Class<T> type) {
        return Jackson.convert(tree, type);
    }

    // ------------------------------------------------------------------ reading

    /**
     * Parses one line (without its {@code \n}). Leading and trailing JSON whitespace, including a {@code \r}
     * left by a CRLF sender, is accepted, as {@code JSON.parse} accepts it.
     *
     * @throws JsonFormatException for a blank line or malformed JSON; never for a valid JSON value, whatever
     *     its type
     */
    public JsonNode parse(String line) throws JsonFormatException {
        if (isJsonWhitespace(line)) throw blankLine();
        return Jackson.read(line);
    }

    /** {@link #parse(String)} for a line of UTF-8 bytes (faster: Jackson's byte parser, no String). */
    public JsonNode parse(byte[] utf8) throws JsonFormatException {
        return parse(utf8, 0, utf8.length);
    }

    /** {@link #parse(byte[])} for the first {@code len} bytes of {@code utf8}. */
    public JsonNode parse(byte[] utf8, int len) throws JsonFormatException {
        return parse(utf8, 0, len);
    }

    /** {@link #parse(byte[])} for {@code utf8[off, off+len)}. */
    public JsonNode parse(byte[] utf8, int off, int len) throws JsonFormatException {
        if (PLAIN_READ) {
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
        if (blank) throw blankLine();
        return Jackson.read(utf8, off, len);
    }

    private static JsonFormatException blankLine() {
        return new JsonFormatException(true, "blank line on the IPC channel", null);
    }

    /**
     * Everything that names Jackson's own classes: kept out of the door's bytecode, since verifying a method that
     * catches {@code JacksonException} loads it (and opens Jackson's jar), which a forked child's first plain
     * message must not pay for. The mapper is built on first use: 150-180 ms in a fresh JVM.
     */
    private static final class Jackson {
        static final JsonMapper MAPPER = JsonMapper.builder(JsonFactory.builder()
                        // The line-length bound of JsonLineDecoder is the size limit; Jackson's default
                        // 20M-char string limit would reject a legal message as "malformed".
                        .streamReadConstraints(StreamReadConstraints.builder()
                                .maxStringLength(Integer.MAX_VALUE).build())
                        .build())
                .disable(SerializationFeature.INDENT_OUTPUT)
                .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
                .build();

        static byte[] encode(Object value) {
            byte[] json;
            try {
                json = MAPPER.writeValueAsBytes(value);
            } catch (JacksonException e) {
                throw new IllegalArgumentException("cannot send " + describe(value) + " as JSON: " + shorten(e), e);
            }
            // JSON escapes every control character inside strings, so a raw LF can only come from raw values.
            if (indexOfNewline(json, 0, json.length) >= 0) {
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

        static JsonNode read(String line) throws JsonFormatException {
            try {
                return MAPPER.readTree(line);
            } catch (JacksonException e) {
                throw new JsonFormatException(false, "malformed JSON on the IPC channel: "
                        + JsonFormatException.excerpt(line) + ": " + shorten(e), e);
            }
        }

        static JsonNode read(byte[] utf8, int off, int len) throws JsonFormatException {
            try {
                return MAPPER.readTree(utf8, off, len);
            } catch (JacksonException e) {
                String text = new String(utf8, off, Math.min(len, 512), StandardCharsets.UTF_8);
                throw new JsonFormatException(false, "malformed JSON on the IPC channel: "
                        + JsonFormatException.excerpt(text) + ": " + shorten(e), e);
            }
        }

        static <T> T convert(JsonNode tree, Class<T> type) {
            try {
                return MAPPER.treeToValue(tree, type);
            } catch (JacksonException e) {
                throw new IllegalArgumentException("message does not convert to " + type.getName() + ": "
                        + e.getOriginalMessage(), e);
            }
        }

        /** Jackson's first message line, cut short: a cycle's reference chain runs to kilobytes. */
        private static String shorten(JacksonException e) {
            String m = String.valueOf(e.getOriginalMessage());
            int nl = m.indexOf('\n');
            if (nl >= 0) m = m.substring(0, nl);
            return m.length() <= MAX_CAUSE_CHARS ? m : m.substring(0, MAX_CAUSE_CHARS) + "…";
        }
    }

    // ------------------------------------------------------------------ framing

    /** Its own class: the early send path never searches for a line feed and need not build the VarHandle. */
    private static final class Swar {
        static final VarHandle LONGS = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
    }

    private static final long ONES = 0x0101010101010101L;
    private static final long HIGHS = 0x8080808080808080L;
    private static final long NEWLINES = 0x0a0a0a0a0a0a0a0aL;

    /**
     * The first {@code \n} in {@code b[from, end)}, or -1; eight bytes per step (SWAR). The line decoder frames
     * with it; the encoder checks Jackson's output with it.
     */
    public static int indexOfNewline(byte[] b, int from, int end) {
        int i = from;
        for (; i + 8 <= end; i += 8) {
            long x = (long) Swar.LONGS.get(b, i) ^ NEWLINES; // a zero byte where b has '\n'
            long found = (x - ONES) & ~x & HIGHS;
            if (found != 0) return i + (Long.numberOfTrailingZeros(found) >>> 3);
        }
        for (; i < end; i++) {
            if (b[i] == '\n') return i;
        }
        return -1;
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
}
