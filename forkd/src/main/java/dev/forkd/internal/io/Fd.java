package dev.forkd.internal.io;

import dev.forkd.internal.posix.LibC;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * An owned file descriptor: one owner, one close point, close-once. Every fd forkd creates in the parent is
 * opened with O_CLOEXEC so that no spawn (ours or the JDK's) can inherit it by accident.
 */
public final class Fd implements AutoCloseable {
    private final int value;
    private final AtomicBoolean closed = new AtomicBoolean();

    public Fd(int value) {
        if (value < 0) throw new IllegalArgumentException("negative fd " + value);
        this.value = value;
    }

    public int value() {
        if (closed.get()) throw new IllegalStateException("fd " + value + " is closed");
        return value;
    }

    /** The number, even after close; for messages and for epoll bookkeeping only. */
    public int number() {
        return value;
    }

    public boolean isClosed() {
        return closed.get();
    }

    /** Closes the fd once; later calls do nothing. EINTR is not retried (Linux always releases the fd). */
    @Override
    public void close() {
        if (closed.compareAndSet(false, true)) {
            LibC.close(value);
        }
    }

    @Override
    public String toString() {
        return "fd " + value + (closed.get() ? " (closed)" : "");
    }
}
