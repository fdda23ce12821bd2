package dev.forkd.snippets;

import dev.forkd.Command;
import dev.forkd.ForkOptions;
import dev.forkd.cluster.Cluster;
import dev.forkd.cluster.ClusterServer;
import dev.forkd.cluster.ClusterSettings;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;

/**
 * The examples of {@link Cluster}'s Javadoc. Compiled with the tests, not run by them: they listen on fixed
 * ports and run until killed (the cluster tests cover the same calls).
 */
final class ClusterSnippets {
    private ClusterSnippets() {}

    // @start region=main
    public static void main(String[] args) throws Exception {
        if (Cluster.isPrimary()) {
            Cluster cluster = Cluster.setupPrimary(ClusterSettings.of(ClusterSnippets.class.getName()).workers(2)); // @replace substring="ClusterSnippets.class" replacement="App.class"
            cluster.onEvent(e -> System.out.println(e));
            cluster.start();
            Thread.currentThread().join(); // until SIGTERM: workers drain, then the JVM exits
        } else {
            try (ClusterServer server = Cluster.worker().orElseThrow().listen(3000)) {
                while (true) serve(server.accept());
            }
        }
    }
    // @end

    static void mixed() throws Exception {
        // @start region=mixed
        Cluster cluster = Cluster.setupPrimary(ClusterSettings.of(ForkOptions.of("com.example.App")).workers(1));
        cluster.start();                                // a JVM worker
        cluster.fork(Command.of("node", "server.js"));  // and a Node worker on the same port
        // @end
    }

    private static void serve(SocketChannel connection) throws IOException {
        try (connection) {
            connection.write(ByteBuffer.wrap("HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok".getBytes(StandardCharsets.US_ASCII)));
        }
    }
}
