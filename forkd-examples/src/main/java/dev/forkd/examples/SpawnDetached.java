package dev.forkd.examples;

import dev.forkd.ChildProcess;
import dev.forkd.ChildProcesses;
import dev.forkd.Command;
import dev.forkd.Stdio;

/**
 * Mirrors the article's {@code detached} example: a child that outlives its parent.
 *
 * <pre>{@code
 * const child = spawn('node', ['timer.js'], { detached: true, stdio: 'ignore' });
 * child.unref();
 * }</pre>
 *
 * <p>{@code detached(true)} starts the child in a session of its own, and {@code Stdio.ignore()} on all three
 * fds leaves it nothing that ties it to this JVM. There is no {@code unref()}: forkd never keeps the JVM
 * alive for a child, so this JVM exits right after printing, and the {@code sleep} goes on for 5 seconds.
 */
public final class SpawnDetached {
    private SpawnDetached() {}

    public static void main(String[] args) throws Exception {
        Command timer = Command.of("sleep", "5").detached(true)
                .stdio(Stdio.ignore(), Stdio.ignore(), Stdio.ignore());
        try (ChildProcess child = ChildProcesses.spawn(timer)) {
            System.out.println("detached child " + child.pid() + " (sleep 5) keeps running after this JVM exits;");
            System.out.println("see it with: ps -o pid,sid,args -p " + child.pid());
        }
    }
}
