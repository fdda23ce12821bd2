package dev.forkd.examples;

import dev.forkd.examples.Example.TourInput;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * The {@code child_process} section of "Node.js Child Processes: Everything you need to know", example by
 * example, in its order, with a heading for each. (The Node multi-process article the project follows has its own
 * tour, {@link MultiProcessTour}.)
 *
 * <p>The examples that look at files run in a small sample tree made for the tour (and deleted after it), so
 * that listings fit on a screen wherever the tour is started; run an example by its name to point it at the
 * working directory or at a directory of your choice instead.
 */
public final class ChildProcessTour {
    /** The examples in the article's order. */
    public static final List<Example> EXAMPLES = List.of(
            new Example("spawn-pwd", "spawn('pwd'), its stdout and the 'exit' event", SpawnPwd::main,
                    TourInput.NONE),
            new Example("spawn-signal", "child.kill(): 'exit' reports a signal instead of a code",
                    SpawnSignal::main, TourInput.NONE),
            new Example("spawn-stdin", "process.stdin.pipe(spawn('wc').stdin)", SpawnStdinWc::main,
                    TourInput.STDIN),
            new Example("spawn-pipeline", "find . -type f | wc -l from two spawned children",
                    SpawnPipeline::main, TourInput.DIRECTORY),
            new Example("spawn-inherit", "spawn('find', ['.', '-type', 'f'], { stdio: 'inherit' })",
                    SpawnInheritStdio::main, TourInput.DIRECTORY),
            new Example("shell-option", "spawn('find . -type f | wc -l', { stdio: 'inherit', shell: true })",
                    ShellOption::main, TourInput.DIRECTORY),
            new Example("env-cwd", "the cwd and env options: { cwd: dir }, { env: { ANSWER: 42 } }",
                    EnvAndCwd::main, TourInput.DIRECTORY),
            new Example("spawn-detached", "spawn('node', ['timer.js'], { detached: true, stdio: 'ignore' })",
                    SpawnDetached::main, TourInput.NONE),
            new Example("exec", "exec('find . -type f | wc -l', callback)", ExecShell::main,
                    TourInput.DIRECTORY),
            new Example("exec-file", "execFile('node', ['--version'], callback)", ExecFileVersion::main,
                    TourInput.NONE),
            new Example("sync", "spawnSync, execSync, execFileSync", SyncVariants::main, TourInput.NONE));

    /** What the tour types into {@code spawn-stdin}. */
    static final String SAMPLE_STDIN = "The child_process module\nlets us access operating system functionality\n";

    /** The tour's sample directory: a pretend Node project, relative path to contents. */
    private static final Map<String, String> SAMPLE_TREE = Map.of(
            "index.js", "require('./lib/util');\n",
            "timer.js", "setTimeout(() => {}, 20000);\n",
            "lib/util.js", "module.exports = {};\n",
            "lib/db.js", "module.exports = {};\n",
            "test/index.test.js", "// tests\n");

    private ChildProcessTour() {}

    public static void main(String[] args) throws Exception {
        Path sample = createSampleTree();
        try {
            System.out.println("forkd: the child_process examples of \"Node.js Child Processes: Everything you"
                    + " need to know\", in Java.");
            System.out.println("Examples that look at files run in a sample tree of " + SAMPLE_TREE.size()
                    + " files: " + sample);
            Example.tour(EXAMPLES, example -> run(example, sample));
        } finally {
            deleteTree(sample);
        }
    }

    private static void run(Example example, Path sample) throws Exception {
        switch (example.input()) {
            case NONE -> example.main().main(new String[0]);
            case DIRECTORY -> example.main().main(new String[] {sample.toString()});
            case STDIN -> {
                System.out.print("(the tour types for you:)\n" + SAMPLE_STDIN);
                InputStream stdin = System.in;
                System.setIn(new ByteArrayInputStream(SAMPLE_STDIN.getBytes(StandardCharsets.UTF_8)));
                try {
                    example.main().main(new String[0]);
                } finally {
                    System.setIn(stdin);
                }
            }
        }
        System.out.flush();
    }

    private static Path createSampleTree() throws IOException {
        Path root = Files.createTempDirectory("forkd-tour-");
        for (var file : SAMPLE_TREE.entrySet()) {
            Path path = root.resolve(file.getKey());
            Files.createDirectories(path.getParent());
            Files.writeString(path, file.getValue());
        }
        return root;
    }

    private static void deleteTree(Path root) throws IOException {
        try (Stream<Path> paths = Files.walk(root)) {
            for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) Files.delete(p);
        }
    }
}
