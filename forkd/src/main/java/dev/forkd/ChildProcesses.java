package dev.forkd;

import dev.forkd.internal.reap.OrphanReaper;
import dev.forkd.internal.spawn.Forker;
import dev.forkd.internal.spawn.ExecRunner;
import dev.forkd.internal.spawn.Pipeline;
import dev.forkd.internal.spawn.PosixChildProcess;
import dev.forkd.internal.spawn.StdioPlan;
import java.io.IOException;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * Node's {@code child_process} for the JVM: {@code spawn}, {@code exec}, {@code execFile} and the sync variants.
 *
 * <p>Children are started with posix_spawn through the Foreign Function &amp; Memory API: no helper process,
 * no thread per child. The child's fd table holds exactly what its stdio says (fds 0-2 by default) and
 * nothing the JVM happens to have open. One forkd thread waits for all children and pumps all their pipes.
 *
 * {@snippet class=dev.forkd.snippets.ChildProcessesSnippets region=tour}
 *
 * <p>The JVM that uses forkd needs {@code --enable-native-access=ALL-UNNAMED} (or {@code =dev.forkd} on the
 * module path); without it the JDK prints a warning on first use.
 */
public final class ChildProcesses {
    private ChildProcesses() {}

    /** Spawns {@code command} with {@code args}, all three stdio fds piped. */
    public static ChildProcess spawn(String command, String... args) throws SpawnException {
        return spawn(Command.of(command, args));
    }

    /**
     * Spawns a child. Unset stdio entries are {@link Stdio#pipe()}; read the output pipes (or close them) or
     * a chatty child eventually blocks on a full pipe, as with any pipe.
     *
     * @throws SpawnException           if the program cannot be started (missing, not executable, bad cwd);
     *                                  nothing is left to reap
     * @throws IllegalArgumentException for NUL bytes or contradictory stdio, before anything is started
     */
    public static ChildProcess spawn(Command command) throws SpawnException {
        return PosixChildProcess.start(command);
    }

    /**
     * Makes this process reap orphaned descendants, as PID 1 must: it becomes a child subreaper
     * ({@code prctl(PR_SET_CHILD_SUBREAPER)}), so that processes whose parent dies are re-parented to it rather
     * than to init, and a forkd thread reaps every exited child that forkd did not start, within about 250 ms.
     * For supervisors and container entry points ({@code forkd run}). Idempotent.
     *
     * <p>Children of {@code ProcessBuilder} in the same JVM are reaped too once they exit, and the JDK then
     * loses their exit status: do not combine the two.
     *
     * @throws IOException if the kernel refuses to make this process a subreaper
     */
    public static void reapOrphans() throws IOException {
        OrphanReaper.start();
    }

    /**
     * Starts {@code commands} as a shell pipeline: each one's stdout feeds the next one's stdin, as in Node's
     * {@code spawn('wc', [], {stdio: [ls.stdout, 'pipe', 'pipe']})} or the JDK's
     * {@code ProcessBuilder.startPipeline}. The connecting pipes are held by the two children only (the
     * parent keeps no end of them and no thread copies data), so a consumer sees end-of-file when its producer
     * exits. The first command's stdin, the last one's stdout and everyone's stderr are as each command says
     * (default {@link Stdio#pipe()}).
     *
     * {@snippet class=dev.forkd.snippets.ChildProcessesSnippets region=pipeline}
     *
     * @return the children, in order
     * @throws SpawnException           if a command cannot be started; those already started are killed
     * @throws IllegalArgumentException if a command's stdout (all but the last) or stdin (all but the first)
     *                                  is set to something other than a pipe, or for what {@link #spawn}
     *                                  rejects
     */
    public static List<ChildProcess> pipeline(Command... commands) throws SpawnException {
        return Pipeline.start(List.of(commands));
    }

    /**
     * Starts a new JVM running {@code mainClass} from this JVM's class path, with an IPC channel: Node's
     * {@code fork}. The child shares this process's stdio; see {@link #fork(ForkOptions)} for the rest.
     */
    public static ChildProcess fork(String mainClass, String... args) throws SpawnException {
        return fork(ForkOptions.of(mainClass, args));
    }

    /**
     * Starts a new JVM with an IPC channel on its fd 3. {@link ChildProcess#channel()} is the parent's end;
     * the child opens its end with {@link dev.forkd.ipc.Channel#parent()}.
     */
    public static ChildProcess fork(ForkOptions options) throws SpawnException {
        return Forker.fork(options).process();
    }

    /** Runs {@code shellCommand} with {@code /bin/sh -c}; see {@link #execFile(Command, ExecOptions)}. */
    public static CompletableFuture<Output> exec(String shellCommand) {
        return exec(shellCommand, ExecOptions.defaults());
    }

    /** Runs {@code shellCommand} with {@code /bin/sh -c}; see {@link #execFile(Command, ExecOptions)}. */
    public static CompletableFuture<Output> exec(String shellCommand, ExecOptions options) {
        return execFile(Command.of(shellCommand).shell(true), options);
    }

    /** Runs {@code file} with {@code args}, no shell; see {@link #execFile(Command, ExecOptions)}. */
    public static CompletableFuture<Output> execFile(String file, String... args) {
        return execFile(Command.of(file, args), ExecOptions.defaults());
    }

    /**
     * Runs a command to completion and captures its stdout and stderr (unless the command sets them
     * otherwise). stdin is {@code /dev/null}, or {@code options.input()} if given.
     *
     * <p>The future completes with the {@link Output} when the child has exited and both pipes are at EOF. It
     * fails with {@link ExitException} if the child exits non-zero, is killed by a signal, times out or exceeds
     * maxBuffer, and with {@link SpawnException} if it cannot be started. Cancelling the future kills the child
     * and its descendants (Node's AbortSignal).
     *
     * @throws IllegalArgumentException for NUL bytes or contradictory stdio, before anything is started
     */
    public static CompletableFuture<Output> execFile(Command command, ExecOptions options) {
        return ExecRunner.start(command, options, StdioPlan.Mode.EXEC, true);
    }

    /** {@link #spawnSync(Command, ExecOptions)} with default options. */
    public static Output spawnSync(Command command) throws IOException, InterruptedException {
        return spawnSync(command, ExecOptions.defaults());
    }

    /**
     * Runs a command and waits for it; returns its output whatever its exit status (check
     * {@link Output#status()}). Piped output is captured up to maxBuffer; other stdio is honoured.
     * Interrupting the waiting thread kills the child.
     *
     * @throws SpawnException if the program cannot be started
     */
    public static Output spawnSync(Command command, ExecOptions options) throws IOException, InterruptedException {
        return ExecRunner.await(ExecRunner.start(command, options, StdioPlan.Mode.SYNC, false));
    }

    /** {@link #execSync(String, ExecOptions)} with default options. */
    public static Output execSync(String shellCommand) throws IOException, InterruptedException {
        return execSync(shellCommand, ExecOptions.defaults());
    }

    /**
     * Runs {@code shellCommand} with {@code /bin/sh -c} and waits for it.
     *
     * @throws ExitException  if it exits non-zero, is killed, times out or exceeds maxBuffer
     * @throws SpawnException if the shell cannot be started
     */
    public static Output execSync(String shellCommand, ExecOptions options) throws IOException, InterruptedException {
        return execFileSync(Command.of(shellCommand).shell(true), options);
    }

    /** {@link #execFileSync(Command, ExecOptions)} with default options. */
    public static Output execFileSync(String file, String... args) throws IOException, InterruptedException {
        return execFileSync(Command.of(file, args), ExecOptions.defaults());
    }

    /**
     * Runs a command without a shell and waits for it.
     *
     * @throws ExitException  if it exits non-zero, is killed, times out or exceeds maxBuffer
     * @throws SpawnException if it cannot be started
     */
    public static Output execFileSync(Command command, ExecOptions options) throws IOException, InterruptedException {
        return ExecRunner.await(ExecRunner.start(command, options, StdioPlan.Mode.SYNC, true));
    }
}
