package dev.forkd.internal.ipc;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.lang.reflect.RecordComponent;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

/**
 * Encodes plain Java values — {@code null}, strings, booleans, the boxed integer and floating-point types,
 * {@code BigInteger}/{@code BigDecimal}, {@code Map}s with string keys, {@code List}s of these and plain
 * records of these (see {@link RecordPlan}) — without Jackson.
 *
 * <p>Why not Jackson here: a forked child's first message is on the critical path of every fork, and in a
 * fresh JVM the first databind {@code JsonMapper} costs 150-180 ms (about 460 classes loaded from the jar),
 * jackson-core's streaming generator alone about 25 ms; this class costs a few. A child's channel uses it
 * for every plain message until it is attached ({@link EarlyChannel}); every channel uses it afterwards for
 * plain messages without long strings, because it is also faster than a warm mapper for small messages
 * (no generator, context and buffer-pool set-up per call). Its output is what {@link JsonCodec} writes for the same value, byte for byte, except that control
 * characters are escaped the way {@code JSON.stringify} does ({@code \u001f}) where Jackson writes upper-case
 * hex ({@code \u001F}) — the same string either way (PlainJsonTest compares the two).
 *
 * <p>Anything else (other records, beans, {@code JsonNode}s, maps with other keys, nesting deeper than
 * {@value #MAX_DEPTH}) returns {@code null}, and the caller uses the full codec.
 */
final class PlainJson {
    /** Deeper values go to the full codec (which also reports cycles properly). */
    static final int MAX_DEPTH = 64;

    private static final char[] HEX = "0123456789abcdef".toCharArray();

    private PlainJson() {}

    /** One framed line ({@code JSON + "\n"}, UTF-8) for a plain value, or {@code null} if the value is not plain. */
    static byte[] encodeLine(Object value) {
        return encodeLine(value, Integer.MAX_VALUE);
    }

    /**
     * {@link #encodeLine(Object)}, but {@code null} also when a string is longer than {@code maxString}
     * characters: for big text Jackson's bulk writer is faster (1 MiB: 0.95 ms against 1.16 ms here), for
     * small messages this class is (85 ns against 215 ns for a two-entry map).
     */
    static byte[] encodeLine(Object value, int maxString) {
        // Beans and the like are turned away before any work.
        if (value != null && !(value instanceof Map<?, ?> || value instanceof List<?> || value instanceof String
                || value instanceof Number || value instanceof Boolean || value instanceof Record)) {
            return null;
        }
        StringBuilder out = new StringBuilder(64);
        if (!write(out, value, 0, maxString)) return null;
        out.append('\n');
        // Every surrogate left in the text is part of a pair (write escapes lone ones), so UTF-8 is exact.
        return out.toString().getBytes(StandardCharsets.UTF_8);
    }

    private static boolean write(StringBuilder out, Object v, int depth, int maxString) {
        if (depth > MAX_DEPTH) return false;
        // instanceof, not a pattern switch: a type switch is bootstrapped by spinning a class at its first use,
        // which would cost a forked child's first message a few milliseconds.
        if (v == null) {
            out.append("null");
        } else if (v instanceof String s) {
            if (s.length() > maxString) return false;
            string(out, s);
        } else if (v instanceof Integer || v instanceof Long || v instanceof Short || v instanceof Byte
                || v instanceof BigInteger || v instanceof BigDecimal || v instanceof Boolean) {
            out.append(v);
        } else if (v instanceof Double d) {
            floating(out, d, Double.isFinite(d));
        } else if (v instanceof Float f) {
            floating(out, f, Float.isFinite(f));
        } else if (v instanceof Map<?, ?> m) {
            out.append('{');
            boolean first = true;
            for (Map.Entry<?, ?> e : m.entrySet()) {
                if (!(e.getKey() instanceof String key) || key.length() > maxString) return false;
                if (!first) out.append(',');
                first = false;
                string(out, key);
                out.append(':');
                if (!write(out, e.getValue(), depth + 1, maxString)) return false;
            }
            out.append('}');
        } else if (v instanceof Record r) {
            RecordPlan plan = RecordPlan.PLANS.get(r.getClass());
            if (plan == RecordPlan.NOT_PLAIN) return false;
            out.append('{');
            for (int i = 0; i < plan.names.length; i++) {
                if (i > 0) out.append(',');
                string(out, plan.names[i]);
                out.append(':');
                Object component;
                try {
                    component = (Object) plan.accessors[i].invokeExact((Object) r);
                } catch (Throwable e) { // an accessor that throws: let Jackson report it
                    return false;
                }
                if (!write(out, component, depth + 1, maxString)) return false;
            }
            out.append('}');
        } else if (v instanceof List<?> l) {
            out.append('[');
            boolean first = true;
            for (Object o : l) {
                if (!first) out.append(',');
                first = false;
                if (!write(out, o, depth + 1, maxString)) return false;
            }
            out.append(']');
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
    private static void floating(StringBuilder out, Number n, boolean finite) {
        if (finite) {
            out.append(n);
        } else {
            out.append('"').append(n).append('"');
        }
    }

    private static void string(StringBuilder out, String s) {
        out.append('"');
        int n = s.length();
        int run = 0; // start of the current stretch of characters that need no escape
        for (int i = 0; i < n; i++) {
            char c = s.charAt(i);
            if (c >= 0x20 && c != '"' && c != '\\' && !Character.isSurrogate(c)) continue;
            if (Character.isHighSurrogate(c) && i + 1 < n && Character.isLowSurrogate(s.charAt(i + 1))) {
                i++; // a pair: written raw, as UTF-8
                continue;
            }
            out.append(s, run, i);
            run = i + 1;
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                case '\b' -> out.append("\\b");
                case '\f' -> out.append("\\f");
                default -> unicodeEscape(out, c); // other controls, and a lone surrogate as JSON.stringify writes it
            }
        }
        out.append(s, run, n);
        out.append('"');
    }

    private static void unicodeEscape(StringBuilder out, char c) {
        out.append("\\u").append(HEX[c >> 12]).append(HEX[(c >> 8) & 0xF]).append(HEX[(c >> 4) & 0xF]).append(HEX[c & 0xF]);
    }
}
