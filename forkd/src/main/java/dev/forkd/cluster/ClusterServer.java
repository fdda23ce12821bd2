package dev.forkd.cluster;

import java.io.Closeable;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.Optional;

/**
 * A worker's view of a cluster port: where its connections come from, whatever the scheduling policy.
 *
 * <p>Plain NIO serves it with {@link #accept()} in a loop. Servers that want a listening socket of their own
 * use {@link #serverChannel()} when the policy provides one (SHARED, REUSEPORT); the forkd-jetty and
 * forkd-netty adapters handle both cases.
 *
 * {@snippet :
 * try (ClusterServer server = Cluster.worker().orElseThrow().listen(3000)) {
 *     while (true) {
 *         SocketChannel connection = server.accept();
 *         Thread.ofVirtual().start(() -> handle(connection));
 *     }
 * }
 * }
 */
public interface ClusterServer extends Closeable {
    /** The next connection for this worker; blocks (cheaply, on a virtual thread) until there is one. */
    SocketChannel accept() throws IOException;

    /** The listening socket this worker accepts on: present for SHARED and REUSEPORT, empty for round robin. */
    Optional<ServerSocketChannel> serverChannel();

    /** The address clients connect to (the real port, also when 0 was asked for). */
    InetSocketAddress localAddress();

    /** The policy the primary chose for this port. */
    SchedulingPolicy policy();

    boolean isOpen();

    /** Stops taking connections on this port (the primary stops sending them); open connections stay. */
    @Override
    void close() throws IOException;
}
