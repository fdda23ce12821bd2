package dev.forkd.examples;

import dev.forkd.ChildProcess;
import dev.forkd.ChildProcesses;
import dev.forkd.Command;
import dev.forkd.Stdio;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Path;

/**
 * Mirrors the article's {@code find . -type f | wc -l} built from two spawned processes:
 *
 * <pre>{@code
 * const find = spawn('find', ['.', '-type', 'f']);
 * const wc = spawn('wc', ['-l']);
 * find.stdout.pipe(wc.stdin);
 * wc.stdout.on('data', (data) => console.log(`Number of files ${data}`));
 * }</pre>
 *
 * <p>{@code find.stdout.pipe(wc.stdin)} becomes a copy on a virtual thread; closing wc's stdin when find's
 * output ends is what lets wc print its count. Optional argument: the directory to count in (default: the
 * working directory).
 */
public final class SpawnPipeline {
    private SpawnPipeline() {}

    public static void main(String[] args) throws Exception {
        Path dir = NodeStyle.dir(args);
        try (ChildProcess find = ChildProcesses.spawn(Command.of("find", ".", "-type", "f").cwd(dir)
                     .stderr(Stdio.inherit()));
             ChildProcess wc = ChildProcesses.spawn(Command.of("wc", "-l").stderr(Stdio.inherit()))) {
            Thread pipe = Thread.ofVirtual().name("find-to-wc").start(() -> {
                try (OutputStream wcIn = wc.stdin()) {
                    find.stdout().transferTo(wcIn);
                } catch (IOException e) {
                    System.err.println("piping find into wc failed: " + e.getMessage());
                }
            });
            String data = new String(wc.stdout().readAllBytes());
            pipe.join();
            System.out.println("Number of files " + data.strip());
            System.out.println("find: " + find.waitFor() + ", wc: " + wc.waitFor());
        }
    }
}
