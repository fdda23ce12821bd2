package dev.forkd.cli.supervisor;

import dev.forkd.cli.app.AppSpec;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.channels.ServerSocketChannel;

/** The listening socket of an app in cluster mode, bound by its supervisor and shared with every instance. */
final class Listener {
    private static final int BACKLOG = 511; // Node's and nginx's default

    private Listener() {}

    /** The bound listener, or null in fork mode. @throws IOException naming the address when it cannot be bound */
    static ServerSocketChannel open(AppSpec spec) throws IOException {
        if (!spec.clustered()) return null;
        ServerSocketChannel s = ServerSocketChannel.open();
        try {
            s.setOption(StandardSocketOptions.SO_REUSEADDR, true);
            s.bind(new InetSocketAddress(spec.host(), spec.port()), BACKLOG);
            return s;
        } catch (IOException e) {
            s.close();
            throw new IOException("cannot listen on " + spec.host() + ":" + spec.port() + ": " + e.getMessage(), e);
        }
    }
}
