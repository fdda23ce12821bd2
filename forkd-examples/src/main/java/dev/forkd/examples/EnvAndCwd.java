package dev.forkd.examples;

import dev.forkd.ChildProcess;
import dev.forkd.ChildProcesses;
import dev.forkd.Command;
import java.nio.file.Path;

/**
 * Mirrors the article's {@code cwd} and {@code env} options:
 *
 * <pre>{@code
 * spawn('find . -type f | wc -l', { stdio: 'inherit', shell: true, cwd: '/Users/samer/Downloads' });
 * spawn('echo $ANSWER', { stdio: 'inherit', shell: true, env: { ANSWER: 42 } });
 * }</pre>
 *
 * <p>Node's {@code env} replaces the whole environment, so the second child sees {@code ANSWER} and nothing
 * else: that is {@link Command#envClear()} followed by {@link Command#env(String, String)}. (Without
 * {@code envClear()} the child would inherit this JVM's environment plus {@code ANSWER}.)
 *
 * <p>Optional argument: the directory for {@code cwd} (default: the JDK's home, a directory of known size
 * that is not the working directory).
 */
public final class EnvAndCwd {
    private EnvAndCwd() {}

    public static void main(String[] args) throws Exception {
        Path dir = args.length > 0 ? Path.of(args[0]) : Path.of(System.getProperty("java.home"));
        System.out.println("Number of files under " + dir + ":");
        try (ChildProcess child = ChildProcesses.spawn(Command.of("find . -type f | wc -l").shell(true).cwd(dir)
                .stdio(NodeStyle.inheritAll()))) {
            child.waitFor();
        }

        System.out.println("ANSWER and HOME as seen by a child whose environment is only { ANSWER: 42 }:");
        try (ChildProcess child = ChildProcesses.spawn(Command.of("echo \"ANSWER=$ANSWER HOME=$HOME\"").shell(true)
                .envClear().env("ANSWER", "42").stdio(NodeStyle.inheritAll()))) {
            child.waitFor();
        }
    }
}
