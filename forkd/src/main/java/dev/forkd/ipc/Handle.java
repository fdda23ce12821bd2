package dev.forkd.ipc;

import java.nio.channels.DatagramChannel;
import java.nio.channels.NetworkChannel;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.Objects;

/**
 * A socket received over the channel, adopted into a fully working JDK channel (selectors, socket options,
 * virtual-thread-friendly blocking I/O). The receiver owns it and closes it.
 *
 * <p>Adoption needs {@code --add-opens java.base/sun.nio.ch=ALL-UNNAMED} (forked JVMs get it; for
 * {@code java -jar}, the manifest attribute {@code Add-Opens: java.base/sun.nio.ch}).
 */
public sealed interface Handle {
    /** The underlying JDK channel. */
    NetworkChannel channel();

    /** The fd number behind the channel, for logging or passing on; valid while the channel is open. */
    default int fd() {
        return dev.forkd.internal.ipc.HandleAdoption.fdOf(channel());
    }

    /** Node's {@code net.Server}: a listening TCP socket. */
    record Server(ServerSocketChannel channel) implements Handle {
        public Server {
            Objects.requireNonNull(channel, "channel");
        }
    }

    /** Node's {@code net.Socket}: a connected TCP socket. */
    record Socket(SocketChannel channel) implements Handle {
        public Socket {
            Objects.requireNonNull(channel, "channel");
        }
    }

    /** Node's {@code dgram.Socket}: a UDP socket. */
    record Datagram(DatagramChannel channel) implements Handle {
        public Datagram {
            Objects.requireNonNull(channel, "channel");
        }
    }
}
