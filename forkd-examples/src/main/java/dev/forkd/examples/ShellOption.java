package dev.forkd.examples;

import dev.forkd.ChildProcess;
import dev.forkd.ChildProcesses;
import dev.forkd.Command;
import java.nio.file.Path;

/**
 * Mirrors the article's {@code shell: true} example: one string, run by {@code /bin/sh -c}, so shell syntax
 * (here a pipe) works as typed.
 *
 * <pre>{@code
 * const child = spawn('find . -type f | wc -l', { stdio: 'inherit', shell: true });
 * }</pre>
 *
 * <p>Never pass untrusted input through a shell. Optional argument: the directory to count in.
 */
public final class ShellOption {
    private ShellOption() {}

    public static void main(String[] args) throws Exception {
        Path dir = NodeStyle.dir(args);
        System.out.println("Number of files, counted by /bin/sh -c 'find . -type f | wc -l':");
        try (ChildProcess child = ChildProcesses.spawn(Command.of("find . -type f | wc -l").shell(true).cwd(dir)
                .stdio(NodeStyle.inheritAll()))) {
            System.out.println("sh: " + child.waitFor());
        }
    }
}
