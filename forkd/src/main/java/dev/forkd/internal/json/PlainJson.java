package dev.forkd.internal.json;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.lang.reflect.RecordComponent;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.BigIntegerNode;
import tools.jackson.databind.node.BooleanNode;
import tools.jackson.databind.node.DecimalNode;
import tools.jackson.databind.node.DoubleNode;
import tools.jackson.databind.node.FloatNode;
import tools.jackson.databind.node.IntNode;
import tools.jackson.databind.node.LongNode;
import tools.jackson.databind.node.NullNode;
import tools.jackson.databind.node.ObjectNode;
import tools.jackson.databind.node.ShortNode;
import tools.jackson.databind.node.StringNode;

/**
 * Encodes plain Java values — {@code null}, strings, booleans, the boxed integer and floating-point types,
 * {@code BigInteger}/{@code BigDecimal}, {@code Map}s with string keys, {@code List}s of these, plain
 * records of these (see {@link RecordPlan}) and trees of Jackson's own {@code JsonNode} classes — without
 * Jackson's serializers.
 *
 * <p>Why not Jackson here: a forked child's first message is on the critical path of every fork, and in a
 * fresh JVM the first databind {@code JsonMapper} costs 150-180 ms (about 460 classes loaded from the jar),
 * jackson-core's streaming generator alone about 25 ms; this class costs a few. A child's channel uses it
 * for every plain message until it is attached ({@code EarlyChannel}); every channel uses it afterwards for
 * plain messages without long strings, because it is also faster than a warm mapper for small messages
 * (no generator, context and buffer-pool set-up per call). Only {@link JsonCodec} calls it, and decides the
 * limits. Its output is what Jackson's mapper writes for the same value, byte for byte, except that control
 * characters are escaped the way {@code JSON.stringify} does ({@code \u001f}) where Jackson writes upper-case
 * hex ({@code \u001F}) — the same string either way (PlainJsonTest compares the two).
 *
 * <p>Anything else (other records, beans, other {@code JsonNode}s, maps with other keys, nesting deeper than
 * {@value #MAX_DEPTH}) returns {@code null}, and the caller uses the full codec.
 */
final class PlainJson {
    /** Deeper values go to the full codec (which also reports cycles properly). */
    static final int MAX_DEPTH = JsonCodec.MAX_DEPTH;

    private static final byte[] HEX = "0123456789abcdef".getBytes(java.nio.charset.StandardCharsets.US_ASCII);

    private PlainJson() {}

    /** One framed line ({@code JSON + "\n"}, UTF-8) for a plain value, or {@code null} if the value is not plain. */
    static byte[] encodeLine(Object value) {
        return encodeLine(value, Integer.MAX_VALUE);
    }

    /** {@link #encodeLine(Object)}, but {@code null} also when a string is longer than {@code maxString} characters. */
    static byte[] encodeLine(Object value, int maxString) {
        LineBuffer out = new LineBuffer(64);
        return encodeLine(value, maxString, out) ? Arrays.copyOf(out.buf, out.len) : null;
    }

    /**
     * Appends the framed line for {@code value} to {@code out}; false (and {@code out} as it was) when the value
     * is not plain, or when a string in it is longer than {@code maxString} characters: for big text Jackson's
     * bulk writer is faster (1 MiB: 0.95 ms against 1.16 ms here), for small messages this class is.
     */
    static boolean encodeLine(Object value, int maxString, LineBuffer out) {
        // Beans and the like are turned away before any work.
        if (value != null && !(value instanceof Map<?, ?> || value instanceof List<?> || value instanceof String
                || value instanceof Number || value instanceof Boolean || value instanceof Record
                || isTree(value))) {
            return false;
        }
        int mark = out.len;
        if (!write(out, value, 0, maxString)) {
            out.len = mark;
            return false;
        }
        out.ascii('\n');
        return true;
    }

    private static boolean write(LineBuffer out, Object v, int depth, int maxString) {
        if (depth > MAX_DEPTH) return false;
        // instanceof, not a pattern switch: a type switch is bootstrapped by spinning a class at its first use,
        // which would cost a forked child's first message a few milliseconds.
        if (v == null) {
            out.ascii("null");
        } else if (v instanceof String s) {
            if (s.length() > maxString) return false;
            string(out, s);
        } else if (v instanceof Integer || v instanceof Long || v instanceof Short || v instanceof Byte) {
            out.decimal(((Number) v).longValue());
        } else if (v instanceof Boolean b) {
            out.ascii(b ? "true" : "false");
        } else if (v instanceof BigInteger || v instanceof BigDecimal) {
            out.ascii(v.toString());
        } else if (v instanceof Double d) {
            floating(out, d, Double.isFinite(d));
        } else if (v instanceof Float f) {
            floating(out, f, Float.isFinite(f));
        } else if (v instanceof Map<?, ?> m) {
            out.ascii('{');
            boolean first = true;
            for (Map.Entry<?, ?> e : m.entrySet()) {
                if (!(e.getKey() instanceof String key) || key.length() > maxString) return false;
                if (!first) out.ascii(',');
                first = false;
                string(out, key);
                out.ascii(':');
                if (!write(out, e.getValue(), depth + 1, maxString)) return false;
            }
            out.ascii('}');
        } else if (v instanceof Record r) {
            RecordPlan plan = RecordPlan.PLANS.get(r.getClass());
            if (plan == RecordPlan.NOT_PLAIN) return false;
            out.ascii('{');
            for (int i = 0; i < plan.names.length; i++) {
                if (i > 0) out.ascii(',');
                string(out, plan.names[i]);
                out.ascii(':');
                Object component;
                try {
                    component = (Object) plan.accessors[i].invokeExact((Object) r);
                } catch (Throwable e) { // an accessor that throws: let Jackson report it
                    return false;
                }
                if (!write(out, component, depth + 1, maxString)) return false;
            }
            out.ascii('}');
        } else if (v instanceof List<?> l) {
            out.ascii('[');
            boolean first = true;
            for (Object o : l) {
                if (!first) out.ascii(',');
                first = false;
                if (!write(out, o, depth + 1, maxString)) return false;
            }
            out.ascii(']');
        } else if (isTree(v)) {
            return tree(out, (JsonNode) v, depth, maxString);
        } else {
            return false;
        }
        return true;
    }

    /**
     * Last in every chain of checks: {@code instanceof JsonNode} loads Jackson's node classes, which a child that
     * only sends maps never needs.
     */
    private static boolean isTree(Object v) {
        return v instanceof JsonNode;
    }

    /**
     * A tree of Jackson's own node classes, as its serializer writes it (a subclass, a POJO or binary node goes
     * to Jackson).
     */
    private static boolean tree(LineBuffer out, JsonNode n, int depth, int maxString) {
        if (depth > MAX_DEPTH) return false;
        Class<?> type = n.getClass();
        if (type == ObjectNode.class) {
            out.ascii('{');
            boolean first = true;
            for (Map.Entry<String, JsonNode> e : n.properties()) {
                if (e.getKey().length() > maxString) return false;
                if (!first) out.ascii(',');
                first = false;
                string(out, e.getKey());
                out.ascii(':');
                if (!tree(out, e.getValue(), depth + 1, maxString)) return false;
            }
            out.ascii('}');
        } else if (type == ArrayNode.class) {
            out.ascii('[');
            boolean first = true;
            for (JsonNode c : n.values()) {
                if (!first) out.ascii(',');
                first = false;
                if (!tree(out, c, depth + 1, maxString)) return false;
            }
            out.ascii(']');
        } else if (type == StringNode.class) {
            String s = n.stringValue();
            if (s.length() > maxString) return false;
            string(out, s);
        } else if (type == IntNode.class || type == LongNode.class || type == ShortNode.class) {
            out.decimal(n.longValue());
        } else if (type == BooleanNode.class) {
            out.ascii(n.booleanValue() ? "true" : "false");
        } else if (type == NullNode.class) {
            out.ascii("null");
        } else if (type == DoubleNode.class) {
            floating(out, n.doubleValue(), Double.isFinite(n.doubleValue()));
        } else if (type == FloatNode.class) {
            floating(out, n.floatValue(), Float.isFinite(n.floatValue()));
        } else if (type == BigIntegerNode.class || type == DecimalNode.class) {
            out.ascii(n.numberValue().toString());
        } else {
            return false;
        }
        return true;
    }

    /**
     * How a record class is written: its components in declaration order, by name, as Jackson's default
     * mapper writes a record — for the records where nothing else could change that: a public record with
     * no annotations at all, no interfaces and no other getter-like methods ({@code getX()}, {@code isX()},
     * which Jackson would add as properties). Anything else is {@link #NOT_PLAIN} and goes to Jackson.
     */
    private static final class RecordPlan {
        static final RecordPlan NOT_PLAIN = new RecordPlan(new String[0], new MethodHandle[0]);
        /** Here, not in PlainJson: a child whose first messages are maps never loads any of this. */
        static final ClassValue<RecordPlan> PLANS = new ClassValue<>() {
            @Override
            protected RecordPlan computeValue(Class<?> type) {
                return of(type);
            }
        };

        final String[] names;
        /** (Object) -> Object. */
        final MethodHandle[] accessors;

        private RecordPlan(String[] names, MethodHandle[] accessors) {
            this.names = names;
            this.accessors = accessors;
        }

        static RecordPlan of(Class<?> type) {
            if (!type.isRecord() || !Modifier.isPublic(type.getModifiers()) || type.getInterfaces().length > 0
                    || type.getAnnotations().length > 0) {
                return NOT_PLAIN;
            }
            for (Method m : type.getDeclaredMethods()) {
                if (Modifier.isStatic(m.getModifiers()) || !Modifier.isPublic(m.getModifiers())) continue;
                if (m.getAnnotations().length > 0) return NOT_PLAIN;
                String n = m.getName();
                if (m.getParameterCount() == 0 && (n.startsWith("get") || n.startsWith("is"))) return NOT_PLAIN;
            }
            for (Field f : type.getDeclaredFields()) {
                if (f.getAnnotations().length > 0) return NOT_PLAIN;
            }
            RecordComponent[] components = type.getRecordComponents();
            String[] names = new String[components.length];
            MethodHandle[] accessors = new MethodHandle[components.length];
            MethodType getter = MethodType.methodType(Object.class, Object.class);
            try {
                for (int i = 0; i < components.length; i++) {
                    if (components[i].getAnnotations().length > 0) return NOT_PLAIN;
                    names[i] = components[i].getName();
                    // Public lookup: a record that other code could not call is left to Jackson.
                    accessors[i] = MethodHandles.publicLookup().unreflect(components[i].getAccessor()).asType(getter);
                }
            } catch (IllegalAccessException | RuntimeException e) {
                return NOT_PLAIN;
            }
            return new RecordPlan(names, accessors);
        }
    }

    /** Jackson's default: {@code Double.toString}, and NaN and the infinities as strings. */
    private static void floating(LineBuffer out, Number n, boolean finite) {
        if (finite) {
            out.ascii(n.toString());
        } else {
            out.ascii('"');
            out.ascii(n.toString());
            out.ascii('"');
        }
    }

    /** Characters written per capacity check: the worst case is six bytes a character ({@code \\u001f}). */
    private static final int STRING_STEP = 1024;

    private static void string(LineBuffer out, String s) {
        out.ascii('"');
        int n = s.length();
        for (int from = 0; from < n; ) {
            int to = Math.min(n, from + STRING_STEP);
            out.ensure(6 * (to - from) + 4);
            byte[] b = out.buf;
            int p = out.len;
            int i = from;
            for (; i < to; i++) {
                char c = s.charAt(i);
                if (c >= 0x20 && c < 0x80 && c != '"' && c != '\\') {
                    b[p++] = (byte) c;
                } else if (c >= 0x80 && c < 0x800) {
                    b[p++] = (byte) (0xC0 | (c >> 6));
                    b[p++] = (byte) (0x80 | (c & 0x3F));
                } else if (c >= 0x800 && !Character.isSurrogate(c)) {
                    b[p++] = (byte) (0xE0 | (c >> 12));
                    b[p++] = (byte) (0x80 | ((c >> 6) & 0x3F));
                    b[p++] = (byte) (0x80 | (c & 0x3F));
                } else if (Character.isHighSurrogate(c) && i + 1 < n && Character.isLowSurrogate(s.charAt(i + 1))) {
                    int cp = Character.toCodePoint(c, s.charAt(++i)); // a pair: written raw, as UTF-8
                    b[p++] = (byte) (0xF0 | (cp >> 18));
                    b[p++] = (byte) (0x80 | ((cp >> 12) & 0x3F));
                    b[p++] = (byte) (0x80 | ((cp >> 6) & 0x3F));
                    b[p++] = (byte) (0x80 | (cp & 0x3F));
                } else {
                    b[p++] = '\\';
                    switch (c) {
                        case '"' -> b[p++] = '"';
                        case '\\' -> b[p++] = '\\';
                        case '\n' -> b[p++] = 'n';
                        case '\r' -> b[p++] = 'r';
                        case '\t' -> b[p++] = 't';
                        case '\b' -> b[p++] = 'b';
                        case '\f' -> b[p++] = 'f';
                        default -> { // other controls, and a lone surrogate as JSON.stringify writes it
                            b[p++] = 'u';
                            b[p++] = HEX[c >> 12];
                            b[p++] = HEX[(c >> 8) & 0xF];
                            b[p++] = HEX[(c >> 4) & 0xF];
                            b[p++] = HEX[c & 0xF];
                        }
                    }
                }
            }
            out.len = p;
            from = i; // one past a pair may be beyond `to`
        }
        out.ascii('"');
    }
}
