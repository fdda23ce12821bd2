package dev.forkd.examples;

import static org.assertj.core.api.Assertions.assertThat;

import dev.forkd.ChildProcesses;
import dev.forkd.Command;
import dev.forkd.ExecOptions;
import dev.forkd.ExitStatus;
import dev.forkd.ForkOptions;
import dev.forkd.Output;
import java.io.File;
import java.io.IOException;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Runs the examples of the Node multi-process article the way a user does, as {@code Main <name>} in a JVM of
 * their own with the flags {@code java -jar} takes from the manifest, and checks their lines against what the
 * article's code prints (with this machine's pids, paths and ports). The cluster example has its own test,
 * {@code ClusterRespawnTest}.
 */
class MultiProcessExamplesTest {
    private static final Path JAVA = Path.of(System.getProperty("java.home"), "bin", "java");
    private static final String CLASS_PATH = System.getProperty("java.class.path");
    private static final String SUB_PROCESS_LINE = "sub_process (\\d+) running in ";

    @TempDir
    Path dir;

    @Test
    void sumServerAnswersTheSumAndAnswersSlashOnlyAfterIt() throws Exception {
        Output out = example("sum-server", "100000");

        // 0 + 1 + ... + 99999, what the article's loop adds up (Node prints the same for this bound: the sum
        // stays below 2^53, where doubles are exact)
        List<String> lines = out.stdoutText().lines().toList();
        assertThat(lines).hasSize(2);
        assertThat(lines.get(0)).isEqualTo("GET /sum -> " + sumBelow(100_000));
        assertThat(lines.get(1)).matches(
                "GET / -> end \\(sent while /sum was summing, answered after it, in \\d+ ms\\)");
    }

    @Test
    void spawnedSubProcessWritesOnOurStdoutFromItsCwdThenExitThenClose() throws Exception {
        Path test = Files.createDirectory(dir.toRealPath().resolve("test"));

        Output out = example("spawn-sub-process", test.toString());

        List<String> lines = out.stdoutText().lines().toList();
        assertThat(lines).hasSize(3);
        assertThat(lines.get(0)).matches(SUB_PROCESS_LINE + Pattern.quote(test.toString()));
        assertThat(lines.subList(1, 3)).containsExactly("exit", "close");
    }

    @Test
    void spawnSubProcessRunsInATemporaryTestDirectoryAndDeletesIt() throws Exception {
        Output out = example("spawn-sub-process");

        Matcher m = Pattern.compile(SUB_PROCESS_LINE + "(.*/forkd-article-\\d+/test)").matcher(out.stdoutText());
        assertThat(m.lookingAt()).as("first line of:%n%s", out.stdoutText()).isTrue();
        assertThat(Path.of(m.group(2)).getParent()).doesNotExist();
        assertThat(out.stdoutText().lines().skip(1)).containsExactly("exit", "close");
    }

    @Test
    void spawnInAMissingDirectoryIsAnErrorThenCloseAndNoExit() throws Exception {
        Path missing = dir.toRealPath().resolve("no-such-dir");

        Output out = example("spawn-sub-process", missing.toString());

        assertThat(out.stdoutText().lines()).containsExactly(
                "dev.forkd.SpawnException: chdir failed: ENOENT (No such file or directory): " + missing, "close");
    }

    @Test
    void forkedSubProcessesSendTheirPidAndCwdAndOnlyTheSilentOnesOutputIsHidden() throws Exception {
        Path test = Files.createDirectory(dir.toRealPath().resolve("test"));

        Output out = example("fork-sub-process", test.toString());

        List<String> lines = out.stdoutText().lines().toList();
        assertThat(lines).as("stdout").hasSize(3);
        Matcher first = Pattern.compile(SUB_PROCESS_LINE + Pattern.quote(test.toString())).matcher(lines.get(0));
        assertThat(first.matches()).as("line 1: %s", lines.get(0)).isTrue();
        String pid = first.group(1);
        assertThat(lines.get(1)).isEqualTo("{\"pid\":" + pid + ",\"cwd\":\"" + test + "\"}");
        Matcher silent = Pattern.compile("\\{\"pid\":(\\d+),\"cwd\":\"" + Pattern.quote(test.toString()) + "\"}")
                .matcher(lines.get(2));
        assertThat(silent.matches()).as("line 3: %s", lines.get(2)).isTrue();
        assertThat(silent.group(1)).isNotEqualTo(pid);
    }

    @Test
    void childrenInAnotherDirectoryFindTheirClassesWhenOurClassPathIsRelative() throws Exception {
        // What `java -jar forkd-examples/target/forkd-examples.jar` gives: a class path relative to the cwd.
        Path cwd = Path.of("").toAbsolutePath();
        String relative = Arrays.stream(CLASS_PATH.split(File.pathSeparator))
                .map(entry -> cwd.relativize(Path.of(entry).toAbsolutePath()).toString())
                .collect(Collectors.joining(File.pathSeparator));
        Path test = Files.createDirectory(dir.toRealPath().resolve("test"));

        for (String name : List.of("spawn-sub-process", "fork-sub-process")) {
            Output out = succeeded(name, run(cwd, relative, name, test.toString()));
            assertThat(out.stdoutText()).as(name).startsWith("sub_process ").contains(" running in " + test + "\n");
        }
    }

    @Test
    void execFilePrintsTheSubProcessLineAndConsoleLogsEmptyLine() throws Exception {
        Path cwd = dir.toRealPath();

        Output out = succeeded("exec-file-sub-process", run(cwd, CLASS_PATH, "exec-file-sub-process"));

        assertThat(out.stdoutText()).matches(SUB_PROCESS_LINE + Pattern.quote(cwd.toString()) + "\n\n");
    }

    @Test
    void execRunsTheSubProcessThroughAShellEvenWithAQuoteInTheClassPath() throws Exception {
        Path cwd = dir.toRealPath();
        Path quoted = Files.createDirectory(cwd.resolve("it's a dir"));

        Output out = succeeded("exec-sub-process",
                run(cwd, CLASS_PATH + File.pathSeparator + quoted, "exec-sub-process"));

        assertThat(out.stdoutText()).matches(SUB_PROCESS_LINE + Pattern.quote(cwd.toString()) + "\n\n");
    }

    @Test
    void parentAndEightChildBothServeHttpOnTheServerTheParentSent() throws Exception {
        Output out = example("share-http-server");

        List<String> lines = out.stdoutText().lines().toList();
        assertThat(lines.subList(0, 2)).containsExactly("Parent server created", "Child server created");
        List<String> answers = lines.subList(2, lines.size());
        assertThat(answers).hasSizeGreaterThanOrEqualTo(4);
        for (int i = 0; i < answers.size(); i++) {
            assertThat(answers.get(i)).startsWith("request " + (i + 1) + ": ");
        }
        // sum += 1 a hundred thousand times in the parent; 0 + 1 + ... + 9999 in the child
        assertThat(answers.stream().map(a -> a.replaceFirst("^request \\d+: ", "")).distinct())
                .containsExactlyInAnyOrder("Request handled in parent.sum=100000",
                        "Request handled in child.sum=" + sumBelow(10_000));
    }

    @Test
    void elevenSocketAndTheParentEachEndSomeOfTheConnections() throws Exception {
        Output out = example("share-socket-object");

        List<String> lines = out.stdoutText().lines().toList();
        assertThat(lines).hasSizeGreaterThanOrEqualTo(4);
        for (int i = 0; i < lines.size(); i++) {
            assertThat(lines.get(i)).matches("connection " + (i + 1) + ": Handled by (parent|child)");
        }
        assertThat(lines.stream().map(l -> l.replaceFirst("^connection \\d+: ", "")).distinct())
                .containsExactlyInAnyOrder("Handled by parent", "Handled by child");
    }

    @Test
    void tourRunsEveryArticleExampleInOrderWithTheArticlesLoopBound() throws Exception {
        Output out = example("multi-process");

        List<String> lines = out.stdoutText().lines().toList();
        List<String> headings = lines.stream().filter(l -> l.startsWith("== [")).toList();
        assertThat(headings).hasSize(MultiProcessTour.EXAMPLES.size());
        for (int i = 0; i < headings.size(); i++) {
            Example e = MultiProcessTour.EXAMPLES.get(i);
            assertThat(headings.get(i)).isEqualTo(
                    "== [" + (i + 1) + "/" + headings.size() + "] " + e.name() + ": " + e.mirrors() + " ==");
        }
        // for (let i = 0; i < 10000000000; i++) sum += i, exactly (Node's doubles say 49999999990067860000)
        assertThat(lines).contains("GET /sum -> 49999999995000000000", "exit", "close", "Parent server created",
                "Child server created");
        assertThat(lines.getLast()).isEqualTo("The article's cluster module example serves until Ctrl-C:"
                + " java -jar forkd-examples.jar cluster-respawn");
    }

    @Test
    void usageListsTheArticleTourAndEveryArticleCommand() throws Exception {
        Output out = example("help");

        assertThat(out.stdoutText()).contains("  multi-process ", "  cluster-respawn ", "  cluster ");
        for (Example e : MultiProcessTour.EXAMPLES) assertThat(out.stdoutText()).contains("  " + e.name() + " ");
    }

    private static BigInteger sumBelow(long n) {
        return BigInteger.valueOf(n).multiply(BigInteger.valueOf(n - 1)).shiftRight(1);
    }

    /** Runs {@code Main args} here on this JVM's class path and insists that it succeeds with a silent stderr. */
    private static Output example(String... args) throws Exception {
        return succeeded(String.join(" ", args), run(Path.of("").toAbsolutePath(), CLASS_PATH, args));
    }

    private static Output succeeded(String what, Output out) {
        assertThat(out.stderrText()).as("stderr of %s", what).isEmpty();
        assertThat(out.status()).as("exit of %s; stdout:%n%s", what, out.stdoutText())
                .isEqualTo(new ExitStatus.Exited(0));
        return out;
    }

    private static Output run(Path cwd, String classPath, String... args) throws IOException, InterruptedException {
        Command command = Command.of(JAVA.toString(), ForkOptions.NATIVE_ACCESS, ForkOptions.ADD_OPENS,
                "-cp", classPath, Main.class.getName()).args(args).cwd(cwd);
        // a bound for a hung example, not a timing check: the tour takes ~10 s on a quiet 2-core machine
        return ChildProcesses.spawnSync(command, ExecOptions.defaults().timeout(Duration.ofSeconds(120)));
    }
}
