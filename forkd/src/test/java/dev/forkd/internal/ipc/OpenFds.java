package dev.forkd.internal.ipc;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

/** Counts this process's open fds from /proc/self/fd, for leak checks. */
final class OpenFds {
    private OpenFds() {}

    static long count() {
        try (Stream<Path> s = Files.list(Path.of("/proc/self/fd"))) {
            return s.count() - 1; // the directory stream's own fd
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
