package dev.forkd.cli.app;

import com.fasterxml.jackson.annotation.JsonAnySetter;
import com.fasterxml.jackson.annotation.JsonIgnore;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.RecordComponent;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;
import tools.jackson.core.JsonParser;
import tools.jackson.core.JsonToken;
import tools.jackson.core.StreamReadFeature;
import tools.jackson.core.TokenStreamLocation;
import tools.jackson.databind.BeanProperty;
import tools.jackson.databind.DeserializationContext;
import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.JavaType;
import tools.jackson.databind.ObjectMapper;
import tools.jackson.databind.ValueDeserializer;
import tools.jackson.databind.cfg.MapperBuilder;
import tools.jackson.databind.deser.DeserializationProblemHandler;
import tools.jackson.databind.deser.ValueInstantiator;
import tools.jackson.databind.exc.UnrecognizedPropertyException;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.module.SimpleModule;
import tools.jackson.databind.util.AccessPattern;
import tools.jackson.dataformat.yaml.YAMLMapper;
import tools.jackson.dataformat.yaml.YAMLParser;

/**
 * The ecosystem file's shape as Jackson binds it; {@link Ecosystem} documents it and turns it into {@link AppSpec}s.
 *
 * <p>Every value is checked while Jackson reads it, by a deserializer that reports through the
 * {@link DeserializationContext}: Jackson then adds the token's line and column and the field path, so no check
 * has to find its place again afterwards. What can only be checked later (required fields, duplicate names,
 * directories, {@link AppSpec}'s own rules) finds its place through {@link Located}. A null field means the key is
 * absent; a key that is present with no value (nothing after the colon, or {@code null}) is an error, never a
 * default. (Jackson 3's YAML parser reads a bare {@code ~} as the string "~", not as null: FasterXML
 * jackson-dataformats-text issue 661.)
 */
final class EcosystemFormat {
    private EcosystemFormat() {}

    /**
     * The top level of the file. {@code unknownKeys} is always empty: see {@link UnknownDeserializer}. It is
     * ignored as a key of its own ({@code unknownKeys: 1} fails as ignored, which reads as unknown), since Jackson
     * would otherwise also bind it by name.
     */
    record Document(Located<List<Located<App>>> apps, @JsonAnySetter @JsonIgnore Map<String, Unknown> unknownKeys) {}

    /**
     * One entry of {@code apps}. The components' order is the order an unknown-field error lists them in;
     * {@code unknownKeys} is as in {@link Document}.
     */
    record App(Located<String> name, Argv command, Located<String> cwd, Instances instances, RestartMode restart,
               Integer maxRestarts, Duration window, Duration killTimeout, Bytes maxMemory, Map<String, String> env,
               Bytes logMaxSize, Integer logFiles, Boolean timestamps, Integer port, String host,
               Boolean waitReady, Duration readyTimeout, Duration restartDelay, Handoff handoff,
               @JsonAnySetter @JsonIgnore Map<String, Unknown> unknownKeys) {}

    /** The value of a key that no component names; never made, since its deserializer rejects the key. */
    record Unknown() {}

    /** A value and where in the file it started (the first character of a scalar, a mapping's first key). */
    record Located<T>(T value, TokenStreamLocation where) {}

    /** {@code command}: a list of arguments, or one string split on whitespace. */
    record Argv(List<String> args) {}

    /** {@code instances}: a count, or {@code max} for one per available processor. */
    record Instances(int count) {}

    /** A size in bytes, written as {@link Units#size} reads it. */
    record Bytes(long count) {}

    static final ObjectMapper YAML = configure(YAMLMapper.builder());
    static final ObjectMapper JSON = configure(JsonMapper.builder());

    private static <M extends ObjectMapper, B extends MapperBuilder<M, B>> M configure(B builder) {
        return builder
                // Jackson 3 ignores unknown properties by default. UnknownDeserializer meets them first; this is
                // the backstop should a record ever lose its any-setter.
                .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
                .enable(DeserializationFeature.FAIL_ON_IGNORED_PROPERTIES)
                // Ecosystem checks for a second document itself, to say so in words.
                .disable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
                .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
                .addModule(module())
                .addHandler(new Problems())
                .build();
    }

    @SuppressWarnings({"rawtypes", "unchecked"}) // Located's deserializer serves every Located<T>
    private static SimpleModule module() {
        SimpleModule m = new SimpleModule("forkd-ecosystem");
        // Every scalar (string, number, boolean) is a string where a string is wanted: PORT: 3000 means "3000".
        m.addDeserializer(String.class, new Scalar<>(String.class, "a string", s -> s));
        m.addDeserializer(Integer.class, new Scalar<>(Integer.class, "a whole number", Integer::valueOf));
        m.addDeserializer(Boolean.class, new Scalar<>(Boolean.class, "true or false", EcosystemFormat::bool));
        m.addDeserializer(Duration.class, new Scalar<>(Duration.class, "a duration such as 5s, 1500ms or 2m",
                Units::duration));
        m.addDeserializer(Bytes.class, new Scalar<>(Bytes.class, "a size such as 512m, 10MiB or 4096",
                s -> new Bytes(Units.size(s))));
        m.addDeserializer(Instances.class, new Scalar<>(Instances.class, "a whole number or \"max\"",
                EcosystemFormat::instances));
        m.addDeserializer(Handoff.class, new Scalar<>(Handoff.class, "activation or cluster", Handoff::parse));
        m.addDeserializer(RestartMode.class, new Scalar<>(RestartMode.class, "always, on-failure or never",
                RestartMode::parse));
        m.addDeserializer(Argv.class, new ArgvDeserializer());
        m.addDeserializer(Unknown.class, new UnknownDeserializer(null));
        m.addDeserializer((Class) Located.class, (ValueDeserializer) new LocatedDeserializer(null));
        return m;
    }

    private static Boolean bool(String s) {
        return switch (s.toLowerCase(Locale.ROOT)) {
            case "true" -> true;
            case "false" -> false;
            default -> throw new IllegalArgumentException(s);
        };
    }

    private static Instances instances(String s) {
        return new Instances(s.equals("max") ? Runtime.getRuntime().availableProcessors() : Integer.parseInt(s));
    }

    /**
     * Whether the current token is a YAML alias ({@code *name}). Jackson's YAML parser hands one over as the
     * string "name", which no field may take as its value.
     */
    private static boolean isAlias(JsonParser p) {
        return p instanceof YAMLParser y && y.isCurrentAlias();
    }

    /** The current token as the person wrote it, for "expected ..., got ...". */
    private static String describe(JsonParser p) {
        JsonToken t = p.currentToken();
        if (t == null) return "nothing";
        if (isAlias(p)) return "the alias *" + p.getString() + " (aliases are not supported)";
        return switch (t) {
            case VALUE_STRING -> '"' + p.getString() + '"';
            case VALUE_NUMBER_INT, VALUE_NUMBER_FLOAT, VALUE_TRUE, VALUE_FALSE -> p.getString();
            case VALUE_NULL -> "null";
            case START_ARRAY -> "a list";
            case START_OBJECT -> "a mapping";
            default -> t.toString();
        };
    }

    /** Nothing for an absent key; an error for a key with a null value. */
    private abstract static class Strict<T> extends ValueDeserializer<T> {
        final String expected;

        Strict(String expected) {
            this.expected = expected;
        }

        T mismatch(DeserializationContext ctxt, String got) {
            return ctxt.reportInputMismatch(this, "expected %s, got %s", expected, got);
        }

        @Override
        public T getNullValue(DeserializationContext ctxt) {
            return mismatch(ctxt, "null");
        }

        @Override
        public Object getAbsentValue(DeserializationContext ctxt) {
            return null;
        }

        @Override
        public AccessPattern getNullAccessPattern() {
            return AccessPattern.DYNAMIC;
        }
    }

    /** A scalar's text, turned into a T by a function whose IllegalArgumentException means "not a T". */
    private static final class Scalar<T> extends Strict<T> {
        private final Class<T> type;
        private final Function<String, T> parse;

        Scalar(Class<T> type, String expected, Function<String, T> parse) {
            super(expected);
            this.type = type;
            this.parse = parse;
        }

        @Override
        public T deserialize(JsonParser p, DeserializationContext ctxt) {
            JsonToken t = p.currentToken();
            if (t == JsonToken.VALUE_NULL) return getNullValue(ctxt);
            if (t == null || !t.isScalarValue() || isAlias(p)) return mismatch(ctxt, describe(p));
            try {
                return parse.apply(p.getString());
            } catch (IllegalArgumentException e) {
                return mismatch(ctxt, describe(p));
            }
        }

        @Override
        public Class<?> handledType() {
            return type;
        }
    }

    private static final class ArgvDeserializer extends Strict<Argv> {
        ArgvDeserializer() {
            super("a list of arguments or a string");
        }

        @Override
        public Argv deserialize(JsonParser p, DeserializationContext ctxt) {
            if (p.isExpectedStartArrayToken()) {
                // Elements go through the String deserializer above, so [sleep, 10] runs "sleep" "10".
                JavaType strings = ctxt.getTypeFactory().constructCollectionType(List.class, String.class);
                return new Argv(ctxt.readValue(p, strings));
            }
            if (p.currentToken() == JsonToken.VALUE_STRING && !isAlias(p)) {
                String s = p.getString().strip();
                return new Argv(s.isEmpty() ? List.of() : List.of(s.split("\\s+")));
            }
            if (p.currentToken() == JsonToken.VALUE_NULL) return getNullValue(ctxt);
            return mismatch(ctxt, describe(p));
        }

        @Override
        public Class<?> handledType() {
            return Argv.class;
        }
    }

    /** Reads a Located&lt;T&gt; with T's own deserializer, noting where the value started. */
    private static final class LocatedDeserializer extends ValueDeserializer<Located<?>> {
        private final ValueDeserializer<Object> value;

        LocatedDeserializer(ValueDeserializer<Object> value) {
            this.value = value;
        }

        @Override
        public ValueDeserializer<?> createContextual(DeserializationContext ctxt, BeanProperty property) {
            // The contextual type, not property.getType(): inside List<Located<App>> the property is the list.
            JavaType located = ctxt.getContextualType();
            return new LocatedDeserializer(ctxt.findContextualValueDeserializer(located.containedType(0), property));
        }

        @Override
        public Located<?> deserialize(JsonParser p, DeserializationContext ctxt) {
            TokenStreamLocation where = p.currentTokenLocation();
            return new Located<>(value.deserialize(p, ctxt), where);
        }

        @Override
        public Object getNullValue(DeserializationContext ctxt) {
            Object v = value.getNullValue(ctxt);
            return v == null ? null : new Located<>(v, ctxt.getParser().currentTokenLocation());
        }

        @Override
        public Object getAbsentValue(DeserializationContext ctxt) {
            return null;
        }

        @Override
        public AccessPattern getNullAccessPattern() {
            return AccessPattern.DYNAMIC;
        }

        @Override
        public Class<?> handledType() {
            return Located.class;
        }
    }

    /**
     * Rejects a key that no component names, where it stands. Jackson binds a record through its constructor: it
     * buffers the keys it does not know and reports them after the mapping has ended, when the parser is past
     * their line. The values of an any-setter are read in place, so the unknown key is caught here instead.
     * The message is {@link Ecosystem}'s, made from the exception's property name and referring class.
     */
    private static final class UnknownDeserializer extends ValueDeserializer<Unknown> {
        private final Class<?> owner;

        UnknownDeserializer(Class<?> owner) {
            this.owner = owner;
        }

        @Override
        public ValueDeserializer<?> createContextual(DeserializationContext ctxt, BeanProperty property) {
            return new UnknownDeserializer(property.getMember().getDeclaringClass());
        }

        @Override
        public Unknown deserialize(JsonParser p, DeserializationContext ctxt) {
            throw new UnrecognizedPropertyException(p, "unknown field \"" + p.currentName() + "\"",
                    p.currentTokenLocation(), owner, p.currentName(), List.of());
        }

        @Override
        public Unknown getNullValue(DeserializationContext ctxt) {
            return deserialize(ctxt.getParser(), ctxt);
        }

        @Override
        public AccessPattern getNullAccessPattern() {
            return AccessPattern.DYNAMIC;
        }
    }

    /** The keys a record of this class reads, in declaration order. */
    static String keys(Class<?> record) {
        if (record == null || !record.isRecord()) return "?";
        return Arrays.stream(record.getRecordComponents()).filter(c -> !isUnknownKeys(c)).map(RecordComponent::getName)
                .collect(Collectors.joining(", "));
    }

    private static boolean isUnknownKeys(RecordComponent c) {
        return c.getGenericType() instanceof ParameterizedType t && t.getActualTypeArguments().length == 2
                && t.getActualTypeArguments()[1] == Unknown.class;
    }

    /** Jackson's own shape checks (a list where a mapping belongs, and so on), worded for the file's author. */
    private static final class Problems extends DeserializationProblemHandler {
        @Override
        public Object handleUnexpectedToken(DeserializationContext ctxt, JavaType target, JsonToken t, JsonParser p,
                                            String failureMsg) {
            return ctxt.reportInputMismatch(target, "expected %s, got %s", shape(target), describe(p));
        }

        @Override
        public Object handleMissingInstantiator(DeserializationContext ctxt, Class<?> type, ValueInstantiator inst,
                                                JsonParser p, String failureMsg) {
            return ctxt.reportInputMismatch(type, "expected %s, got %s", shape(ctxt.constructType(type)), describe(p));
        }

        private static String shape(JavaType type) {
            return type.isCollectionLikeType() || type.isArrayType() ? "a list" : "a mapping";
        }
    }
}
