package dev.forkd.jetty;

import dev.forkd.cluster.ClusterServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.Objects;
import org.eclipse.jetty.server.ConnectionFactory;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;

/**
 * A Jetty 12 {@link ServerConnector} that serves a forkd cluster port.
 *
 * <p>SHARED and REUSEPORT: Jetty accepts on the worker's listening socket as usual. Round robin policies:
 * the primary hands connections over, and the connector's acceptor thread takes them from
 * {@link ClusterServer#accept()} and gives them to Jetty's selectors; Jetty's own accept channel is then an
 * unused placeholder and {@link #getLocalPort()} reports the cluster port.
 *
 * {@snippet :
 * Server server = new Server();
 * server.addConnector(new ClusterConnector(server, Cluster.worker().orElseThrow().listen(8080)));
 * server.setHandler(handler);
 * server.start();
 * }
 */
public class ClusterConnector extends ServerConnector {
    private final ClusterServer cluster;

    /** HTTP/1.1 on {@code cluster}. */
    public ClusterConnector(Server server, ClusterServer cluster) {
        this(server, cluster, new HttpConnectionFactory());
    }

    public ClusterConnector(Server server, ClusterServer cluster, ConnectionFactory... factories) {
        // One acceptor thread: it is the one that calls accept() below (0 would accept on the selectors).
        super(server, null, null, null, 1, -1, factories);
        this.cluster = Objects.requireNonNull(cluster, "cluster");
    }

    /** The cluster port this connector serves. */
    public ClusterServer clusterServer() {
        return cluster;
    }

    @Override
    protected ServerSocketChannel openAcceptChannel() throws IOException {
        if (cluster.serverChannel().isPresent()) return cluster.serverChannel().get();
        // Round robin: Jetty wants an accept channel; connections come from the primary instead.
        ServerSocketChannel placeholder = ServerSocketChannel.open();
        placeholder.bind(new InetSocketAddress(java.net.InetAddress.getLoopbackAddress(), 0), 1);
        return placeholder;
    }

    @Override
    public void accept(int acceptorID) throws IOException {
        if (!cluster.isOpen()) {
            // Draining: the port is given up but Jetty runs until the drain ends. Jetty's acceptor calls again
            // at once, so wait here instead of spinning (or logging a ClosedChannelException per call).
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return;
        }
        if (cluster.serverChannel().isPresent()) {
            super.accept(acceptorID);
            return;
        }
        SocketChannel channel;
        try {
            channel = cluster.accept();
        } catch (java.nio.channels.ClosedChannelException e) {
            if (!cluster.isOpen()) return; // closed while waiting: the drain started
            throw e;
        }
        channel.configureBlocking(false);
        configure(channel.socket());
        getSelectorManager().accept(channel);
    }

    @Override
    public int getLocalPort() {
        return cluster.localAddress().getPort();
    }

    @Override
    public void close() {
        super.close();
        try {
            cluster.close();
        } catch (IOException ignored) {
            // the port is being given up anyway
        }
    }
}
