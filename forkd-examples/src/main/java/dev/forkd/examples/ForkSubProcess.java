package dev.forkd.examples;

import dev.forkd.ChildProcess;
import dev.forkd.ChildProcesses;
import dev.forkd.ForkOptions;
import dev.forkd.ExitStatus;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Mirrors the Node multi-process article's section 4.2, {@code fork}: a child with an IPC channel, started in
 * another directory, whose messages the parent prints; then the same with its {@code silent} option.
 *
 * <pre>{@code
 * let { fork } = require('child_process');
 * let path = require('path');
 * let childProcess = fork('sub_process.js', {
 *   cwd: path.resolve(__dirname, 'test')
 * });
 * childProcess.on('message', function (data) { console.log(data); });
 * }</pre>
 *
 * <p>{@code fork('sub_process.js')} is a JVM running {@link SubProcess} with an IPC channel; {@code data} is
 * printed as the JSON it arrived as. The first child shares this process's stdio, so its own line appears
 * before its message. The second is forked with {@code silent(true)}: its stdin, stdout and stderr are pipes to
 * this process, which does not read them, so only its message appears. (The article says {@code silent} makes
 * them {@code 'ignore'}; in Node, as in forkd, they are pipes the parent may read.) Each child disconnects after
 * its message and exits; the parent waits for that before it goes on.
 *
 * <p>The class path is passed absolute ({@link SubProcess#absoluteClassPath()}): a child in another directory
 * would not find a relative one. Optional argument: the directory for {@code cwd} (default: a {@code test}
 * directory in a new temporary directory, deleted afterwards).
 */
public final class ForkSubProcess {
    private ForkSubProcess() {}

    public static void main(String[] args) throws Exception {
        try (TestDir test = TestDir.of(args)) {
            ForkOptions subProcess = ForkOptions.of(SubProcess.class.getName())
                    .classPath(SubProcess.absoluteClassPath()).cwd(test.path());
            forkAndPrintMessages(subProcess);
            forkAndPrintMessages(subProcess.silent(true));
        }
    }

    private static void forkAndPrintMessages(ForkOptions options) throws Exception {
        System.out.flush(); // the first child writes on our stdout: keep the lines in order
        try (ChildProcess childProcess = ChildProcesses.fork(options)) {
            CompletableFuture<Void> printed = new CompletableFuture<>();
            childProcess.channel().orElseThrow().onMessage(data -> {
                System.out.println(data.body());
                printed.complete(null);
            });
            ExitStatus status = childProcess.waitFor();
            if (!status.success()) throw new IllegalStateException("sub_process failed: " + status);
            // The message arrives before the exit is reported, but its listener may still be printing.
            printed.get(30, TimeUnit.SECONDS);
        }
    }
}
