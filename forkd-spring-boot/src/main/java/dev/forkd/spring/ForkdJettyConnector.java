package dev.forkd.spring;

import java.io.IOException;
import java.nio.channels.SocketChannel;
import org.eclipse.jetty.server.ConnectionFactory;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;

/**
 * A Jetty {@link ServerConnector} whose connections come from a {@link ForkdPort}: its one acceptor thread
 * takes them from {@link ForkdPort#accept()} and gives them to Jetty's selectors. Made by the starter in place
 * of the connector Boot built, with that connector's executor, scheduler, buffer pool, selectors and
 * connection factories (HTTP/1.1, h2c, TLS as configured).
 */
final class ForkdJettyConnector extends ServerConnector {
    private final ForkdPort port;
    private volatile boolean open;

    ForkdJettyConnector(Server server, ServerConnector like, ForkdPort port) {
        // One acceptor: the thread that calls port.accept() (0 would accept on the selectors, from a socket).
        super(server, like.getExecutor(), like.getScheduler(), like.getByteBufferPool(), 1,
                like.getSelectorManager().getSelectorCount(), like.getConnectionFactories().toArray(ConnectionFactory[]::new));
        this.port = port;
        setHost(like.getHost());
        setPort(like.getPort());
        setIdleTimeout(like.getIdleTimeout());
        setAcceptedTcpNoDelay(like.getAcceptedTcpNoDelay());
        setShutdownIdleTimeout(like.getShutdownIdleTimeout());
    }

    @Override
    public void open() {
        // No socket to open: the port is forkd's (ServerConnector.open would bind one). Jetty's start calls this.
        open = true;
    }

    @Override
    public boolean isOpen() {
        return open;
    }

    @Override
    public void accept(int acceptorID) throws IOException {
        SocketChannel channel = port.accept();
        if (channel == null) return; // woken: Jetty's acceptor loop looks at its state again
        channel.configureBlocking(false);
        configure(channel.socket());
        getSelectorManager().accept(channel);
    }

    @Override
    public int getLocalPort() {
        return port.localAddress().getPort();
    }

    @Override
    public void close() {
        open = false;
        port.refuse(); // graceful shutdown and stop close the connector: forkd stops routing here
        port.wakeup();
        super.close();
    }
}
