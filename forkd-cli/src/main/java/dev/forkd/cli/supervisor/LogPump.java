package dev.forkd.cli.supervisor;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.OffsetDateTime;
import java.time.format.DateTimeFormatter;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Moves one output stream of an instance into its {@link RotatingLog} without ever letting the disk slow
 * the app down: a reader drains the pipe into a bounded queue; a writer takes from it to the file. When the
 * queue is full (a slow or full disk), the reader drops what it read and counts the bytes and lines, which
 * {@code forkd describe} shows. With {@code timestamps}, each line starts with the time it was read.
 */
final class LogPump {
    private static final int QUEUE_CHUNKS = 256; // of at most 16 KiB each: 4 MiB in flight at most
    private static final DateTimeFormatter TIME = DateTimeFormatter.ISO_OFFSET_DATE_TIME;
    private static final byte[] END = new byte[0];

    private final RotatingLog log;
    private final boolean timestamps;
    private final BlockingQueue<byte[]> queue = new ArrayBlockingQueue<>(QUEUE_CHUNKS);
    private final AtomicLong droppedBytes;
    private final AtomicLong droppedLines;
    private final AtomicLong writeErrors;
    private volatile String lastError;
    private boolean atLineStart = true; // writer thread

    LogPump(RotatingLog log, boolean timestamps, AtomicLong droppedBytes, AtomicLong droppedLines, AtomicLong writeErrors) {
        this.log = log;
        this.timestamps = timestamps;
        this.droppedBytes = droppedBytes;
        this.droppedLines = droppedLines;
        this.writeErrors = writeErrors;
    }

    String lastError() {
        return lastError;
    }

    /** Starts pumping {@code in} until its end; returns the writer thread, which ends after the last byte. */
    Thread start(InputStream in, String name) {
        Thread.ofVirtual().name(name + "-read").start(() -> read(in));
        return Thread.ofVirtual().name(name + "-write").start(this::write);
    }

    private void read(InputStream in) {
        byte[] buf = new byte[16 * 1024];
        try (in) {
            for (int n; (n = in.read(buf)) >= 0; ) {
                if (n == 0) continue;
                byte[] chunk = java.util.Arrays.copyOf(buf, n);
                if (!queue.offer(chunk)) drop(chunk);
            }
        } catch (IOException e) {
            // the pipe ended with an error: like EOF
        } finally {
            try {
                queue.put(END);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private void drop(byte[] chunk) {
        droppedBytes.addAndGet(chunk.length);
        long lines = 0;
        for (byte b : chunk) if (b == '\n') lines++;
        droppedLines.addAndGet(Math.max(lines, 1));
    }

    private void write() {
        try {
            while (true) {
                byte[] chunk = queue.poll(200, TimeUnit.MILLISECONDS);
                if (chunk == null) {
                    flush();
                    continue;
                }
                boolean last = chunk == END;
                if (last) {
                    if (carry.size() == 0) break;
                    chunk = carry.toByteArray(); // the last line, without its line feed
                    carry.reset();
                } else {
                    chunk = wholeLines(chunk);
                    if (chunk.length == 0) continue;
                }
                try {
                    if (timestamps) writeStamped(chunk);
                    else log.write(chunk, 0, chunk.length);
                } catch (IOException e) {
                    // A full disk or a log directory that went away: count, keep the app running, retry later.
                    writeErrors.incrementAndGet();
                    lastError = e.toString();
                    drop(chunk);
                }
                if (last) break;
            }
            flush();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void flush() {
        try {
            log.flush();
        } catch (IOException e) {
            writeErrors.incrementAndGet();
            lastError = e.toString();
        }
    }

    /** Bytes of an unfinished line, held until its line feed comes (writer thread). */
    private final java.io.ByteArrayOutputStream carry = new java.io.ByteArrayOutputStream();
    /** A line longer than this is written in pieces rather than held. */
    private static final int MAX_CARRY = 64 * 1024;

    /**
     * The whole lines of what has arrived so far; the rest is kept for the next chunk. So each write to the log
     * ends at a line feed and a rotation never cuts a line (or a timestamp from its line) in two.
     */
    private byte[] wholeLines(byte[] chunk) {
        int lastLf = -1;
        for (int i = chunk.length - 1; i >= 0; i--) {
            if (chunk[i] == '\n') {
                lastLf = i;
                break;
            }
        }
        if (lastLf < 0) {
            carry.write(chunk, 0, chunk.length);
            if (carry.size() < MAX_CARRY) return new byte[0];
            byte[] all = carry.toByteArray();
            carry.reset();
            return all;
        }
        byte[] out = new byte[carry.size() + lastLf + 1];
        byte[] head = carry.toByteArray();
        System.arraycopy(head, 0, out, 0, head.length);
        System.arraycopy(chunk, 0, out, head.length, lastLf + 1);
        carry.reset();
        carry.write(chunk, lastLf + 1, chunk.length - lastLf - 1);
        return out;
    }

    /** Writes whole lines, each after the time it was read, in one write (one rotation decision). */
    private void writeStamped(byte[] chunk) throws IOException {
        java.io.ByteArrayOutputStream b = new java.io.ByteArrayOutputStream(chunk.length + 64);
        int start = 0;
        byte[] stamp = null;
        for (int i = 0; i < chunk.length; i++) {
            if (atLineStart) {
                if (stamp == null) stamp = (OffsetDateTime.now().format(TIME) + " ").getBytes(StandardCharsets.UTF_8);
                b.write(stamp, 0, stamp.length);
                atLineStart = false;
            }
            if (chunk[i] == '\n') {
                b.write(chunk, start, i + 1 - start);
                start = i + 1;
                atLineStart = true;
            }
        }
        if (start < chunk.length) b.write(chunk, start, chunk.length - start);
        byte[] all = b.toByteArray();
        log.write(all, 0, all.length);
    }
}
