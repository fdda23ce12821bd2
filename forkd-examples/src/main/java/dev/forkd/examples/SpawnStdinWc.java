package dev.forkd.examples;

import dev.forkd.ChildProcess;
import dev.forkd.ChildProcesses;
import java.io.OutputStream;

/**
 * Mirrors the article's stdin example: the parent's stdin piped into {@code wc}.
 *
 * <pre>{@code
 * const child = spawn('wc');
 * process.stdin.pipe(child.stdin);
 * child.stdout.on('data', (data) => console.log(`child stdout:\n${data}`));
 * }</pre>
 *
 * <p>Try {@code echo "hello child process" | java -jar forkd-examples.jar spawn-stdin}, or type a few lines
 * and end them with Ctrl-D. Closing {@code child.stdin()} is what tells {@code wc} that its input is over, as
 * {@code pipe()} does in Node when the source ends.
 */
public final class SpawnStdinWc {
    private SpawnStdinWc() {}

    public static void main(String[] args) throws Exception {
        try (ChildProcess child = ChildProcesses.spawn("wc")) {
            // The copy runs on its own (virtual) thread so that wc's output is read while input still flows.
            Thread feeder = Thread.ofVirtual().name("stdin-to-wc").start(() -> {
                // System.in stays open: closing it would close this JVM's fd 0, which later children inherit.
                try (OutputStream toChild = child.stdin()) {
                    System.in.transferTo(toChild);
                } catch (java.io.IOException e) {
                    System.err.println("copying stdin to wc failed: " + e.getMessage());
                }
            });
            String data = new String(child.stdout().readAllBytes());
            feeder.join();
            System.out.print("child stdout:\n" + data);
            child.waitFor();
        }
    }
}
