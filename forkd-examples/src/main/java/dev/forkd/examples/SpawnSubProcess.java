package dev.forkd.examples;

import dev.forkd.ChildProcess;
import dev.forkd.ChildProcesses;
import dev.forkd.Command;
import dev.forkd.SpawnException;
import dev.forkd.Stdio;

/**
 * Mirrors the Node multi-process article's section 4.1, {@code spawn}: a child in another directory that
 * writes straight to this process's stdio, and the three events.
 *
 * <pre>{@code
 * let { spawn } = require('child_process');
 * let path = require('path');
 * let childProcess = spawn('node', ['sub_process.js'], {
 *   cwd: path.resolve(__dirname, 'test'),
 *   stdio: [0, 1, 2]
 * });
 * childProcess.on('error', function (err) { console.log(err); });
 * childProcess.on('close', function () { console.log('close'); });
 * childProcess.on('exit', function () { console.log('exit'); });
 * }</pre>
 *
 * <p>{@code node sub_process.js} is a JVM running {@link SubProcess}. {@code stdio: [0, 1, 2]} (the child's fds
 * 0-2 are this process's fds 0, 1 and 2) is {@code Stdio.fd(0), Stdio.fd(1), Stdio.fd(2)}, so the child's line
 * appears here with no pipe in between. The events, in Node's order: a child that starts ends with
 * {@code 'exit'} ({@link ChildProcess#onExit()}), then {@code 'close'} ({@link ChildProcess#onClose()}, once its
 * stdio and channel are closed too); a child that cannot start is {@code 'error'}, which forkd reports by
 * throwing {@link SpawnException} from {@code spawn}, followed by {@code 'close'} and no {@code 'exit'}, as in
 * Node. Node's handlers become waits here, in the order Node calls them.
 *
 * <p>Optional argument: the directory for {@code cwd} (default: a {@code test} directory in a new temporary
 * directory, deleted afterwards). A directory that does not exist shows the {@code 'error'} path.
 */
public final class SpawnSubProcess {
    private SpawnSubProcess() {}

    public static void main(String[] args) throws Exception {
        try (TestDir test = TestDir.of(args)) {
            ChildProcess childProcess;
            System.out.flush(); // our lines and the child's share fd 1: keep them in the order they were written
            try {
                childProcess = ChildProcesses.spawn(Command.of(SubProcess.java(), SubProcess.javaArgs())
                        .cwd(test.path()).stdio(Stdio.fd(0), Stdio.fd(1), Stdio.fd(2)));
            } catch (SpawnException err) {
                System.out.println(err);
                System.out.println("close");
                return;
            }
            try (childProcess) {
                childProcess.onExit().join();
                System.out.println("exit");
                childProcess.onClose().join();
                System.out.println("close");
            }
        }
    }
}
