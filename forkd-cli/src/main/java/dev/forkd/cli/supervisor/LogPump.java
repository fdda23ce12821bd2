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
                if (chunk == END) break;
                try {
                    if (timestamps) writeStamped(chunk);
                    else log.write(chunk, 0, chunk.length);
                } catch (IOException e) {
                    // A full disk or a log directory that went away: count, keep the app running, retry later.
                    writeErrors.incrementAndGet();
                    lastError = e.toString();
                    drop(chunk);
                }
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

    private void writeStamped(byte[] chunk) throws IOException {
        int start = 0;
        for (int i = 0; i < chunk.length; i++) {
            if (atLineStart) {
                byte[] stamp = (OffsetDateTime.now().format(TIME) + " ").getBytes(StandardCharsets.UTF_8);
                log.write(stamp, 0, stamp.length);
                atLineStart = false;
            }
            if (chunk[i] == '\n') {
                log.write(chunk, start, i + 1 - start);
                start = i + 1;
                atLineStart = true;
            }
        }
        if (start < chunk.length) log.write(chunk, start, chunk.length - start);
    }
}
