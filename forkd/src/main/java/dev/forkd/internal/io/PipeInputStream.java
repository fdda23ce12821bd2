package dev.forkd.internal.io;

import java.io.IOException;
import java.io.InputStream;
import java.lang.ref.Cleaner;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayDeque;
import java.util.Objects;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The parent's view of a child's output pipe: an ordinary blocking {@link InputStream} fed by the event loop.
 *
 * <p>Flow control: the loop buffers up to {@value #HIGH_WATER} bytes that nobody has read yet, then stops
 * reading the pipe (so a child that writes faster than the parent reads blocks in write(2), exactly as with
 * a plain pipe); reading below {@value #LOW_WATER} starts the pump again. A blocked {@code read} parks, so
 * it costs a virtual thread nothing.
 */
public final class PipeInputStream extends InputStream implements PipeReader.Sink {
    static final int HIGH_WATER = 1 << 20;
    static final int LOW_WATER = 256 * 1024;

    private final ReentrantLock lock = new ReentrantLock();
    private final Condition readable = lock.newCondition();
    private final ArrayDeque<byte[]> chunks = new ArrayDeque<>();
    private int headPos;
    private long buffered;
    private boolean ended;
    private boolean paused;
    private boolean closed;
    private IOException error;
    private PipeReader reader;

    /** Closes the pipe of a stream that became unreachable unread (a child dropped without close()). */
    private static final Cleaner CLEANER = Cleaner.create(Thread.ofPlatform().daemon().name("forkd-cleaner").factory());

    /** Connects the stream to its reader; called once, right after the reader started. */
    public void attach(PipeReader reader) {
        this.reader = reader;
        CLEANER.register(this, reader.releaser());
    }

    @Override
    public boolean onData(MemorySegment buffer, int length) {
        byte[] chunk = buffer.asSlice(0, length).toArray(ValueLayout.JAVA_BYTE);
        lock.lock();
        try {
            if (closed) return true;
            chunks.add(chunk);
            buffered += chunk.length;
            readable.signalAll();
            if (buffered >= HIGH_WATER) {
                paused = true;
                return false;
            }
            return true;
        } finally {
            lock.unlock();
        }
    }

    @Override
    public void onEnd(IOException error) {
        lock.lock();
        try {
            ended = true;
            this.error = error;
            readable.signalAll();
        } finally {
            lock.unlock();
        }
    }

    @Override
    public int read() throws IOException {
        byte[] one = new byte[1];
        int n = read(one, 0, 1);
        return n < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        Objects.checkFromIndexSize(off, len, b.length);
        if (len == 0) return 0;
        boolean resume = false;
        int copied = 0;
        lock.lock();
        try {
            while (chunks.isEmpty()) {
                if (closed) throw new IOException("Stream closed");
                if (ended) {
                    if (error != null) throw new IOException(error.getMessage(), error);
                    return -1;
                }
                try {
                    readable.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new java.io.InterruptedIOException("interrupted while reading a child's output");
                }
            }
            while (copied < len && !chunks.isEmpty()) {
                byte[] head = chunks.peek();
                int n = Math.min(len - copied, head.length - headPos);
                System.arraycopy(head, headPos, b, off + copied, n);
                copied += n;
                headPos += n;
                if (headPos == head.length) {
                    chunks.poll();
                    headPos = 0;
                }
            }
            buffered -= copied;
            if (paused && buffered <= LOW_WATER) {
                paused = false;
                resume = true;
            }
        } finally {
            lock.unlock();
        }
        if (resume) reader.resume();
        return copied;
    }

    @Override
    public int available() {
        lock.lock();
        try {
            return (int) Math.min(Integer.MAX_VALUE, buffered);
        } finally {
            lock.unlock();
        }
    }

    /** Discards what is buffered and closes the pipe; the child gets EPIPE/SIGPIPE if it writes on. */
    @Override
    public void close() {
        lock.lock();
        try {
            if (closed) return;
            closed = true;
            chunks.clear();
            buffered = 0;
            readable.signalAll();
        } finally {
            lock.unlock();
        }
        reader.close();
    }
}
