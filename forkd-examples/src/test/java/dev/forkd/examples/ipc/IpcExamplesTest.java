package dev.forkd.examples.ipc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.forkd.ChildProcesses;
import dev.forkd.Command;
import dev.forkd.ExecOptions;
import dev.forkd.ExitStatus;
import dev.forkd.ForkOptions;
import dev.forkd.Output;
import dev.forkd.examples.Example;
import dev.forkd.examples.Main;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Runs the fork and IPC examples the way a user does, as {@code Main <name>} in a JVM of their own, and checks
 * what they print; and drives {@link EchoChild} from a real Node parent, as outside checks do.
 */
class IpcExamplesTest {
    private static final Path JAVA = Path.of(System.getProperty("java.home"), "bin", "java");
    private static final String CLASS_PATH = System.getProperty("java.class.path");
    private static final String EXITED_NORMALLY = "child process exited with code 0 and signal null";

    private static boolean nodeAvailable;

    @BeforeAll
    static void findNode() {
        try {
            nodeAvailable = ChildProcesses.execFileSync("node", "--version").status().success();
        } catch (Exception e) {
            nodeAvailable = false;
        }
    }

    @Test
    void forkedChildGetsHelloWorldAndSendsThreeCountersThenExitsOnDisconnect() throws Exception {
        Output out = example("fork-messages");

        List<String> lines = out.stdoutText().lines().toList();
        long child = pid(out, "^forked child (\\d+)$");
        assertThat(lines).contains("Message from parent: {\"hello\":\"world\"}");
        assertThat(lines.stream().filter(l -> l.startsWith("Message from child")).toList()).containsExactly(
                "Message from child {\"counter\":0}", "Message from child {\"counter\":1}",
                "Message from child {\"counter\":2}");
        assertThat(lines.getLast()).isEqualTo(EXITED_NORMALLY);
        assertThat(ProcessHandle.of(child)).as("the forked child after the example").isEmpty();
    }

    @Test
    void httpServerAnswersOkWhileAForkedChildComputesTheSum() throws Exception {
        Output out = example("fork-compute");

        List<String> lines = out.stdoutText().lines().toList();
        List<String> oks = lines.stream().filter(l -> l.startsWith("GET / -> ")).toList();
        assertThat(oks).hasSize(3)
                .allMatch(l -> l.matches("GET / -> Ok in \\d+ ms(, while /compute is still running)?"));
        assertThat(oks.getFirst()).as("the server answered while the child computed")
                .endsWith(", while /compute is still running");
        // 0 + 1 + ... + (10^9 - 1) = 10^9 (10^9 - 1) / 2
        assertThat(lines).anyMatch(l -> l.matches("GET /compute -> Sum is 499999999500000000 after \\d+ ms"));
        assertThat(lines.getLast()).isEqualTo("compute child exited with code 0 and signal null");
    }

    @Test
    void parentAndChildBothAnswerOnTheSharedServer() throws Exception {
        Output out = example("share-server");

        List<String> answers = out.stdoutText().lines().filter(l -> l.startsWith("request "))
                .map(l -> l.replaceFirst("^request \\d+: ", "")).toList();
        assertThat(answers).hasSizeGreaterThanOrEqualTo(ShareServer.MIN_REQUESTS)
                .contains("handled by parent", "handled by child")
                .allMatch(a -> a.equals("handled by parent") || a.equals("handled by child"));
        assertThat(out.stdoutText().lines().toList().getLast()).isEqualTo(EXITED_NORMALLY);
    }

    @Test
    void childAnswersOnTheOddConnectionsItIsSentAndTheParentOnTheOthers() throws Exception {
        Output out = example("share-socket");

        Matcher header = Pattern.compile("^parent (\\d+) accepts on port \\d+ and sends odd-numbered connections"
                + " to child (\\d+)$", Pattern.MULTILINE).matcher(out.stdoutText());
        assertThat(header.find()).as("header in:%n%s", out.stdoutText()).isTrue();
        String parent = header.group(1);
        String child = header.group(2);
        List<String> expected = new ArrayList<>();
        for (int i = 1; i <= ShareSocket.REQUESTS; i++) {
            expected.add("connection " + i + ": " + (i % 2 == 1
                    ? "Request handled with special priority by child " + child
                    : "Request handled with normal priority by parent " + parent));
        }
        assertThat(out.stdoutText().lines().filter(l -> l.startsWith("connection ")))
                .containsExactlyElementsOf(expected);
        assertThat(out.stdoutText().lines().toList().getLast()).isEqualTo(EXITED_NORMALLY);
    }

    @Test
    void forkTourRunsEveryIpcExampleInOrder() throws Exception {
        Output out = example("fork");

        List<String> headings = out.stdoutText().lines().filter(l -> l.startsWith("== [")).toList();
        assertThat(headings).hasSize(IpcTour.EXAMPLES.size());
        for (int i = 0; i < headings.size(); i++) {
            Example e = IpcTour.EXAMPLES.get(i);
            assertThat(headings.get(i)).isEqualTo(
                    "== [" + (i + 1) + "/" + headings.size() + "] " + e.name() + ": " + e.mirrors() + " ==");
        }
        assertThat(out.stdoutText()).contains("Message from child {\"counter\":2}\n",
                "GET /compute -> Sum is 499999999500000000", "handled by child\n",
                "Request handled with special priority by child ");
        assertThat(out.stdoutText().lines().filter(l -> l.equals(EXITED_NORMALLY))).hasSize(3);
        assertThat(out.stdoutText()).contains("compute child exited with code 0 and signal null");
    }

    @Test
    void usageListsTheForkTourAndEveryIpcCommand() throws Exception {
        Output out = example("help");

        assertThat(out.stdoutText()).contains("  fork ", "  echo-child ");
        for (Example e : IpcTour.EXAMPLES) assertThat(out.stdoutText()).contains("  " + e.name() + " ");
    }

    @Test
    void echoChildWithoutAChannelSaysHowItIsMeantToBeStarted() throws Exception {
        Output out = run(Command.of(JAVA.toString(), ForkOptions.NATIVE_ACCESS, "-cp", CLASS_PATH,
                Main.class.getName(), "echo-child"));

        assertThat(out.status()).isEqualTo(new ExitStatus.Exited(1));
        assertThat(out.stderrText()).isEqualTo("forkd-examples echo-child failed: IllegalStateException: EchoChild"
                + " needs an IPC channel: start it with fork(), or from a parent with an 'ipc' stdio entry\n");
    }

    @Test
    void nodeParentGetsEchoesAndHasItsServerAndSocketServedUntilExitTrue() throws Exception {
        Output out = nodeChecks("full", ForkOptions.NATIVE_ACCESS, ForkOptions.ADD_OPENS, "-cp", CLASS_PATH,
                EchoChild.class.getName());

        long pid = pid(out, "^OK echo 5 messages from pid (\\d+)$");
        String hello = "\"hello from " + pid + "\\n\"";
        assertThat(out.stdoutText().lines()).containsExactly(
                "OK echo 5 messages from pid " + pid,
                "OK net.Server handle: 2 connections read " + hello,
                "OK net.Socket handle: the client read " + hello,
                "child exit 0 null");
    }

    @Test
    void echoChildCommandExitsWhenItsNodeParentDisconnects() throws Exception {
        // What `java -jar forkd-examples.jar echo-child` runs; the jar's manifest supplies the two flags.
        Output out = nodeChecks("disconnect", ForkOptions.NATIVE_ACCESS, ForkOptions.ADD_OPENS, "-cp", CLASS_PATH,
                Main.class.getName(), "echo-child");

        long pid = pid(out, "^OK echo from pid (\\d+)$");
        assertThat(out.stdoutText().lines()).containsExactly("OK echo from pid " + pid, "child exit 0 null");
    }

    /** Runs {@code node echo-child-check.js mode java javaArgs...}; insists on success and a silent stderr. */
    private static Output nodeChecks(String mode, String... javaArgs) throws Exception {
        assumeTrue(nodeAvailable, "node is not installed: Node interop with EchoChild skipped");
        Path script = Path.of(IpcExamplesTest.class.getResource("echo-child-check.js").toURI());
        Output out = run(Command.of("node", script.toString(), mode, JAVA.toString()).args(javaArgs));
        assertThat(out.stderrText()).as("stderr of node and EchoChild").isEmpty();
        assertThat(out.status()).as("exit of node; stdout:%n%s", out.stdoutText()).isEqualTo(new ExitStatus.Exited(0));
        return out;
    }

    /**
     * Runs {@code Main name} with the flags {@code java -jar} takes from the manifest (sending a handle needs
     * the add-opens as much as receiving one), and insists that it succeeds and writes nothing to stderr.
     */
    private static Output example(String name) throws Exception {
        Output out = run(Command.of(JAVA.toString(), ForkOptions.NATIVE_ACCESS, ForkOptions.ADD_OPENS, "-cp",
                CLASS_PATH, Main.class.getName(), name));
        assertThat(out.stderrText()).as("stderr of %s", name).isEmpty();
        assertThat(out.status()).as("exit of %s; stdout:%n%s", name, out.stdoutText())
                .isEqualTo(new ExitStatus.Exited(0));
        return out;
    }

    private static Output run(Command command) throws Exception {
        return ChildProcesses.spawnSync(command, ExecOptions.defaults().timeout(Duration.ofSeconds(30)));
    }

    private static long pid(Output out, String regex) {
        Matcher m = Pattern.compile(regex, Pattern.MULTILINE).matcher(out.stdoutText());
        assertThat(m.find()).as("a line matching %s in:%n%s", regex, out.stdoutText()).isTrue();
        return Long.parseLong(m.group(1));
    }
}
