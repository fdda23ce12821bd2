package dev.forkd.examples.ipc;

import dev.forkd.ipc.Channel;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;

/** The few socket chores the IPC examples share, so that each example shows only its Node counterpart. */
final class Sockets {
    private Sockets() {}

    /** The channel to this process's parent, or an error that says how this main is meant to be started. */
    static Channel parentChannel(Class<?> main) {
        return Channel.parent().orElseThrow(() -> new IllegalStateException(main.getSimpleName()
                + " needs an IPC channel: start it with fork(), or from a parent with an 'ipc' stdio entry"));
    }

    /**
     * A listening TCP socket on a free loopback port (the Node snippets use a fixed port such as 1337; a free
     * one lets the examples run anywhere, side by side).
     */
    static ServerSocketChannel listenOnFreePort() throws IOException {
        return ServerSocketChannel.open().bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
    }

    static InetSocketAddress address(ServerSocketChannel server) throws IOException {
        return (InetSocketAddress) server.getLocalAddress();
    }

    /** Node's {@code socket.end(text)}: writes {@code text} and closes the socket. */
    static void end(SocketChannel socket, String text) throws IOException {
        try (socket) {
            ByteBuffer bytes = ByteBuffer.wrap(text.getBytes(StandardCharsets.UTF_8));
            while (bytes.hasRemaining()) socket.write(bytes);
        }
    }

    /** Connects to {@code address} and reads what the server writes until it closes the connection. */
    static String request(InetSocketAddress address) throws IOException {
        try (SocketChannel socket = SocketChannel.open(address)) {
            return new String(Channels.newInputStream(socket).readAllBytes(), StandardCharsets.UTF_8);
        }
    }
}
