package dev.forkd.internal.spawn;

import dev.forkd.internal.io.PipeReader;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * Collects a child's output for the exec family: keeps at most {@code max} bytes, then calls the overflow
 * action once and discards the rest (still reading, so that the child never blocks on a full pipe).
 *
 * <p>The first {@value #HEAP_BYTES} bytes gather in a small growing {@code byte[]}; beyond that, off-heap, in
 * native chunks of growing size (never copied while they fill); all become one exact-size {@code byte[]} at
 * the end. So a capture of hundreds of MiB puts no intermediate chunks on the Java heap for the garbage
 * collector to scan or copy, and the usual few bytes need no arena: closing a shared arena is a handshake with
 * every Java thread (the VM thread ran ~5,000 times a second in a loop of {@code execFile("echo")} when each
 * capture had one). Loop thread only until the reader is done; {@link #bytes()} once, after.
 */
final class Capture implements PipeReader.Sink {
    /** A byte[] cannot be longer than this: a larger maxBuffer is capped here. */
    static final long MAX_ARRAY = Integer.MAX_VALUE - 16;
    /** Above this maxBuffer the capture pipes are enlarged (F_SETPIPE_SZ) so one read moves up to 1 MiB. */
    static final long PIPE_GROWTH_THRESHOLD = 64 * 1024;
    private static final long INITIAL = 64 * 1024;

    private static final long MAX_CHUNK = 8L << 20;

    private final long max;
    private final Runnable onOverflow;
    private final java.util.function.Consumer<IOException> onError;
    /** What does not fit the heap part; created on first need. */
    private Arena arena; // filled on the loop, read by the thread finishing the exec: shared
    private static final int HEAP_BYTES = 64 * 1024;
    private byte[] head = new byte[0];
    private int headLen;
    private final java.util.ArrayList<MemorySegment> chunks = new java.util.ArrayList<>();
    private MemorySegment current;
    private long used; // in current
    private long size;
    private boolean overflowed;

    Capture(long max, Runnable onOverflow, java.util.function.Consumer<IOException> onError) {
        this.max = Math.min(max, MAX_ARRAY);
        this.onOverflow = onOverflow;
        this.onError = onError;
    }

    @Override
    public boolean onData(MemorySegment data, int length) {
        if (overflowed) return true;
        int keep = (int) Math.min(length, max - size);
        long off = 0;
        if (headLen < HEAP_BYTES && keep > 0) {
            int n = Math.min(keep, HEAP_BYTES - headLen);
            if (headLen + n > head.length) {
                head = java.util.Arrays.copyOf(head, Math.min(HEAP_BYTES, Math.max(Math.max(256, head.length * 2), headLen + n)));
            }
            MemorySegment.copy(data, ValueLayout.JAVA_BYTE, 0, head, headLen, n);
            headLen += n;
            off = n;
        }
        while (off < keep) {
            if (current == null || used == current.byteSize()) {
                // Each chunk as large as everything so far (64 KiB first, 8 MiB at most): few chunks, no copies.
                if (arena == null) arena = Arena.ofShared();
                current = arena.allocate(Math.min(MAX_CHUNK, Math.max(INITIAL, size)), 8);
                chunks.add(current);
                used = 0;
            }
            long n = Math.min(keep - off, current.byteSize() - used);
            MemorySegment.copy(data, off, current, used, n);
            used += n;
            off += n;
        }
        size += keep;
        if (keep < length) {
            overflowed = true;
            onOverflow.run();
        }
        return true;
    }

    @Override
    public void onEnd(IOException error) {
        if (error != null) onError.accept(error); // the output is incomplete: the operation fails with it
    }

    boolean overflowed() {
        return overflowed;
    }

    /** The captured bytes; frees the native chunks. Call once. */
    byte[] bytes() {
        if (arena == null) return headLen == head.length ? head : java.util.Arrays.copyOf(head, headLen);
        byte[] all = new byte[(int) size];
        System.arraycopy(head, 0, all, 0, headLen);
        long pos = headLen;
        for (MemorySegment c : chunks) {
            long n = Math.min(c.byteSize(), size - pos);
            MemorySegment.copy(c, ValueLayout.JAVA_BYTE, 0, all, (int) pos, (int) n);
            pos += n;
        }
        chunks.clear();
        current = null;
        head = null;
        arena.close();
        return all;
    }
}
