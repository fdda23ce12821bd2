package dev.forkd.cli.app;

import dev.forkd.cli.app.EcosystemFormat.App;
import dev.forkd.cli.app.EcosystemFormat.Document;
import dev.forkd.cli.app.EcosystemFormat.Located;
import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.function.Function;
import org.snakeyaml.engine.v2.exceptions.Mark;
import org.snakeyaml.engine.v2.exceptions.MarkedYamlEngineException;
import tools.jackson.core.JacksonException;
import tools.jackson.core.JsonParser;
import tools.jackson.core.TokenStreamLocation;
import tools.jackson.databind.ObjectMapper;
import tools.jackson.databind.exc.PropertyBindingException;

/**
 * An ecosystem file: the apps {@code forkd start FILE} runs, written in YAML ({@code .yaml}, {@code .yml}) or JSON
 * ({@code .json}). The keys are PM2's where PM2 has one, spelt one way only: camelCase ({@code maxRestarts}, not
 * {@code max_restarts}; PM2's other spellings and its {@code script}/{@code args} pair are not read).
 *
 * {@snippet lang = yaml :
 * apps:
 *   - name: api
 *     command: [java, -jar, api.jar, --port, 3000]
 *     cwd: ./api
 *     instances: max
 *     restart: on-failure
 *     maxRestarts: 3
 *     window: 2m
 *     killTimeout: 10s
 *     maxMemory: 512m
 *     env: {PORT: 3000, DEBUG: false}
 *     logMaxSize: 20m
 *     logFiles: 3
 *     timestamps: true
 *   - name: worker
 *     command: ./worker --queue jobs
 * }
 *
 * <p>The same file in JSON is {@code {"apps": [{"name": "api", "command": ["java", "-jar", "api.jar"], ...}]}}.
 * The top level holds {@code apps} and nothing else: a list of at least one app, each a mapping of these keys.
 * An absent key takes the default shown; a key written with no value ({@code maxMemory:} or
 * {@code maxMemory: null}) is an error, not the default. Any other key is an error.
 * <table class="striped">
 * <caption>The keys of an app</caption>
 * <tr><th>key</th><th>value</th><th>when absent</th></tr>
 * <tr><td>{@code name}</td><td>unique in the file; 1-64 letters, digits, '.', '_', '-'</td><td>required</td></tr>
 * <tr><td>{@code command}</td><td>the program and its arguments, run without a shell: a list, or one string split
 *     on whitespace (no quoting: use the list when an argument holds a space)</td><td>required</td></tr>
 * <tr><td>{@code cwd}</td><td>an existing directory; a relative path is taken from the file's directory;
 *     {@code ~} and variables are not expanded</td><td>the file's directory</td></tr>
 * <tr><td>{@code instances}</td><td>a whole number, or {@code max}: one per processor available when the file is
 *     loaded</td><td>1</td></tr>
 * <tr><td>{@code restart}</td><td>{@code always}, {@code on-failure} or {@code never}</td><td>{@code always}</td></tr>
 * <tr><td>{@code maxRestarts}</td><td>restarts tolerated within {@code window}</td>
 *     <td>{@value AppSpec#DEFAULT_MAX_RESTARTS}</td></tr>
 * <tr><td>{@code window}</td><td>a duration ({@link Units#duration}: {@code 1500ms}, {@code 5s}, {@code 2m},
 *     {@code 1h}; a bare number is seconds)</td><td>{@link AppSpec#DEFAULT_WINDOW} (60s)</td></tr>
 * <tr><td>{@code killTimeout}</td><td>a duration</td><td>{@link AppSpec#DEFAULT_KILL_TIMEOUT} (5s)</td></tr>
 * <tr><td>{@code restartDelay}</td><td>a duration: a fixed wait before each restart (PM2's
 *     {@code restart_delay})</td><td>a backoff from 100ms, doubling to 15s</td></tr>
 * <tr><td>{@code handoff}</td><td>{@code activation} (the listener as fd 3, systemd's socket activation) or
 *     {@code cluster} (Node's cluster protocol: unmodified Node cluster apps, forkd-aware JVMs)</td>
 *     <td>{@code activation}</td></tr>
 * <tr><td>{@code maxMemory}</td><td>a size ({@link Units#size}: {@code 4096}, {@code 512k}, {@code 512m},
 *     {@code 1GiB}, powers of 1024); 0: no limit</td><td>0</td></tr>
 * <tr><td>{@code env}</td><td>a mapping of variable names to scalars, added over the base environment; a number
 *     or boolean is its text ({@code 3000} is {@code "3000"})</td><td>nothing added</td></tr>
 * <tr><td>{@code logMaxSize}</td><td>a size</td><td>{@link AppSpec#DEFAULT_LOG_MAX_BYTES} (10m)</td></tr>
 * <tr><td>{@code logFiles}</td><td>rotated files kept per log</td><td>{@value AppSpec#DEFAULT_LOG_FILES}</td></tr>
 * <tr><td>{@code timestamps}</td><td>{@code true} or {@code false}</td><td>{@code false}</td></tr>
 * </table>
 * Wherever a string is wanted, a number or boolean is taken as written ({@code name: 7} is the name "7").
 * YAML aliases ({@code *name}) and merge keys ({@code <<}) are errors: each app is written out in full.
 */
public final class Ecosystem {
    private Ecosystem() {}

    /**
     * Reads {@code file} and returns its apps, in the file's order, each validated by {@link AppSpec}.
     *
     * <p>An app's {@code env} is {@code baseEnv} with the file's {@code env} added over it (the file wins); its
     * {@code cwd} is absolute and normalised. The commands are not looked up: a missing program is found when
     * the app starts. Nothing is kept open; safe to call from any thread.
     *
     * @param file    an ecosystem file; its name, as given, starts every error message
     * @param baseEnv the variables every app starts with (not null; may be empty)
     * @return the apps, never empty; an unmodifiable list
     * @throws EcosystemException for the first problem found, which names the file, the line and column when
     *     the problem has a place, and the field path ({@code apps[1].instances}). Reading comes first (the
     *     extension, then the file itself); then whatever Jackson meets while it reads (syntax, unknown or
     *     repeated keys, values of the wrong kind), in the file's order; then, app by app in order, missing
     *     fields, a name used twice, a missing {@code cwd} and {@link AppSpec}'s own rules
     */
    public static List<AppSpec> load(Path file, Map<String, String> baseEnv) throws EcosystemException {
        Objects.requireNonNull(file, "file");
        Objects.requireNonNull(baseEnv, "baseEnv");
        ObjectMapper mapper = mapperFor(file);
        Document doc = parse(file, mapper, read(file));
        Path dir = file.toAbsolutePath().normalize().getParent();
        List<Located<App>> entries = doc.apps().value();
        List<AppSpec> specs = new ArrayList<>(entries.size());
        Map<String, Integer> firstWithName = new HashMap<>();
        for (int i = 0; i < entries.size(); i++) {
            Located<App> entry = entries.get(i);
            String at = "apps[" + i + "]";
            App app = entry.value();
            if (app.name() == null) throw problem(file, entry.where(), at, "missing required field \"name\"", null);
            if (app.command() == null) {
                throw problem(file, entry.where(), at, "missing required field \"command\"", null);
            }
            Integer first = firstWithName.putIfAbsent(app.name().value(), i);
            if (first != null) {
                Located<String> earlier = entries.get(first).value().name();
                throw problem(file, app.name().where(), at + ".name", "duplicate app name \"" + app.name().value()
                        + "\" (also apps[" + first + "], line " + earlier.where().getLineNr() + ")", null);
            }
            Path cwd = app.cwd() == null ? dir : dir.resolve(app.cwd().value()).normalize();
            if (!Files.isDirectory(cwd)) {
                throw problem(file, app.cwd() == null ? entry.where() : app.cwd().where(), at + ".cwd",
                        (Files.exists(cwd) ? "not a directory: " : "no such directory: ") + cwd, null);
            }
            try {
                specs.add(spec(app, cwd, baseEnv));
            } catch (IllegalArgumentException e) {
                throw problem(file, entry.where(), at, e.getMessage(), e);
            }
        }
        return List.copyOf(specs);
    }

    private static ObjectMapper mapperFor(Path file) throws EcosystemException {
        Path name = file.getFileName();
        String n = name == null ? "" : name.toString().toLowerCase(Locale.ROOT);
        if (n.endsWith(".yaml") || n.endsWith(".yml")) return EcosystemFormat.YAML;
        if (n.endsWith(".json")) return EcosystemFormat.JSON;
        throw new EcosystemException(file + ": unknown file type (expected .yaml, .yml or .json)", null);
    }

    private static byte[] read(Path file) throws EcosystemException {
        try {
            return Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            throw new EcosystemException(file + ": no such file", e);
        } catch (AccessDeniedException e) {
            throw new EcosystemException(file + ": permission denied", e);
        } catch (IOException e) {
            throw new EcosystemException(file + ": cannot read: " + e.getMessage(), e);
        }
    }

    private static Document parse(Path file, ObjectMapper mapper, byte[] bytes) throws EcosystemException {
        try (JsonParser p = mapper.createParser(bytes)) {
            if (p.nextToken() == null) {
                throw problem(file, null, "", "the file is empty (expected \"apps\" and a list of apps)", null);
            }
            TokenStreamLocation top = p.currentTokenLocation();
            Document doc = mapper.readValue(p, Document.class);
            if (p.nextToken() != null) {
                throw problem(file, p.currentTokenLocation(), "", "more than one document: write all apps under"
                        + " one \"apps\" list", null);
            }
            if (doc == null || doc.apps() == null) {
                throw problem(file, top, "", "missing required field \"apps\"", null);
            }
            if (doc.apps().value().isEmpty()) {
                throw problem(file, doc.apps().where(), "apps", "the list is empty (give at least one app)", null);
            }
            return doc;
        } catch (PropertyBindingException e) { // unknown, or ignored: unknownKeys, which is unknown to the author
            // The message names the key; the path stops at the mapping that holds it.
            List<JacksonException.Reference> refs = e.getPath();
            throw problem(file, e.getLocation(), path(refs.subList(0, Math.max(0, refs.size() - 1))),
                    "unknown field \"" + e.getPropertyName() + "\" (known: "
                            + EcosystemFormat.keys(e.getReferringClass()) + ")", e);
        } catch (JacksonException e) {
            if (e.getCause() instanceof MarkedYamlEngineException y && y.getProblemMark().isPresent()) {
                // SnakeYAML knows where the problem is; Jackson's location is sometimes its own last token.
                Mark m = y.getProblemMark().get();
                String what = y.getContext() == null ? y.getProblem() : y.getContext() + ": " + y.getProblem();
                throw problem(file, m.getLine() + 1, m.getColumn() + 1, path(e.getPath()), what, e);
            }
            throw problem(file, e.getLocation(), path(e.getPath()), summary(e.getOriginalMessage()), e);
        }
    }

    /** Defaults come from {@link AppSpec#of}, so this class states none of its own. */
    private static AppSpec spec(App app, Path cwd, Map<String, String> baseEnv) {
        AppSpec d = AppSpec.of(app.name().value(), app.command().args(), cwd.toString());
        Map<String, String> env = new HashMap<>(baseEnv);
        if (app.env() != null) env.putAll(app.env());
        return new AppSpec(d.name(), d.command(), d.cwd(), env,
                or(app.instances(), EcosystemFormat.Instances::count, d.instances()),
                or(app.restart(), Function.identity(), d.restart()),
                or(app.maxRestarts(), Function.identity(), d.maxRestarts()),
                or(app.window(), Function.identity(), d.window()),
                or(app.killTimeout(), Function.identity(), d.killTimeout()),
                or(app.maxMemory(), EcosystemFormat.Bytes::count, d.maxMemory()),
                or(app.logMaxSize(), EcosystemFormat.Bytes::count, d.logMaxBytes()),
                or(app.logFiles(), Function.identity(), d.logFiles()),
                or(app.timestamps(), Function.identity(), d.timestamps()),
                or(app.port(), Function.identity(), d.port()),
                or(app.host(), Function.identity(), d.host()),
                or(app.waitReady(), Function.identity(), d.waitReady()),
                or(app.readyTimeout(), Function.identity(), d.readyTimeout()),
                or(app.restartDelay(), Function.identity(), d.restartDelay()),
                or(app.handoff(), Function.identity(), d.handoff()));
    }

    private static <T, R> R or(T value, Function<T, R> get, R otherwise) {
        return value == null ? otherwise : get.apply(value);
    }

    /** {@code apps[1].env.PORT} from Jackson's references (a property name, or an index). */
    private static String path(List<JacksonException.Reference> refs) {
        StringBuilder sb = new StringBuilder();
        for (JacksonException.Reference r : refs) {
            if (r.getPropertyName() != null) {
                if (!sb.isEmpty()) sb.append('.');
                sb.append(r.getPropertyName());
            } else if (r.getIndex() >= 0) {
                sb.append('[').append(r.getIndex()).append(']');
            }
        }
        return sb.toString();
    }

    /** Jackson's message, on one line, with "duplicate key" for its words for a key written twice. */
    private static String summary(String message) {
        String line = message == null ? "unreadable" : message.strip().lines().findFirst().orElse("unreadable");
        String dup = "Duplicate Object property ";
        return line.startsWith(dup) ? "duplicate key " + line.substring(dup.length()) : line;
    }

    private static EcosystemException problem(Path file, TokenStreamLocation where, String path, String message,
                                              Throwable cause) {
        return where == null ? problem(file, -1, -1, path, message, cause)
                : problem(file, where.getLineNr(), where.getColumnNr(), path, message, cause);
    }

    /** {@code <file>[:<line>[:<column>]]: [<path>: ]<message>}; a line or column below 1 is unknown. */
    private static EcosystemException problem(Path file, int line, int column, String path, String message,
                                              Throwable cause) {
        StringBuilder sb = new StringBuilder().append(file);
        if (line > 0) {
            sb.append(':').append(line);
            if (column > 0) sb.append(':').append(column);
        }
        sb.append(": ");
        if (!path.isEmpty()) sb.append(path).append(": ");
        return new EcosystemException(sb.append(message).toString(), cause);
    }
}
