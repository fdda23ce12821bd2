package dev.forkd.examples;

import dev.forkd.ChildProcesses;
import dev.forkd.Command;
import dev.forkd.ExecOptions;
import dev.forkd.Output;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;

/**
 * Mirrors the article's {@code exec} example: a shell runs the command and the whole output is buffered.
 *
 * <pre>{@code
 * exec('find . -type f | wc -l', (err, stdout, stderr) => {
 *   if (err) { console.error(`exec error: ${err}`); return; }
 *   console.log(`Number of files ${stdout}`);
 * });
 * }</pre>
 *
 * <p>Node's callback becomes a {@code CompletableFuture<Output>}. The article's {@code err} is the future's
 * failure: {@code ExitException} when the command exits non-zero, {@code SpawnException} when it cannot
 * start; {@link Main} prints it and exits with 1.
 *
 * <p>Optional argument: the directory to count in. {@code exec} takes no working directory, so that case uses
 * the {@link Command} form that {@code exec} is built on.
 */
public final class ExecShell {
    private ExecShell() {}

    public static void main(String[] args) throws Exception {
        String shellCommand = "find . -type f | wc -l";
        CompletableFuture<Output> running = args.length == 0
                ? ChildProcesses.exec(shellCommand)
                : ChildProcesses.execFile(Command.of(shellCommand).shell(true).cwd(Path.of(args[0])),
                        ExecOptions.defaults());
        Output output = running.get();
        System.out.println("Number of files " + output.stdoutText().strip());
    }
}
