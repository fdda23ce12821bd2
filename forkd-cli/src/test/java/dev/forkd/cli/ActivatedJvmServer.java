package dev.forkd.cli;

import dev.forkd.SocketActivation;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;

/** A JVM app for cluster mode: serves the listener it inherits (SocketActivation), one line per connection. */
public final class ActivatedJvmServer {
    public static void main(String[] args) throws Exception {
        ServerSocketChannel server = SocketActivation.server().orElseThrow(() ->
                new IllegalStateException("not socket-activated: LISTEN_FDS/LISTEN_PID missing or not this pid"));
        long pid = ProcessHandle.current().pid();
        String name = SocketActivation.listeners().getFirst().name();
        while (true) {
            SocketChannel c = server.accept();
            Thread.ofVirtual().start(() -> {
                try (c) {
                    c.read(ByteBuffer.allocate(256));
                    c.write(ByteBuffer.wrap(("served by " + pid + " " + name + "\n").getBytes(StandardCharsets.UTF_8)));
                } catch (java.io.IOException ignored) {
                    // the client went away
                }
            });
        }
    }
}
