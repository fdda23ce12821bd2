package dev.forkd.cli.supervisor;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;

/**
 * A log file that rotates itself by size: {@code app-0-out.log} is the current one; when it would pass
 * {@code maxBytes} it becomes {@code app-0-out.log.1} (the older ones move up, the oldest beyond
 * {@code keep} is deleted) and a new current file starts. Shared by the processes an instance runs one after
 * the other (and, during a reload, side by side): writes and rotations are serialised.
 */
final class RotatingLog implements AutoCloseable {
    private final Path file;
    private final long maxBytes;
    private final int keep;
    private OutputStream out;
    private long size;

    RotatingLog(Path file, long maxBytes, int keep) {
        this.file = file;
        this.maxBytes = maxBytes;
        this.keep = keep;
    }

    Path file() {
        return file;
    }

    /** Appends; rotates first if this chunk would pass the limit (a chunk larger than the limit gets a file of its own). */
    synchronized void write(byte[] b, int off, int len) throws IOException {
        if (out == null) open();
        if (size > 0 && size + len > maxBytes) {
            rotate();
        }
        out.write(b, off, len);
        size += len;
    }

    synchronized void flush() throws IOException {
        if (out != null) out.flush();
    }

    private void open() throws IOException {
        Files.createDirectories(file.getParent());
        out = Files.newOutputStream(file, StandardOpenOption.CREATE, StandardOpenOption.APPEND, StandardOpenOption.WRITE);
        size = Files.size(file);
    }

    private void rotate() throws IOException {
        out.close();
        out = null;
        Files.deleteIfExists(rotated(keep));
        for (int i = keep - 1; i >= 1; i--) {
            Path from = rotated(i);
            if (Files.exists(from)) Files.move(from, rotated(i + 1), StandardCopyOption.REPLACE_EXISTING);
        }
        Files.move(file, rotated(1), StandardCopyOption.REPLACE_EXISTING);
        open();
    }

    Path rotated(int i) {
        return file.resolveSibling(file.getFileName() + "." + i);
    }

    @Override
    public synchronized void close() throws IOException {
        if (out != null) out.close();
        out = null;
    }
}
