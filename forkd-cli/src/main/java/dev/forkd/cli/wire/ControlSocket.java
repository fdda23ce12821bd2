package dev.forkd.cli.wire;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.Consumer;

/**
 * The Unix socket a forkd process (the daemon, an app's supervisor) takes requests on: bound mode 0600 (in a
 * 0700 directory), each connection handled on a virtual thread of its own. A socket file left by a process
 * that died is replaced: the caller holds the lock that says it is the only one.
 */
public final class ControlSocket implements AutoCloseable {
    private final Path path;
    private final ServerSocketChannel server;

    private ControlSocket(Path path, ServerSocketChannel server) {
        this.path = path;
        this.server = server;
    }

    public static ControlSocket bind(Path path) throws IOException {
        Files.deleteIfExists(path);
        ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        try {
            server.bind(UnixDomainSocketAddress.of(path));
            Peers.restrictToOwner(path);
            return new ControlSocket(path, server);
        } catch (IOException e) {
            server.close();
            throw e;
        }
    }

    /** Accepts on a platform thread until closed; {@code handler} gets each connection (and closes it). */
    public void serve(String name, Consumer<SocketChannel> handler) {
        Thread.ofPlatform().daemon().name(name + "-accept").start(() -> {
            while (true) {
                SocketChannel c;
                try {
                    c = server.accept();
                } catch (IOException closed) {
                    return;
                }
                Thread.ofVirtual().name(name + "-request").start(() -> handler.accept(c));
            }
        });
    }

    @Override
    public void close() throws IOException {
        try {
            server.close();
        } finally {
            Files.deleteIfExists(path);
        }
    }
}
