package dev.forkd.internal.spawn;

import dev.forkd.internal.io.PipeReader;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * Collects a child's output for the exec family: keeps at most {@code max} bytes, then calls the overflow
 * action once and discards the rest (still reading, so that the child never blocks on a full pipe).
 * Loop thread only until the reader is done; {@link #bytes()} afterwards.
 */
final class Capture implements PipeReader.Sink {
    private final long max;
    private final Runnable onOverflow;
    private final List<byte[]> chunks = new ArrayList<>();
    private long size;
    private boolean overflowed;

    Capture(long max, Runnable onOverflow) {
        this.max = max;
        this.onOverflow = onOverflow;
    }

    @Override
    public boolean onData(byte[] chunk) {
        if (overflowed) return true;
        long room = max - size;
        if (chunk.length <= room) {
            chunks.add(chunk);
            size += chunk.length;
            return true;
        }
        if (room > 0) {
            byte[] part = new byte[(int) room];
            System.arraycopy(chunk, 0, part, 0, part.length);
            chunks.add(part);
            size += part.length;
        }
        overflowed = true;
        onOverflow.run();
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
