package dev.forkd.cli.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class EcosystemTest {
    /** The example in Ecosystem's Javadoc, character for character. */
    private static final String EXAMPLE = """
            apps:
              - name: api
                command: [java, -jar, api.jar, --port, 3000]
                cwd: ./api
                instances: max
                restart: on-failure
                maxRestarts: 3
                window: 2m
                killTimeout: 10s
                maxMemory: 512m
                env: {PORT: 3000, DEBUG: false}
                logMaxSize: 20m
                logFiles: 3
                timestamps: true
              - name: worker
                command: ./worker --queue jobs
            """;

    private static final String EXAMPLE_JSON = """
            {"apps": [
              {"name": "api", "command": ["java", "-jar", "api.jar", "--port", 3000], "cwd": "./api",
               "instances": "max", "restart": "on-failure", "maxRestarts": 3, "window": "2m", "killTimeout": "10s",
               "maxMemory": "512m", "env": {"PORT": 3000, "DEBUG": false}, "logMaxSize": "20m", "logFiles": 3,
               "timestamps": true},
              {"name": "worker", "command": "./worker --queue jobs"}
            ]}
            """;

    private static final Map<String, String> BASE = Map.of("HOME", "/home/ada", "PORT", "80");
    private static final int CPUS = Runtime.getRuntime().availableProcessors();

    @TempDir
    Path dir;

    @BeforeEach
    void apiDirectory() throws IOException {
        Files.createDirectory(dir.resolve("api"));
    }

    private Path write(String name, String text) throws IOException {
        return Files.writeString(dir.resolve(name), text);
    }

    /** Loading {@code text} as {@code name} fails with {@code <the file's path><rest>}. */
    private void fails(String name, String text, String rest) throws IOException {
        Path file = write(name, text);
        assertThatThrownBy(() -> Ecosystem.load(file, BASE))
                .isInstanceOf(EcosystemException.class)
                .hasMessage(file + rest);
    }

    private List<AppSpec> exampleApps() {
        return List.of(
                new AppSpec("api", List.of("java", "-jar", "api.jar", "--port", "3000"), dir.resolve("api").toString(),
                        Map.of("HOME", "/home/ada", "PORT", "3000", "DEBUG", "false"), CPUS, RestartMode.ON_FAILURE, 3,
                        Duration.ofMinutes(2), Duration.ofSeconds(10), 512L << 20, 20L << 20, 3, true, 0, null, false, null, null, null),
                new AppSpec("worker", List.of("./worker", "--queue", "jobs"), dir.toString(), BASE, 1,
                        RestartMode.ALWAYS, AppSpec.DEFAULT_MAX_RESTARTS, AppSpec.DEFAULT_WINDOW,
                        AppSpec.DEFAULT_KILL_TIMEOUT, 0, AppSpec.DEFAULT_LOG_MAX_BYTES, AppSpec.DEFAULT_LOG_FILES, false, 0, null, false, null, null, null));
    }

    @Test
    void theDocumentedExampleLoadsAsTwoAppsInFileOrder() throws Exception {
        assertThat(Ecosystem.load(write("apps.yaml", EXAMPLE), BASE)).isEqualTo(exampleApps());
    }

    @Test
    void theSameAppsInJsonLoadTheSame() throws Exception {
        assertThat(Ecosystem.load(write("apps.json", EXAMPLE_JSON), BASE)).isEqualTo(exampleApps());
    }

    @Test
    void anAppWithOnlyNameAndCommandHasAppSpecsDefaults() throws Exception {
        Path file = write("one.yml", "apps:\n  - name: web\n    command: [./web]\n");
        AppSpec defaults = AppSpec.of("web", List.of("./web"), dir.toString());
        assertThat(Ecosystem.load(file, Map.of())).containsExactly(defaults);
    }

    @Test
    void restartDelayIsAFixedWaitAndAbsentMeansBackoff() throws Exception {
        Path file = write("delay.yaml", "apps:\n  - name: web\n    command: ./web\n    restartDelay: 250ms\n");
        assertThat(Ecosystem.load(file, BASE).getFirst().restartDelay()).isEqualTo(Duration.ofMillis(250));
        fails("bad-delay.yaml", "apps:\n  - name: web\n    command: ./web\n    restartDelay: soon\n",
                ":4:19: apps[0].restartDelay: expected a duration such as 5s, 1500ms or 2m, got \"soon\"");
    }

    @Test
    void instancesMaxIsOnePerAvailableProcessor() throws Exception {
        Path file = write("max.yaml", "apps:\n  - name: web\n    command: ./web\n    instances: max\n");
        assertThat(Ecosystem.load(file, BASE).getFirst().instances()).isEqualTo(CPUS);
    }

    @Test
    void cwdIsTakenFromTheFilesDirectoryAndNormalised() throws Exception {
        Path nested = Files.createDirectories(dir.resolve("conf/prod"));
        Path file = Files.writeString(nested.resolve("apps.yaml"), """
                apps:
                  - name: up
                    command: ./up
                    cwd: ../../api/.
                  - name: here
                    command: ./here
                  - name: absolute
                    command: ./abs
                    cwd: %s
                """.formatted(dir.resolve("api")));
        assertThat(Ecosystem.load(file, BASE)).extracting(AppSpec::cwd)
                .containsExactly(dir.resolve("api").toString(), nested.toString(), dir.resolve("api").toString());
    }

    @Test
    void aRelativeFilePathStillGivesAnAbsoluteCwd() throws Exception {
        Path file = write("rel.yaml", "apps:\n  - name: web\n    command: ./web\n");
        Path relative = Path.of("").toAbsolutePath().relativize(file);
        assertThat(Ecosystem.load(relative, BASE).getFirst().cwd()).isEqualTo(dir.toString());
    }

    @Test
    void envIsAddedOverTheBaseEnvWithNumbersAndBooleansAsWritten() throws Exception {
        Path file = write("env.yaml", """
                apps:
                  - name: web
                    command: ./web
                    env:
                      PORT: 3000
                      RATIO: 1.50
                      DEBUG: false
                      NAME: plain
                      QUOTED: "007"
                """);
        assertThat(Ecosystem.load(file, BASE).getFirst().env()).isEqualTo(Map.of("HOME", "/home/ada", "PORT", "3000",
                "RATIO", "1.50", "DEBUG", "false", "NAME", "plain", "QUOTED", "007"));
    }

    @Test
    void aCommandStringIsSplitOnWhitespaceWithNoShellOrQuoting() throws Exception {
        Path file = write("cmd.yaml", "apps:\n  - name: web\n    command: \"  ./web  --dir '$HOME'\\t-v \"\n");
        assertThat(Ecosystem.load(file, BASE).getFirst().command()).containsExactly("./web", "--dir", "'$HOME'", "-v");
    }

    @Test
    void aCommandListKeepsSpacesAndTakesNumbersAsWritten() throws Exception {
        Path file = write("cmd.yaml", "apps:\n  - name: web\n    command: [sleep, 10, 'a b', true]\n");
        assertThat(Ecosystem.load(file, BASE).getFirst().command()).containsExactly("sleep", "10", "a b", "true");
    }

    // ---- errors: each names the file, the line and column, and the field path ----

    @Test
    void aWrongValueNamesTheFileLineColumnAndFieldPath() throws IOException {
        fails("api.yaml", """
                apps:
                  - name: web
                    command: ./web
                  - name: api
                    command: ./api
                    instances: lots
                """, ":6:16: apps[1].instances: expected a whole number or \"max\", got \"lots\"");
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            instances: 0.5           | 3:16: apps[0].instances: expected a whole number or "max", got 0.5
            maxRestarts: ten         | 3:18: apps[0].maxRestarts: expected a whole number, got "ten"
            logFiles: 2.5            | 3:15: apps[0].logFiles: expected a whole number, got 2.5
            window: 6o               | 3:13: apps[0].window: expected a duration such as 5s, 1500ms or 2m, got "6o"
            killTimeout: [5s]        | 3:18: apps[0].killTimeout: expected a duration such as 5s, 1500ms or 2m, got a list
            maxMemory: lots          | 3:16: apps[0].maxMemory: expected a size such as 512m, 10MiB or 4096, got "lots"
            logMaxSize: -1           | 3:17: apps[0].logMaxSize: expected a size such as 512m, 10MiB or 4096, got -1
            restart: sometimes       | 3:14: apps[0].restart: expected always, on-failure or never, got "sometimes"
            timestamps: yes          | 3:17: apps[0].timestamps: expected true or false, got "yes"
            timestamps: 1            | 3:17: apps[0].timestamps: expected true or false, got 1
            env: [PORT]              | 3:10: apps[0].env: expected a mapping, got a list
            env: {PORT: [1]}         | 3:17: apps[0].env.PORT: expected a string, got a list
            env: {PORT: null}        | 3:17: apps[0].env.PORT: expected a string, got null
            cwd: {dir: x}            | 3:10: apps[0].cwd: expected a string, got a mapping
            command: 7               | 3:14: apps[0].command: expected a list of arguments or a string, got 7
            command: [x, 1, {a: b}]  | 3:21: apps[0].command[2]: expected a string, got a mapping
            command: [x, null]       | 3:18: apps[0].command[1]: expected a string, got null
            """)
    void aValueOfTheWrongKindSaysWhatWasExpected(String line, String rest) throws IOException {
        fails("app.yaml", "apps:\n  - name: api\n    " + line + "\n", ":" + rest);
    }

    @Test
    void aKeyWithNoValueIsAnErrorNotTheDefault() throws IOException {
        fails("app.yaml", "apps:\n  - name: api\n    command: ./api\n    timestamps:\n",
                ":4:16: apps[0].timestamps: expected true or false, got null");
    }

    @Test
    void anUnknownFieldNamesTheAppAndListsTheKnownOnes() throws IOException {
        fails("app.yaml", "apps:\n  - name: api\n    command: ./api\n    instancse: 2\n",
                ":4:16: apps[0]: unknown field \"instancse\" (known: name, command, cwd, instances, restart,"
                        + " maxRestarts, window, killTimeout, maxMemory, env, logMaxSize, logFiles, timestamps, port, host, waitReady, readyTimeout, restartDelay, handoff)");
    }

    @Test
    void anUnknownTopLevelFieldListsApps() throws IOException {
        fails("app.yaml", "apps:\n  - name: api\n    command: ./api\nservices: []\n",
                ":4:11: unknown field \"services\" (known: apps)");
    }

    @Test
    void theAnySetterBehindUnknownFieldsIsNotAKeyEither() throws IOException {
        fails("app.yaml", "apps:\n  - name: api\n    command: ./api\n    unknownKeys: {}\n",
                ":4:19: apps[0]: unknown field \"unknownKeys\" (known: name, command, cwd, instances, restart,"
                        + " maxRestarts, window, killTimeout, maxMemory, env, logMaxSize, logFiles, timestamps, port, host, waitReady, readyTimeout, restartDelay, handoff)");
    }

    @Test
    void anUnknownFieldInJsonNamesItsLine() throws IOException {
        fails("app.json", "{\"apps\": [\n  {\"name\": \"api\", \"command\": \"./api\",\n   \"instancse\": 2}\n]}\n",
                ":3:17: apps[0]: unknown field \"instancse\" (known: name, command, cwd, instances, restart,"
                        + " maxRestarts, window, killTimeout, maxMemory, env, logMaxSize, logFiles, timestamps, port, host, waitReady, readyTimeout, restartDelay, handoff)");
    }

    @Test
    void aKeyWrittenTwiceIsAnError() throws IOException {
        fails("app.yaml", "apps:\n  - name: api\n    command: ./api\n    name: web\n",
                ":4:9: apps[0]: duplicate key \"name\"");
    }

    @Test
    void aMissingNameIsReportedAtItsApp() throws IOException {
        fails("app.yaml", "apps:\n  - name: api\n    command: ./api\n  - command: ./web\n",
                ":4:5: apps[1]: missing required field \"name\"");
    }

    @Test
    void aMissingCommandIsReportedAtItsApp() throws IOException {
        fails("app.yaml", "apps:\n  - name: api\n    cwd: api\n", ":2:5: apps[0]: missing required field \"command\"");
    }

    @Test
    void aDuplicateAppNameNamesBothLines() throws IOException {
        fails("app.yaml", """
                apps:
                  - name: api
                    command: ./api
                  - command: ./web
                    name: api
                """, ":5:11: apps[1].name: duplicate app name \"api\" (also apps[0], line 2)");
    }

    @Test
    void appSpecsOwnRulesAreReportedAtTheApp() throws IOException {
        fails("app.yaml", "apps:\n  - name: api\n    command: ./api\n  - name: web\n    command: ./web\n    window: 0s\n",
                ":4:5: apps[1]: app web: window must be positive");
        fails("app.yaml", "apps:\n  - name: my app\n    command: ./api\n",
                ":2:5: apps[0]: app name 'my app': use 1-64 letters, digits, '.', '_' or '-' (not starting with '.')");
        fails("app.yaml", "apps:\n  - name: api\n    command: \"  \"\n", ":2:5: apps[0]: app api: no command to run");
    }

    @Test
    void aMissingCwdDirectoryIsAnError() throws IOException {
        fails("app.yaml", "apps:\n  - name: api\n    command: ./api\n    cwd: ./nope\n",
                ":4:10: apps[0].cwd: no such directory: " + dir.resolve("nope"));
        write("file.txt", "");
        fails("app.yaml", "apps:\n  - name: api\n    command: ./api\n    cwd: file.txt\n",
                ":4:10: apps[0].cwd: not a directory: " + dir.resolve("file.txt"));
    }

    @Test
    void anEmptyAppsListIsAnError() throws IOException {
        fails("app.yaml", "# nothing yet\napps: []\n", ":2:7: apps: the list is empty (give at least one app)");
        fails("app.json", "{\"apps\": []}", ":1:10: apps: the list is empty (give at least one app)");
    }

    @Test
    void aFileWithoutAppsIsAnError() throws IOException {
        fails("app.yaml", "apps:\n", ":1:1: missing required field \"apps\"");
        fails("app.yaml", "# only a comment\n", ": the file is empty (expected \"apps\" and a list of apps)");
        fails("app.json", "", ": the file is empty (expected \"apps\" and a list of apps)");
    }

    @Test
    void aTopLevelOfTheWrongShapeIsAnError() throws IOException {
        fails("app.yaml", "- name: api\n", ":1:1: expected a mapping, got a list");
        fails("app.yaml", "apps: api\n", ":1:7: apps: expected a list, got \"api\"");
        fails("app.yaml", "apps:\n  name: api\n", ":2:3: apps: expected a list, got a mapping");
        fails("app.yaml", "apps:\n  - api\n", ":2:5: apps[0]: expected a mapping, got \"api\"");
    }

    @Test
    void aYamlAliasIsAnErrorNotItsName() throws IOException {
        // Jackson's YAML parser hands *cmd over as the string "cmd": taken as is, web would run "cmd".
        fails("app.yaml", """
                apps:
                  - name: api
                    command: &cmd [./server]
                  - name: web
                    command: *cmd
                """, ":5:14: apps[1].command: expected a list of arguments or a string, got the alias *cmd"
                + " (aliases are not supported)");
        fails("app.yaml", "apps:\n  - name: api\n    command: ./api\n    env: {A: &a x, B: *a}\n",
                ":4:23: apps[0].env.B: expected a string, got the alias *a (aliases are not supported)");
        fails("app.yaml", "apps:\n  - &base\n    name: api\n    command: ./api\n  - *base\n",
                ":5:5: apps[1]: expected a mapping, got the alias *base (aliases are not supported)");
    }

    @Test
    void aSecondYamlDocumentIsAnError() throws IOException {
        fails("app.yaml", "apps:\n  - name: api\n    command: ./api\n---\napps: []\n",
                ":5:1: more than one document: write all apps under one \"apps\" list");
    }

    @Test
    void aYamlSyntaxErrorHasTheParsersLineAndColumn() throws IOException {
        fails("app.yaml", "apps:\n  - name: api\n   command: ./api\n",
                ":3:4: apps: while parsing a block collection: expected <block end>, but found '<block mapping start>'");
        fails("app.yaml", "apps:\n\t- name: api\n", ":2:1: while scanning for the next token: found character"
                + " '\\t(TAB)' that cannot start any token. (Do not use \\t(TAB) for indentation)");
    }

    @Test
    void aJsonSyntaxErrorHasTheParsersLineAndColumn() throws IOException {
        fails("app.json", "{\"apps\": [{\"name\": \"api\",\n  \"command\": }]}",
                ":2:14: apps[0]: Unexpected character ('}' (code 125)): expected a value");
        fails("app.json", "{\"apps\": [{\"name\": \"api\", \"command\": \"./api\"}]} x",
                ":1:49: Unrecognized token 'x': was expecting (JSON String, Number, Array, Object or token 'null',"
                        + " 'true' or 'false')");
    }

    @Test
    void aMissingFileNamesTheFile() {
        Path file = dir.resolve("gone.yaml");
        assertThatThrownBy(() -> Ecosystem.load(file, BASE))
                .isInstanceOf(EcosystemException.class)
                .hasMessage(file + ": no such file")
                .hasCauseInstanceOf(NoSuchFileException.class);
    }

    @Test
    void anUnknownExtensionIsRejectedBeforeReading() {
        Path file = dir.resolve("apps.toml");
        assertThatThrownBy(() -> Ecosystem.load(file, BASE))
                .isInstanceOf(EcosystemException.class)
                .hasMessage(file + ": unknown file type (expected .yaml, .yml or .json)");
    }
}
