package dev.forkd;

import java.io.InputStream;
import java.io.OutputStream;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeoutException;

/**
 * A running (or finished) child process started by {@link ChildProcesses#spawn}: Node's {@code ChildProcess}.
 *
 * <p>The child is reaped by forkd whatever you do with this object; it never becomes a zombie. Who closes the
 * parent's ends of its pipes: a pipe the parent <em>writes</em> ({@link #stdin()}, a piped fd the child reads)
 * is closed by forkd when the child has exited, as Node destroys {@code stdin} at exit; a pipe the parent
 * <em>reads</em> ({@link #stdout()}, {@link #stderr()}, extra fds) is closed when it reaches end-of-file, which
 * the parent sees once the child and every process that inherited the pipe have closed it, or when you close
 * the stream; {@link #close()} closes all of them now. A child you drop without closing holds no fd past its
 * exit, except output nobody has read yet, which is released when its stream is garbage-collected.
 */
public interface ChildProcess extends AutoCloseable {

    /** The child's process id. */
    long pid();

    /**
     * The parent's end of the child's fd 0. Closing it gives the child end-of-file; forkd closes it when the
     * child has exited, after which writes throw {@code IOException("Stream closed: the child has exited")}.
     *
     * @throws IllegalStateException unless fd 0 is a {@link Stdio#pipe()}
     */
    OutputStream stdin();

    /**
     * The child's fd 1, as the parent reads it. forkd reads the pipe ahead into this stream (at most 1 MiB,
     * then the child blocks until you read) and closes the pipe at end-of-file; closing the stream discards
     * what is buffered and closes the pipe at once (a child that writes on gets EPIPE).
     *
     * @throws IllegalStateException unless fd 1 is a pipe
     */
    InputStream stdout();

    /** The child's fd 2, as the parent reads it; closed as {@link #stdout()} is. @throws IllegalStateException unless fd 2 is a pipe */
    InputStream stderr();

    /** The parent's end of child fd {@code fd} if it is a {@link Stdio#pipe()}, else empty. */
    Optional<StdioStream> stdio(int fd);

    /** The IPC channel to the child, present when it was spawned with {@link Stdio#ipc()} or forked. */
    Optional<dev.forkd.ipc.Channel> channel();

    /** Sends SIGTERM; see {@link #kill(Signal)}. */
    boolean kill();

    /**
     * Sends {@code signal} to the child, or to its whole process group if it was started with
     * {@link Command#killTree(boolean)} or {@link Command#detached(boolean)}. Returns false if the child has
     * already been reaped; true if the signal was delivered (which does not mean the child has died).
     *
     * @throws IllegalStateException if the kernel refuses the signal (EPERM)
     */
    boolean kill(Signal signal);

    /** True once {@link #kill} has delivered a signal. */
    boolean killed();

    /** How the child ended, or empty while it runs. Never blocks. */
    Optional<ExitStatus> exitStatus();

    /**
     * Waits for the child to exit (Node's 'exit'); cheap on a virtual thread. On a platform thread the caller
     * reaps the child itself when it can, which saves a thread hand-over per child in a spawn-and-wait loop.
     *
     * @throws ReapException if the child's exit status could not be collected (another component of this JVM
     *                       reaped it); the child is gone
     */
    ExitStatus waitFor() throws InterruptedException;

    /**
     * Waits at most {@code timeout} for the child to exit.
     *
     * @throws ReapException as {@link #waitFor()} does
     */
    ExitStatus waitFor(Duration timeout) throws InterruptedException, TimeoutException;

    /**
     * Completes when the child has exited and been reaped: Node's {@code 'exit'}. Output pipes may still hold
     * data. Dependent stages may block: they run right after forkd's event loop has seen the exit, and if one
     * stays blocked for more than ~10 ms (or busy for ~100 ms) the loop moves to another thread (and such
     * stages run on virtual threads for a while). Each call returns a new future; cancelling it does not affect the child.
     * It fails with {@link ReapException} if the exit status could not be collected, and so does {@link #onClose()}.
     */
    CompletableFuture<ExitStatus> onExit();

    /**
     * Completes after {@link #onExit()} once every parent-side output pipe (fd 1 and up; not stdin) has reached
     * EOF or been closed, and the IPC channel (if any) is closed: Node's {@code 'close'}.
     */
    CompletableFuture<ExitStatus> onClose();

    /**
     * Closes the parent's ends of all pipes now, written or read, discarding unread output, and disconnects the
     * IPC channel, if any (after what is queued on it has been written). Does not kill or wait for the child.
     * Idempotent. Not needed to avoid leaks (see above), but it releases a running child's pipes early.
     */
    @Override
    void close();
}
