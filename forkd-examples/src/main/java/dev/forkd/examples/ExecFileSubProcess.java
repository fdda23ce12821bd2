package dev.forkd.examples;

import dev.forkd.ChildProcesses;
import dev.forkd.Output;

/**
 * Mirrors the Node multi-process article's section 4.3, {@code execFile}: run a program directly, without a
 * shell, and print what it wrote once it is done.
 *
 * <pre>{@code
 * let childProcess = execFile('node', ['./test/sub_process'], function (err, stdout, stderr) {
 *   console.log(stdout);
 * });
 * }</pre>
 *
 * <p>{@code node ./test/sub_process} is a JVM running {@link SubProcess}, in this process's working directory.
 * {@code stdout} ends with a newline and {@code console.log} adds one, so an empty line follows the child's, as
 * in Node. The callback is the {@code CompletableFuture<Output>}; where the article's callback ignores
 * {@code err}, a failure here is the future's, which {@link Main} prints before exiting with 1.
 */
public final class ExecFileSubProcess {
    private ExecFileSubProcess() {}

    public static void main(String[] args) throws Exception {
        Output output = ChildProcesses.execFile(SubProcess.java(), SubProcess.javaArgs()).get();
        System.out.println(output.stdoutText());
    }
}
