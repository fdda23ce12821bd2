package dev.forkd.examples;

import dev.forkd.ChildProcess;
import dev.forkd.ChildProcesses;
import dev.forkd.Command;
import java.nio.file.Path;

/**
 * Mirrors the article's {@code stdio: 'inherit'} example: the child writes straight to this JVM's stdout and
 * stderr, with no pipe and no copying in between.
 *
 * <pre>{@code
 * const child = spawn('find', ['.', '-type', 'f'], { stdio: 'inherit' });
 * }</pre>
 *
 * <p>Optional argument: the directory to list (default: the working directory).
 */
public final class SpawnInheritStdio {
    private SpawnInheritStdio() {}

    public static void main(String[] args) throws Exception {
        Path dir = NodeStyle.dir(args);
        try (ChildProcess child = ChildProcesses.spawn(Command.of("find", ".", "-type", "f").cwd(dir)
                .stdio(NodeStyle.inheritAll()))) {
            System.out.println("find: " + child.waitFor());
        }
    }
}
