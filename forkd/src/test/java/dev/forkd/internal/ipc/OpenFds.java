package dev.forkd.internal.ipc;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

/** Counts this process's open fds from /proc/self/fd, for leak checks. */
final class OpenFds {
    private OpenFds() {}

    /**
     * Opens what keeps fds for good once first used (the event loop's epoll and eventfd, a socket the JDK's
     * NIO keeps after its first server socket), so that a count taken afterwards sees only a test's own fds.
     */
    static void settle() {
        dev.forkd.internal.io.EventLoop.get();
        try {
            java.nio.channels.ServerSocketChannel.open()
                    .bind(new java.net.InetSocketAddress(java.net.InetAddress.getLoopbackAddress(), 0)).close();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    static long count() {
        try (Stream<Path> s = Files.list(Path.of("/proc/self/fd"))) {
            return s.count() - 1; // the directory stream's own fd
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
