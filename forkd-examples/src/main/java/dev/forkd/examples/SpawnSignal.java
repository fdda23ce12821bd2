package dev.forkd.examples;

import dev.forkd.ChildProcess;
import dev.forkd.ChildProcesses;
import dev.forkd.ExitStatus;

/**
 * Mirrors the article's note on the {@code 'exit'} event's second argument: {@code signal} is null when the
 * child exits normally, and names the signal when one ended it.
 *
 * <pre>{@code
 * const child = spawn('sleep', ['10']);
 * child.on('exit', (code, signal) => console.log(`child process exited with code ${code} and signal ${signal}`));
 * child.kill(); // SIGTERM
 * }</pre>
 */
public final class SpawnSignal {
    private SpawnSignal() {}

    public static void main(String[] args) throws Exception {
        try (ChildProcess child = ChildProcesses.spawn("sleep", "10")) {
            boolean delivered = child.kill();
            System.out.println("kill() delivered SIGTERM to " + child.pid() + ": " + delivered);
            ExitStatus status = child.waitFor();
            System.out.println("child process exited with " + NodeStyle.codeAndSignal(status));
            System.out.println("(as a shell would print it: " + status + ")");
        }
    }
}
