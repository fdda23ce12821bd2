package dev.forkd.examples;

import static org.assertj.core.api.Assertions.assertThat;

import dev.forkd.ChildProcesses;
import dev.forkd.Command;
import dev.forkd.ExecOptions;
import dev.forkd.ExitStatus;
import dev.forkd.Output;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Runs every example the way a user does, as {@code Main <name>} in a JVM of its own (with forkd, of course),
 * in a small directory tree made here, and checks what it prints against what Java computes itself.
 */
class ExamplesTest {
    private static final Path JAVA = Path.of(System.getProperty("java.home"), "bin", "java");

    @TempDir
    static Path tree;

    private static long fileCount;

    @BeforeAll
    static void createTree() throws IOException {
        tree = tree.toRealPath();
        for (String file : List.of("a.txt", "b.txt", "sub/c.txt", "sub/deeper/d.txt", "sub/deeper/e with space.txt",
                "other/f.txt")) {
            Path path = tree.resolve(file);
            Files.createDirectories(path.getParent());
            Files.writeString(path, file);
        }
        Files.createDirectories(tree.resolve("empty-dir"));
        fileCount = regularFiles().size();
    }

    @Test
    void spawnPwdPrintsTheChildsWorkingDirectoryAndANormalExit() throws Exception {
        Output out = example(tree, null, "spawn-pwd");

        assertThat(out.stdoutText()).isEqualTo(
                "child stdout:\n" + tree + "\nchild process exited with code 0 and signal null\n");
    }

    @Test
    void killedChildReportsSigtermAndNoExitCode() throws Exception {
        Output out = example(tree, null, "spawn-signal");

        assertThat(out.stdoutText()).contains("child process exited with code null and signal SIGTERM\n",
                "(as a shell would print it: signal: 15 (SIGTERM))");
    }

    @Test
    void wcCountsTheLinesWordsAndBytesFedToOurStdin() throws Exception {
        String input = "one two three\nfour five\nsix\n";

        Output out = example(tree, input, "spawn-stdin");

        assertThat(out.stdoutText()).startsWith("child stdout:\n");
        assertThat(numbers(out.stdoutText())).containsExactly(3L, 6L, (long) input.length());
    }

    @Test
    void pipelineOfFindIntoWcCountsTheFilesJavaCounts() throws Exception {
        Output out = example(tree, null, "spawn-pipeline", tree.toString());

        assertThat(out.stdoutText()).startsWith("Number of files " + fileCount + "\n")
                .contains("find: exit status: 0, wc: exit status: 0");
    }

    @Test
    void inheritedStdoutListsEveryRegularFile() throws Exception {
        Output out = example(tree, null, "spawn-inherit", tree.toString());

        List<String> lines = new ArrayList<>(out.stdoutText().lines().toList());
        assertThat(lines.removeLast()).isEqualTo("find: exit status: 0");
        assertThat(lines).containsExactlyInAnyOrderElementsOf(regularFiles());
    }

    @Test
    void shellOptionRunsAShellPipeline() throws Exception {
        Output out = example(tree, null, "shell-option", tree.toString());

        assertThat(out.stdoutText().lines()).containsExactly(
                "Number of files, counted by /bin/sh -c 'find . -type f | wc -l':", String.valueOf(fileCount),
                "sh: exit status: 0");
    }

    @Test
    void cwdOptionCountsElsewhereAndEnvOptionReplacesTheEnvironment() throws Exception {
        Output out = example(Path.of(System.getProperty("java.home")), null, "env-cwd", tree.toString());

        assertThat(out.stdoutText().lines()).containsExactly(
                "Number of files under " + tree + ":", String.valueOf(fileCount),
                "ANSWER and HOME as seen by a child whose environment is only { ANSWER: 42 }:",
                "ANSWER=42 HOME=");
    }

    @Test
    void detachedChildOutlivesTheJvmThatSpawnedItInASessionOfItsOwn() throws Exception {
        Output out = example(tree, null, "spawn-detached");

        long pid = detachedPid(out);
        Optional<ProcessHandle> child = ProcessHandle.of(pid);
        try {
            assertThat(child).as("detached child %d after its parent JVM exited", pid)
                    .hasValueSatisfying(p -> assertThat(p.isAlive()).isTrue());
            assertThat(child.get().info().command()).hasValueSatisfying(c -> assertThat(c).endsWith("sleep"));
            String stat = Files.readString(Path.of("/proc", String.valueOf(pid), "stat"));
            String[] afterName = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            assertThat(afterName[3]).as("session id (setsid)").isEqualTo(String.valueOf(pid));
        } finally {
            child.ifPresent(ProcessHandle::destroy);
        }
    }

    @Test
    void execPrintsTheShellPipelinesCountInTheWorkingDirectoryOrAGivenOne() throws Exception {
        Output here = example(tree, null, "exec");
        Output there = example(Path.of(System.getProperty("java.home")), null, "exec", tree.toString());

        assertThat(here.stdoutText()).isEqualTo("Number of files " + fileCount + "\n");
        assertThat(there.stdoutText()).isEqualTo("Number of files " + fileCount + "\n");
    }

    @Test
    void execThatCannotStartFailsWithTheSyscallAndErrnoAndExitsWithOne() throws Exception {
        Path missing = tree.resolve("no-such-dir");

        Output out = run(tree, null, "exec", missing.toString());

        assertThat(out.status()).isEqualTo(new ExitStatus.Exited(1));
        assertThat(out.stdoutText()).isEmpty();
        assertThat(out.stderrText()).isEqualTo("forkd-examples exec failed: SpawnException: chdir failed: ENOENT"
                + " (No such file or directory): " + missing + "\n");
    }

    @Test
    void execFilePrintsNodesVersionOrFallsBackToJava() throws Exception {
        Output out = example(tree, null, "exec-file");

        assertThat(out.stdoutText()).matches(
                "node v\\d+\\.\\d+\\.\\d+\n|(?s)no node here \\(posix_spawn failed: ENOENT.*\n.*version.*\n");
    }

    @Test
    void syncVariantsReturnOrThrowAsDocumented() throws Exception {
        Output out = example(tree, null, "sync");

        assertThat(out.stdoutText().lines()).containsExactly(
                "execSync: HELLO SYNC WORLD",
                "execFileSync: Linux",
                "spawnSync: exit status: 3, stderr: oops",
                "execSync threw: Command failed (exit status: 3): exit 3");
    }

    @Test
    void unknownCommandListsEveryExampleAndExitsWithTwo() throws Exception {
        Output out = run(tree, null, "no-such-example");

        assertThat(out.status()).isEqualTo(new ExitStatus.Exited(2));
        assertThat(out.stderrText()).startsWith("forkd-examples: unknown command 'no-such-example'\nusage:");
        assertThat(out.stderrText()).contains("child-process");
        for (Example e : ChildProcessTour.EXAMPLES) assertThat(out.stderrText()).contains("  " + e.name() + " ");
    }

    @Test
    void tourRunsEveryExampleInTheArticlesOrderWithoutWarnings() throws Exception {
        Output out = example(tree, null);

        List<String> headings = out.stdoutText().lines().filter(l -> l.startsWith("== [")).toList();
        assertThat(headings).hasSize(ChildProcessTour.EXAMPLES.size());
        for (int i = 0; i < headings.size(); i++) {
            Example e = ChildProcessTour.EXAMPLES.get(i);
            assertThat(headings.get(i)).isEqualTo(
                    "== [" + (i + 1) + "/" + headings.size() + "] " + e.name() + ": " + e.mirrors() + " ==");
        }
        assertThat(out.stdoutText()).contains("Number of files 5\n", "./lib/util.js\n", "ANSWER=42 HOME=\n");
        // The tour's own sample tree is gone afterwards.
        String sample = out.stdoutText().lines().filter(l -> l.startsWith("Examples that look at files"))
                .findFirst().orElseThrow().replaceAll(".*: ", "");
        assertThat(Path.of(sample)).doesNotExist();
        ProcessHandle.of(detachedPid(out)).ifPresent(ProcessHandle::destroy); // the tour's detached sleep
    }

    /** Runs {@code Main args} and insists that it succeeds and writes nothing to stderr (no JDK warnings). */
    private static Output example(Path cwd, String input, String... args) throws Exception {
        Output out = run(cwd, input, args);
        assertThat(out.stderrText()).as("stderr of %s", List.of(args)).isEmpty();
        assertThat(out.status()).as("exit of %s; stdout:%n%s", List.of(args), out.stdoutText())
                .isEqualTo(new ExitStatus.Exited(0));
        return out;
    }

    private static Output run(Path cwd, String input, String... args) throws Exception {
        Command command = Command.of(JAVA.toString(), "--enable-native-access=ALL-UNNAMED",
                        "-cp", System.getProperty("java.class.path"), Main.class.getName())
                .args(args).cwd(cwd);
        ExecOptions options = ExecOptions.defaults().timeout(Duration.ofSeconds(15));
        return ChildProcesses.spawnSync(command, input == null ? options : options.input(input));
    }

    private static List<String> regularFiles() throws IOException {
        try (Stream<Path> paths = Files.walk(tree)) {
            return paths.filter(Files::isRegularFile).map(p -> "./" + tree.relativize(p)).toList();
        }
    }

    private static long detachedPid(Output out) {
        Matcher m = Pattern.compile("^detached child (\\d+) ", Pattern.MULTILINE).matcher(out.stdoutText());
        assertThat(m.find()).as("a 'detached child <pid>' line in:%n%s", out.stdoutText()).isTrue();
        return Long.parseLong(m.group(1));
    }

    private static List<Long> numbers(String text) {
        return Stream.of(text.split("\\D+")).filter(s -> !s.isEmpty()).map(Long::valueOf).toList();
    }
}
