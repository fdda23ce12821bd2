package dev.forkd.spring;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.SocketOption;
import java.nio.channels.NetworkChannel;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.Set;
import org.apache.tomcat.util.net.Acceptor;
import org.apache.tomcat.util.net.NioEndpoint;

/**
 * Tomcat's NIO endpoint with its connections taken from a {@link ForkdPort} instead of a server socket of its
 * own. ({@code useInheritedChannel} would adopt only fd 0, {@code System.inheritedChannel()}; socket
 * activation passes fd 3, and a cluster port may have no socket in this process at all.) Everything after
 * the accept is Tomcat's own: poller, processors, keep-alive, graceful shutdown.
 */
final class ForkdNioEndpoint extends NioEndpoint {
    private final ForkdPort port;
    /** What Tomcat asks of its "server socket": where it is (for getLocalPort and the start-up log). */
    private final NetworkChannel view = new NetworkChannel() {
        @Override
        public NetworkChannel bind(SocketAddress local) {
            throw new UnsupportedOperationException("a forkd port is bound by forkd");
        }

        @Override
        public SocketAddress getLocalAddress() {
            return port.localAddress();
        }

        @Override
        public <T> NetworkChannel setOption(SocketOption<T> name, T value) {
            throw new UnsupportedOperationException("a forkd port has no socket options of its own");
        }

        @Override
        public <T> T getOption(SocketOption<T> name) {
            throw new UnsupportedOperationException("a forkd port has no socket options of its own");
        }

        @Override
        public Set<SocketOption<?>> supportedOptions() {
            return Set.of();
        }

        @Override
        public boolean isOpen() {
            return true;
        }

        @Override
        public void close() {
        }
    };

    ForkdNioEndpoint(ForkdPort port) {
        this.port = port;
        Drain drain = ForkdHttp11NioProtocol.TomcatPort.drain();
        if (drain != null) drain.openConnections(() -> getConnections().size());
    }

    @Override
    protected void initServerSocket() {
        // nothing to bind: forkd's cluster or the process that handed the listener over did
    }

    @Override
    protected NetworkChannel getServerSocket() {
        return view;
    }

    @Override
    protected SocketChannel serverSocketAccept() throws Exception {
        SocketChannel c = port.accept();
        return c != null ? c : unlockConnection();
    }

    /**
     * Tomcat wakes its acceptor with a throw-away connection to its own server socket, and drops what the
     * acceptor returns while paused or stopping. A forkd port may have no socket here to connect to, so the
     * endpoint makes the throw-away connection itself, on loopback. (Throwing instead would be logged as an
     * accept failure.)
     */
    private static SocketChannel unlockConnection() throws IOException {
        try (ServerSocketChannel s = ServerSocketChannel.open()) {
            s.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 1);
            SocketChannel client = SocketChannel.open(s.getLocalAddress());
            try {
                return s.accept();
            } finally {
                client.close();
            }
        }
    }

    @Override
    protected void unlockAccept() {
        if (acceptor == null || acceptor.getState() != Acceptor.AcceptorState.RUNNING) return;
        port.wakeup();
        long deadline = System.nanoTime() + 1_000_000_000L;
        while (System.nanoTime() < deadline && acceptor.getState() == Acceptor.AcceptorState.RUNNING) {
            try {
                Thread.sleep(1);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    @Override
    protected void doCloseServerSocket() {
        // Tomcat gives its socket up (graceful shutdown, stop): forkd stops routing here; the port's final
        // close is the starter's, when the application context closes.
        port.refuse();
    }
}
