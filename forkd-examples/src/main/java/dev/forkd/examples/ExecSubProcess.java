package dev.forkd.examples;

import dev.forkd.ChildProcesses;
import dev.forkd.Output;

/**
 * Mirrors the Node multi-process article's section 4.4, {@code exec}: a shell runs the command line, and what it
 * wrote is printed once it is done.
 *
 * <pre>{@code
 * let childProcess = exec("node './test/sub_process'", function (err, stdout, stderr) {
 *   console.log(stdout);
 * });
 * }</pre>
 *
 * <p>The command line starts a JVM running {@link SubProcess}, in this process's working directory; its words
 * are single-quoted as the article quotes {@code './test/sub_process'} ({@link SubProcess#shellCommand()}).
 * {@code /bin/sh -c} runs it, as Node's {@code exec} does. As in {@link ExecFileSubProcess}, an empty line
 * follows the child's, and a failure is the future's, which {@link Main} prints.
 */
public final class ExecSubProcess {
    private ExecSubProcess() {}

    public static void main(String[] args) throws Exception {
        Output output = ChildProcesses.exec(SubProcess.shellCommand()).get();
        System.out.println(output.stdoutText());
    }
}
