package dev.forkd.internal.spawn;

import dev.forkd.Command;
import dev.forkd.ExecOptions;
import dev.forkd.ExitException;
import dev.forkd.ExitStatus;
import dev.forkd.Output;
import dev.forkd.SpawnException;
import dev.forkd.internal.io.Dispatch;
import dev.forkd.internal.io.EventLoop;
import dev.forkd.internal.io.PipeReader;
import java.io.IOException;
import java.io.OutputStream;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;

/**
 * The exec family: spawn, feed {@code input}, capture stdout/stderr up to maxBuffer, enforce the timeout,
 * and turn the end into an {@link Output} or an {@link ExitException}.
 *
 * <p>The child always gets a process group of its own so that a timeout, maxBuffer or cancellation kills
 * its descendants too (e.g. the {@code sleep} of {@code sh -c 'sleep 100 & wait'}): first
 * {@code killSignal} to the group, then SIGKILL to whatever is left after {@code killGrace}.
 */
public final class ExecRunner {
    private final Command command;
    private final ExecOptions options;
    private final boolean checkStatus;
    /** Async variants: complete the user's future through Dispatch.EVENTS (user stages may block). */
    private final boolean dispatch;
    private final CompletableFuture<Output> result = new CompletableFuture<>();
    private final EventLoop loop = EventLoop.get();
    /**
     * Set once the spawn has returned. The child's output can overflow maxBuffer before that (the readers
     * start inside the spawn): a kill asked for meanwhile is recorded in {@link #killing} and applied by
     * {@link #run} as soon as the child is known. Both under this object's lock.
     */
    private PosixChildProcess child;
    private Capture out;
    private Capture err;
    private EventLoop.Timer timeoutTimer;
    private boolean killing; // guarded by this
    private volatile boolean killed;
    private volatile boolean timedOut;

    private ExecRunner(Command command, ExecOptions options, boolean checkStatus, boolean dispatch) {
        this.command = command;
        this.options = options;
        this.checkStatus = checkStatus;
        this.dispatch = dispatch;
    }

    /**
     * Starts the command. The future completes with the output, or fails with {@link ExitException} (only if
     * {@code checkStatus}) or {@link SpawnException}. Cancelling it kills the child's tree.
     */
    public static CompletableFuture<Output> start(Command command, ExecOptions options, StdioPlan.Mode mode,
                                                  boolean checkStatus) {
        ExecRunner r = new ExecRunner(command, options, checkStatus, mode != StdioPlan.Mode.SYNC);
        // Validation errors (NUL bytes, bad stdio) are the caller's bug: thrown, not folded into the future.
        SpawnRequest req = SpawnRequest.of(command, mode, options.input() != null, true);
        try {
            r.run(req);
        } catch (SpawnException e) {
            r.result.completeExceptionally(e);
        }
        return r.result;
    }

    private void run(SpawnRequest req) throws SpawnException {
        PosixChildProcess started = PosixChildProcess.start(req, fd -> switch (fd) {
            case 1 -> out = new Capture(options.maxBuffer(), this::killTree, this::fail);
            case 2 -> err = new Capture(options.maxBuffer(), this::killTree, this::fail);
            default -> null;
        }, options.maxBuffer() > Capture.PIPE_GROWTH_THRESHOLD);
        boolean killNow;
        synchronized (this) {
            child = started;
            killNow = killing;
        }
        if (killNow) signalTree(started); // an overflow came first
        if (options.hasTimeout()) {
            timeoutTimer = loop.schedule(options.timeout().toNanos(), () -> {
                if (child.exitStatus().isEmpty()) {
                    timedOut = true;
                    killTree();
                }
            });
        }
        if (options.input() != null) feed(options.input());
        result.whenComplete((o, e) -> {
            if (e instanceof CancellationException && child.exitStatus().isEmpty()) killTree();
        });
        child.closedFuture().whenComplete((st, e) -> {
            Runnable end = e == null ? () -> finish(st) : () -> result.completeExceptionally(unwrap(e));
            if (dispatch) Dispatch.EVENTS.execute(end);
            else end.run();
        });
    }

    private static Throwable unwrap(Throwable e) {
        return e instanceof CompletionException && e.getCause() != null ? e.getCause() : e;
    }

    /** Writes the input on a virtual thread; a child that exits without reading it is not an error. */
    private void feed(byte[] input) {
        OutputStream stdin = child.stdin();
        Thread.ofVirtual().name("forkd-input").start(() -> {
            try (stdin) {
                stdin.write(input);
            } catch (IOException ignored) {
                // EPIPE: the child closed stdin or exited; its exit status tells the story
            }
        });
    }

    /**
     * A capture's reader failed (a read error, or a bug in forkd's sink): the operation fails with it, and the
     * child, whose output can no longer be collected, is killed.
     */
    private void fail(IOException error) {
        result.completeExceptionally(error);
        killTree();
    }

    /** killSignal to the tree now, SIGKILL to what is left after the grace period. Once; any thread. */
    private void killTree() {
        PosixChildProcess c;
        synchronized (this) {
            if (killing) return;
            killing = true;
            c = child;
        }
        if (c != null) signalTree(c); // else run() does it once the spawn has returned
    }

    private void signalTree(PosixChildProcess c) {
        killed = true;
        c.signalTree(options.killSignal());
        loop.schedule(options.killGrace().toNanos(), () -> c.signalTree(dev.forkd.Signal.SIGKILL));
    }

    private void finish(ExitStatus status) {
        try {
            complete(status);
        } catch (Throwable t) {
            result.completeExceptionally(t); // never leave the caller waiting
        }
    }

    private void complete(ExitStatus status) {
        if (timeoutTimer != null) timeoutTimer.cancel();
        byte[] o = out != null ? out.bytes() : new byte[0];
        byte[] e = err != null ? err.bytes() : new byte[0];
        boolean overflowed = (out != null && out.overflowed()) || (err != null && err.overflowed());
        Output output = new Output(status, o, e, options.encoding(), timedOut, overflowed);
        if (checkStatus && (!status.success() || output.timedOut() || overflowed)) {
            result.completeExceptionally(new ExitException(child.request().display(), output, killed,
                    output.timedOut(), overflowed));
        } else {
            result.complete(output);
        }
    }

    /** Waits for a sync variant; interruption kills the child and is rethrown. */
    public static Output await(CompletableFuture<Output> future) throws IOException, InterruptedException {
        try {
            return future.get();
        } catch (InterruptedException e) {
            future.cancel(true);
            throw e;
        } catch (ExecutionException | CompletionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof IOException io) {
                io.addSuppressed(new Exception("waited for here"));
                throw io;
            }
            if (cause instanceof RuntimeException re) throw re;
            throw new IOException(cause);
        }
    }
}
