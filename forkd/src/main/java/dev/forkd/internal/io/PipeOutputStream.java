package dev.forkd.internal.io;

import dev.forkd.internal.posix.Errno;
import dev.forkd.internal.posix.LibC;
import dev.forkd.internal.posix.PosixException;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The parent's end of a child's stdin (or another write pipe): an ordinary blocking {@link OutputStream}.
 *
 * <p>The fd is non-blocking. A write goes straight to write(2) on the caller's thread; when the pipe is full
 * the caller parks until the event loop sees EPOLLOUT, so a blocked writer costs a virtual thread nothing and
 * pins no carrier. A child that has closed its end makes write throw "Broken pipe" (never SIGPIPE: the JVM
 * ignores it).
 */
public final class PipeOutputStream extends OutputStream {
    private static final int CHUNK = 64 * 1024;

    private final EventLoop loop = EventLoop.get();
    private final Fd fd;
    /** Serialises writers, held across waits for writability. */
    private final ReentrantLock writeLock = new ReentrantLock();
    /** Guards the fd number against close-and-reuse while a syscall is using it. */
    private final ReentrantLock fdLock = new ReentrantLock();
    private final CompletableFuture<Void> closedFuture = new CompletableFuture<>();
    private volatile boolean closed;
    private volatile boolean childExited;
    private CompletableFuture<Void> writable; // loop thread + fdLock
    private long token = -1;                 // loop thread

    public PipeOutputStream(Fd fd) throws PosixException {
        Fds.setNonBlocking(fd.value());
        this.fd = fd;
    }

    @Override
    public void write(int b) throws IOException {
        write(new byte[] {(byte) b}, 0, 1);
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
        Objects.checkFromIndexSize(off, len, b.length);
        writeLock.lock();
        try {
            while (len > 0) {
                int chunk = Math.min(len, CHUNK);
                long n;
                int err = 0;
                fdLock.lock();
                try {
                    if (closed) throw new IOException(childExited ? "Stream closed: the child has exited" : "Stream closed");
                    // From the array itself: no native buffer (a shared arena per stream cost a handshake with
                    // every Java thread when it was closed). The fd is non-blocking, so the call is short.
                    n = LibC.writeArray(fd.value(), b, off, chunk);
                    if (n < 0) err = LibC.errno();
                } finally {
                    fdLock.unlock();
                }
                if (n >= 0) {
                    off += (int) n;
                    len -= (int) n;
                } else if (err == Errno.EAGAIN) {
                    awaitWritable();
                } else if (err == Errno.EPIPE) {
                    throw new IOException("Broken pipe: the child closed its end of " + fd);
                } else if (err != Errno.EINTR) {
                    throw new PosixException("write", err, fd.toString());
                }
            }
        } finally {
            writeLock.unlock();
        }
    }

    private void awaitWritable() throws IOException {
        CompletableFuture<Void> ready = new CompletableFuture<>();
        loop.execute(() -> {
            if (closed) {
                ready.complete(null);
                return;
            }
            writable = ready;
            token = loop.register(fd.value(), LibC.EPOLLOUT, ev -> {
                loop.unregister(fd.number(), token);
                token = -1;
                writable = null;
                ready.complete(null);
            });
            if (token < 0) ready.complete(null);
        });
        try {
            ready.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while writing to a child");
        } catch (ExecutionException e) {
            throw new IOException(e.getCause());
        }
    }

    /** Completes when the fd has been closed. */
    public CompletableFuture<Void> closedFuture() {
        return closedFuture;
    }

    /**
     * Closes the pipe because its reader, the child, has been reaped; later writes say so. A write blocked
     * on a full pipe (a grandchild holds the other end and does not read) fails at once.
     */
    public void closeAtExit() {
        childExited = true;
        close();
    }

    /** Closes the pipe (the child reads EOF); idempotent, never blocks on a full pipe. */
    @Override
    public void close() {
        if (closed) return;
        closed = true;
        loop.execute(() -> {
            fdLock.lock();
            try {
                if (token >= 0) {
                    loop.unregister(fd.number(), token);
                    token = -1;
                }
                fd.close();
                if (writable != null) writable.complete(null);
            } finally {
                fdLock.unlock();
            }
            closedFuture.complete(null);
        });
    }
}
