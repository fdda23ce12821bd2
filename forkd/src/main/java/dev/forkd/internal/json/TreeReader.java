package dev.forkd.internal.json;

import java.nio.charset.StandardCharsets;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;

/**
 * Reads one line of JSON (UTF-8) into the same {@link JsonNode} tree that the default {@link JsonCodec}'s
 * {@code readTree} builds, without Jackson's per-call set-up: no parser, context or symbol table, and no
 * buffers but the tree itself. On this VM {@code readTree} allocated about 1 KiB for a 40-byte message, which at
 * a million messages a second kept a receiving JVM growing its heap and faulting in fresh pages.
 *
 * <p>It takes only what it is sure of: strict JSON with strings in valid UTF-8, integers of up to 18 digits,
 * decimals, nesting up to {@value #MAX_DEPTH}. Anything else — malformed input, a byte-order mark, longer
 * numbers, deeper nesting — returns {@code null}, and the caller asks Jackson, which then builds the tree or
 * reports the error in its own words. The node types are Jackson's (ints that fit in an {@code int} as
 * {@code IntNode}, others as {@code LongNode}, decimals as {@code DoubleNode}, a repeated key keeps its first
 * position and its last value); {@code TreeReaderTest} compares both readers on generated and hostile input.
 *
 * <p>One difference, on purpose: a key with an unpaired surrogate escape ({@code {"\ud800":1}}, which
 * {@code JSON.stringify} writes for such a key) is read as such, where Jackson rejects the whole line ("Broken
 * surrogate pair in property name") and a message from Node would be lost.
 */
final class TreeReader {
    static final int MAX_DEPTH = JsonCodec.MAX_DEPTH;
    /** Integers with more digits go to Jackson (a long holds every 18-digit number). */
    private static final int MAX_LONG_DIGITS = 18;
    /** Decimals with longer text go to Jackson too (its parser is exact at any length; keep ours in bounds). */
    private static final int MAX_NUMBER_CHARS = 64;

    private final JsonNodeFactory nodes;
    private final byte[] b;
    private final int end;
    private int pos;
    private char[] chars;

    private TreeReader(JsonNodeFactory nodes, byte[] b, int off, int len) {
        this.nodes = nodes;
        this.b = b;
        this.pos = off;
        this.end = off + len;
    }

    /** The tree of {@code b[off, off+len)}, or {@code null} when Jackson must read it. */
    static JsonNode read(JsonNodeFactory nodes, byte[] b, int off, int len) {
        TreeReader r = new TreeReader(nodes, b, off, len);
        r.skipWhitespace();
        JsonNode root = r.value(0);
        if (root == null) return null;
        r.skipWhitespace();
        return r.pos == r.end ? root : null;
    }

    private void skipWhitespace() {
        while (pos < end) {
            byte c = b[pos];
            if (c != ' ' && c != '\n' && c != '\r' && c != '\t') return;
            pos++;
        }
    }

    private JsonNode value(int depth) {
        if (pos >= end) return null;
        return switch (b[pos]) {
            case '{' -> depth < MAX_DEPTH ? object(depth + 1) : null;
            case '[' -> depth < MAX_DEPTH ? array(depth + 1) : null;
            case '"' -> {
                String s = string();
                yield s == null ? null : nodes.stringNode(s);
            }
            case 't' -> literal("true") ? nodes.booleanNode(true) : null;
            case 'f' -> literal("false") ? nodes.booleanNode(false) : null;
            case 'n' -> literal("null") ? nodes.nullNode() : null;
            default -> number();
        };
    }

    private boolean literal(String word) {
        int n = word.length();
        if (end - pos < n) return false;
        for (int i = 0; i < n; i++) {
            if (b[pos + i] != word.charAt(i)) return false;
        }
        pos += n;
        // "trueish" is no literal: what follows must end the token
        return pos == end || !isTokenChar(b[pos]);
    }

    private static boolean isTokenChar(byte c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-'
                || c == '+' || c == '.' || c < 0;
    }

    private ObjectNode object(int depth) {
        pos++; // '{'
        ObjectNode o = nodes.objectNode();
        skipWhitespace();
        if (pos < end && b[pos] == '}') {
            pos++;
            return o;
        }
        while (true) {
            if (pos >= end || b[pos] != '"') return null;
            String key = key();
            if (key == null) return null;
            skipWhitespace();
            if (pos >= end || b[pos] != ':') return null;
            pos++;
            skipWhitespace();
            JsonNode v = value(depth);
            if (v == null) return null;
            o.set(key, v);
            skipWhitespace();
            if (pos >= end) return null;
            byte c = b[pos++];
            if (c == '}') return o;
            if (c != ',') return null;
            skipWhitespace();
        }
    }

    private ArrayNode array(int depth) {
        pos++; // '['
        ArrayNode a = nodes.arrayNode();
        skipWhitespace();
        if (pos < end && b[pos] == ']') {
            pos++;
            return a;
        }
        while (true) {
            JsonNode v = value(depth);
            if (v == null) return null;
            a.add(v);
            skipWhitespace();
            if (pos >= end) return null;
            byte c = b[pos++];
            if (c == ']') return a;
            if (c != ',') return null;
            skipWhitespace();
        }
    }

    // ---- numbers: -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?

    private JsonNode number() {
        int start = pos;
        int p = pos;
        boolean negative = p < end && b[p] == '-';
        if (negative) p++;
        int digitsStart = p;
        long v = 0;
        while (p < end && b[p] >= '0' && b[p] <= '9') {
            v = v * 10 + (b[p] - '0');
            p++;
            if (p - digitsStart > MAX_LONG_DIGITS) return null;
        }
        int digits = p - digitsStart;
        if (digits == 0 || (digits > 1 && b[digitsStart] == '0')) return null; // no digit, or a leading zero
        boolean decimal = false;
        if (p < end && b[p] == '.') {
            decimal = true;
            p++;
            int f = p;
            while (p < end && b[p] >= '0' && b[p] <= '9') p++;
            if (p == f) return null;
        }
        if (p < end && (b[p] == 'e' || b[p] == 'E')) {
            decimal = true;
            p++;
            if (p < end && (b[p] == '+' || b[p] == '-')) p++;
            int e = p;
            while (p < end && b[p] >= '0' && b[p] <= '9') p++;
            if (p == e) return null;
        }
        if (p < end && isTokenChar(b[p])) return null; // "1x", "1.2.3": let Jackson say what is wrong
        pos = p;
        if (decimal) {
            if (p - start > MAX_NUMBER_CHARS) return null;
            return nodes.numberNode(Double.parseDouble(new String(b, start, p - start, StandardCharsets.ISO_8859_1)));
        }
        if (negative) v = -v;
        return v == (int) v ? nodes.numberNode((int) v) : nodes.numberNode(v);
    }

    // ---- strings

    /** Object keys repeat from message to message: short ASCII ones are shared, as Jackson's symbol table does. */
    private static final int KEY_CACHE_SIZE = 256;
    private static final int MAX_CACHED_KEY = 32;
    private static final Key[] KEYS = new Key[KEY_CACHE_SIZE];

    /** An immutable cache entry: racing writers may replace each other, readers always see a whole one. */
    private record Key(byte[] bytes, String text) {}

    private String key() {
        int start = pos + 1;
        int hash = 0;
        int p = start;
        int limit = Math.min(end, start + MAX_CACHED_KEY + 1);
        while (p < limit) {
            byte c = b[p];
            if (c == '"') break;
            if (c < 0x20 || c == '\\') return string(); // escapes, controls and non-ASCII: the general path
            hash = hash * 31 + c;
            p++;
        }
        if (p == limit) return string();
        int n = p - start;
        int slot = (hash ^ (hash >>> 16)) & (KEY_CACHE_SIZE - 1);
        Key k = KEYS[slot];
        if (k != null && java.util.Arrays.equals(k.bytes, 0, k.bytes.length, b, start, p)) {
            pos = p + 1;
            return k.text;
        }
        String text = new String(b, start, n, StandardCharsets.ISO_8859_1);
        KEYS[slot] = new Key(java.util.Arrays.copyOfRange(b, start, p), text);
        pos = p + 1;
        return text;
    }

    /** The string starting at the quote at {@code pos}; null if it is not valid JSON in valid UTF-8. */
    private String string() {
        int start = pos + 1;
        int p = start;
        // The common case: printable ASCII without escapes, one copy into a compact String.
        while (p < end) {
            byte c = b[p];
            if (c == '"') {
                pos = p + 1;
                return new String(b, start, p - start, StandardCharsets.ISO_8859_1);
            }
            if (c < 0x20 || c == '\\') break; // c < 0 for every byte of a multi-byte character
            p++;
        }
        return slowString(start, p);
    }

    private String slowString(int start, int p) {
        int n = p - start;
        int capacity = Math.max(16, (end - start)); // a UTF-8 byte never makes more than one char
        if (chars == null || chars.length < capacity) chars = new char[capacity];
        char[] out = chars;
        for (int i = 0; i < n; i++) out[i] = (char) b[start + i];
        while (p < end) {
            int c = b[p] & 0xFF;
            if (c == '"') {
                pos = p + 1;
                return new String(out, 0, n);
            }
            if (c == '\\') {
                if (p + 1 >= end) return null;
                byte e = b[p + 1];
                p += 2;
                char x;
                switch (e) {
                    case '"' -> x = '"';
                    case '\\' -> x = '\\';
                    case '/' -> x = '/';
                    case 'b' -> x = '\b';
                    case 'f' -> x = '\f';
                    case 'n' -> x = '\n';
                    case 'r' -> x = '\r';
                    case 't' -> x = '\t';
                    case 'u' -> {
                        if (p + 4 > end) return null;
                        int u = 0;
                        for (int i = 0; i < 4; i++) {
                            int h = Character.digit(b[p + i], 16);
                            if (h < 0) return null;
                            u = (u << 4) | h;
                        }
                        p += 4;
                        x = (char) u; // a lone surrogate too, as Jackson and JSON.parse allow
                    }
                    default -> {
                        return null;
                    }
                }
                out[n++] = x;
            } else if (c < 0x20) {
                return null; // a raw control character: not JSON
            } else if (c < 0x80) {
                out[n++] = (char) c;
                p++;
            } else if (c >= 0xC2 && c <= 0xDF) {
                if (p + 1 >= end || !continuation(b[p + 1])) return null;
                out[n++] = (char) (((c & 0x1F) << 6) | (b[p + 1] & 0x3F));
                p += 2;
            } else if (c >= 0xE0 && c <= 0xEF) {
                if (p + 2 >= end || !continuation(b[p + 1]) || !continuation(b[p + 2])) return null;
                int cp = ((c & 0x0F) << 12) | ((b[p + 1] & 0x3F) << 6) | (b[p + 2] & 0x3F);
                if (cp < 0x800 || Character.isSurrogate((char) cp)) return null; // overlong, or an encoded surrogate
                out[n++] = (char) cp;
                p += 3;
            } else if (c >= 0xF0 && c <= 0xF4) {
                if (p + 3 >= end || !continuation(b[p + 1]) || !continuation(b[p + 2]) || !continuation(b[p + 3])) {
                    return null;
                }
                int cp = ((c & 0x07) << 18) | ((b[p + 1] & 0x3F) << 12) | ((b[p + 2] & 0x3F) << 6) | (b[p + 3] & 0x3F);
                if (cp < 0x10000 || cp > Character.MAX_CODE_POINT) return null;
                out[n++] = Character.highSurrogate(cp);
                out[n++] = Character.lowSurrogate(cp);
                p += 4;
            } else {
                return null; // a stray continuation byte, or a lead byte no valid UTF-8 uses
            }
        }
        return null; // no closing quote
    }

    private static boolean continuation(byte c) {
        return (c & 0xC0) == 0x80;
    }
}
