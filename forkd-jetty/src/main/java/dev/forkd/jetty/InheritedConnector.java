package dev.forkd.jetty;

import java.nio.channels.ServerSocketChannel;
import java.util.Objects;
import org.eclipse.jetty.server.ConnectionFactory;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;

/**
 * A Jetty connector on a listening socket this process inherited rather than bound: systemd's socket
 * activation, or an instance of forkd's cluster mode ({@code forkd start --port}), which hands every instance
 * the shared listener the same way.
 *
 * {@snippet :
 * Server server = new Server();
 * ServerSocketChannel inherited = SocketActivation.server().orElseThrow();
 * server.addConnector(new InheritedConnector(server, inherited));
 * server.setHandler(handler);
 * server.start();
 * }
 *
 * <p>Stopping the connector closes this process's copy of the socket; the socket itself stays open in the
 * processes that share it (systemd, the forkd supervisor, the other instances), so connections that arrive
 * meanwhile wait in its queue for another instance.
 */
public class InheritedConnector extends ServerConnector {
    private final ServerSocketChannel channel;

    /** HTTP/1.1 on {@code channel}. */
    public InheritedConnector(Server server, ServerSocketChannel channel) {
        this(server, channel, new HttpConnectionFactory());
    }

    public InheritedConnector(Server server, ServerSocketChannel channel, ConnectionFactory... factories) {
        super(server, factories);
        this.channel = Objects.requireNonNull(channel, "channel");
    }

    @Override
    protected ServerSocketChannel openAcceptChannel() {
        return channel;
    }
}
