package dev.forkd.examples;

import dev.forkd.ChildProcess;
import dev.forkd.ChildProcesses;
import dev.forkd.ExitStatus;

/**
 * Mirrors the article's first example and its {@code 'exit'} event:
 *
 * <pre>{@code
 * const child = spawn('pwd');
 * child.stdout.on('data', (data) => console.log(`child stdout:\n${data}`));
 * child.on('exit', (code, signal) => console.log(`child process exited with code ${code} and signal ${signal}`));
 * }</pre>
 *
 * <p>Node delivers 'data' and 'exit' as events; here the main thread reads the pipe to its end and then waits
 * for the exit status, which prints the same lines in a fixed order. ({@code child.onExit()} is the 'exit'
 * event as a future.)
 */
public final class SpawnPwd {
    private SpawnPwd() {}

    public static void main(String[] args) throws Exception {
        try (ChildProcess child = ChildProcesses.spawn("pwd")) {
            String data = new String(child.stdout().readAllBytes());
            System.out.print("child stdout:\n" + data);
            ExitStatus status = child.waitFor();
            System.out.println("child process exited with " + NodeStyle.codeAndSignal(status));
        }
    }
}
