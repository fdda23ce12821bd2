package dev.forkd.examples;

import dev.forkd.ChildProcesses;
import dev.forkd.Output;
import dev.forkd.SpawnException;
import java.nio.file.Path;
import java.util.concurrent.ExecutionException;

/**
 * Mirrors the article's {@code execFile} example: run a program directly, without a shell, and buffer its
 * output.
 *
 * <pre>{@code
 * execFile('node', ['--version'], (error, stdout, stderr) => {
 *   if (error) throw error;
 *   console.log(stdout);
 * });
 * }</pre>
 *
 * <p>Where {@code node} is not installed the future fails with a {@link SpawnException} (ENOENT), and the
 * example asks this JVM's own {@code java -version} instead, which answers on stderr.
 */
public final class ExecFileVersion {
    private ExecFileVersion() {}

    public static void main(String[] args) throws Exception {
        try {
            Output output = ChildProcesses.execFile("node", "--version").get();
            System.out.println("node " + output.stdoutText().strip());
        } catch (ExecutionException e) {
            if (!(e.getCause() instanceof SpawnException notFound)) throw e;
            System.out.println("no node here (" + notFound.getMessage() + "); asking java instead");
            String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
            Output output = ChildProcesses.execFile(java, "-version").get();
            System.out.println(output.stderrText().lines().findFirst().orElse("(java -version printed nothing)"));
        }
    }
}
