package dev.forkd.internal.io;

import dev.forkd.internal.posix.Errno;
import dev.forkd.internal.posix.LibC;
import dev.forkd.internal.posix.PosixException;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.util.concurrent.CompletableFuture;

/**
 * Pumps one parent-side read fd (a child's stdout, stderr or an extra pipe) on the {@link EventLoop} into a
 * {@link Sink}. Owns the fd: it is closed at EOF, on error, or by {@link #close()}, always on the loop thread.
 */
public final class PipeReader {
    /** Where the bytes go. Both methods run on the loop thread and must not block. */
    public interface Sink {
        /**
         * {@code length} bytes at the start of {@code buffer}, which is reused after the call: copy what you
         * keep. Return false to pause reading until {@link PipeReader#resume()}.
         */
        boolean onData(MemorySegment buffer, int length);

        /** Called once: at EOF (error null), on a read error, or when the reader was closed. */
        void onEnd(IOException error);
    }

    private static final System.Logger LOG = LazyLogger.of("dev.forkd");

    /** Reads per readiness event before yielding to other fds. */
    private static final int READS_PER_EVENT = 16;

    private final EventLoop loop;
    private final Fd fd;
    private final Sink sink;
    private final CompletableFuture<Void> done = new CompletableFuture<>();
    private volatile long token = -1; // set by the starting thread, then loop thread only
    private boolean paused;
    private boolean finished;

    private PipeReader(EventLoop loop, Fd fd, Sink sink) {
        this.loop = loop;
        this.fd = fd;
        this.sink = sink;
    }

    /** Makes fd non-blocking and starts pumping it. */
    public static PipeReader start(Fd fd, Sink sink) throws PosixException {
        Fds.setNonBlocking(fd.value());
        EventLoop loop = EventLoop.get();
        PipeReader r = new PipeReader(loop, fd, sink);
        // Registered from this thread (no loop hop); the fd is closed only by finish(), on the loop, after
        // the unregister, so its number cannot be reused while it is registered.
        long token = loop.newToken();
        r.token = token;
        if (!loop.register(fd.value(), LibC.EPOLLIN, token, r::ready)) {
            r.token = -1;
            loop.execute(() -> r.finish(new IOException("cannot watch " + fd)));
        }
        return r;
    }

    /** Completes once the fd is closed (EOF, error or close()). */
    public CompletableFuture<Void> done() {
        return done;
    }

    /**
     * What closes this reader's fd once its sink is unreachable: it holds the fd and the done future, not the
     * reader or the sink. Safe because a reader whose sink can be collected is not registered (the loop's
     * handler table would hold the sink otherwise): it is paused or finished, so nothing uses the fd.
     */
    Runnable releaser() {
        EventLoop l = loop;
        Fd f = fd;
        CompletableFuture<Void> d = done;
        return () -> l.execute(() -> {
            f.close();
            d.complete(null);
        });
    }

    /** Resumes a paused reader; any thread. */
    public void resume() {
        loop.execute(() -> {
            if (paused && !finished) {
                paused = false;
                arm();
            }
        });
    }

    /** Stops reading and closes the fd; any thread. The sink gets onEnd(null) if it has not ended yet. */
    public void close() {
        loop.execute(() -> finish(null));
    }

    private void arm() {
        if (finished) return;
        long t = loop.newToken();
        if (loop.register(fd.value(), LibC.EPOLLIN, t, this::ready)) {
            token = t;
        } else {
            finish(new IOException("cannot watch " + fd));
        }
    }

    private void ready(int events) {
        MemorySegment buf = loop.scratch();
        for (int i = 0; i < READS_PER_EVENT && !finished; i++) {
            long n = LibC.read(fd.value(), buf, EventLoop.SCRATCH_SIZE);
            if (n > 0) {
                boolean more;
                try {
                    more = sink.onData(buf, (int) n);
                } catch (RuntimeException | Error e) {
                    // A failing sink ends this reader (and its operation, through onEnd), never the loop: left
                    // registered, a level-triggered fd with data would call it again for ever.
                    finish(new IOException("forkd's reader of " + fd + " failed", e));
                    return;
                }
                if (!more) {
                    // Unregister rather than clear the interest: epoll reports EPOLLHUP whatever the mask,
                    // so a paused pipe whose writer has gone would otherwise spin the loop.
                    loop.unregister(fd.number(), token);
                    token = -1;
                    paused = true;
                    return;
                }
                if (n < EventLoop.SCRATCH_SIZE) return; // drained for now; level-triggered epoll calls again
            } else if (n == 0) {
                finish(null);
            } else {
                int err = LibC.errno();
                if (err == Errno.EAGAIN) return;
                if (err != Errno.EINTR) finish(new PosixException("read", err, fd.toString()));
            }
        }
    }

    private void finish(IOException error) {
        if (finished) return;
        finished = true;
        if (token >= 0) {
            loop.unregister(fd.number(), token);
            token = -1;
        }
        fd.close();
        try {
            sink.onEnd(error);
        } catch (RuntimeException | Error e) {
            LOG.log(System.Logger.Level.ERROR, "forkd's reader of " + fd + ": its sink failed at the end", e);
        } finally {
            done.complete(null);
        }
    }
}
