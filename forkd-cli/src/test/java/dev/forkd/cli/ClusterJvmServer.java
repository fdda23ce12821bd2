package dev.forkd.cli;

import dev.forkd.cluster.Cluster;
import dev.forkd.cluster.ClusterServer;
import dev.forkd.cluster.WorkerContext;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;

/**
 * A forkd-aware JVM app for {@code --handoff cluster}: a cluster worker that listens on the port given as its
 * argument through {@link Cluster#worker()}, one line per connection, and stops on the primary's disconnect.
 */
public final class ClusterJvmServer {
    public static void main(String[] args) throws Exception {
        WorkerContext worker = Cluster.worker().orElseThrow(() -> new IllegalStateException("not a cluster worker"));
        long pid = ProcessHandle.current().pid();
        ClusterServer server = worker.listen(Integer.parseInt(args[0]));
        worker.onDisconnect(() -> {
            try {
                server.close();
            } catch (java.io.IOException ignored) {
                // closing anyway
            }
        });
        while (server.isOpen()) {
            SocketChannel c;
            try {
                c = server.accept();
            } catch (java.io.IOException closed) {
                break;
            }
            Thread.ofVirtual().start(() -> {
                try (c) {
                    c.read(ByteBuffer.allocate(256));
                    c.write(ByteBuffer.wrap(("served by " + pid + " jvm-worker " + worker.id() + "\n")
                            .getBytes(StandardCharsets.UTF_8)));
                } catch (java.io.IOException ignored) {
                    // the client went away
                }
            });
        }
    }
}
