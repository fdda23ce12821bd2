package dev.forkd.internal.spawn;

import dev.forkd.internal.io.PipeReader;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;

/**
 * Collects a child's output for the exec family: keeps at most {@code max} bytes, then calls the overflow
 * action once and discards the rest (still reading, so that the child never blocks on a full pipe).
 * Loop thread only until the reader is done; {@link #bytes()} afterwards.
 */
final class Capture implements PipeReader.Sink {
    /** A byte[] cannot be longer than this: a larger maxBuffer is capped here. */
    static final long MAX_ARRAY = Integer.MAX_VALUE - 16;
    /** Above this maxBuffer the capture pipes are enlarged (F_SETPIPE_SZ) so one read moves up to 1 MiB. */
    static final long PIPE_GROWTH_THRESHOLD = 64 * 1024;

    private final long max;
    private final Runnable onOverflow;
    private final List<byte[]> chunks = new ArrayList<>();
    private long size;
    private boolean overflowed;

    Capture(long max, Runnable onOverflow) {
        this.max = Math.min(max, MAX_ARRAY);
        this.onOverflow = onOverflow;
    }

    @Override
    public boolean onData(MemorySegment buffer, int length) {
        if (overflowed) return true;
        long room = max - size;
        int keep = (int) Math.min(length, room);
        if (keep > 0) {
            chunks.add(buffer.asSlice(0, keep).toArray(ValueLayout.JAVA_BYTE));
            size += keep;
        }
        if (keep < length) {
            overflowed = true;
            onOverflow.run();
        }
        return true;
    }

    @Override
    public void onEnd(IOException error) {
        // A read error ends the capture like EOF; what was read is kept.
    }

    boolean overflowed() {
        return overflowed;
    }

    byte[] bytes() {
        if (chunks.size() == 1 && chunks.getFirst().length == size) return chunks.getFirst();
        byte[] all = new byte[(int) size];
        int pos = 0;
        for (byte[] c : chunks) {
            System.arraycopy(c, 0, all, pos, c.length);
            pos += c.length;
        }
        return all;
    }
}
