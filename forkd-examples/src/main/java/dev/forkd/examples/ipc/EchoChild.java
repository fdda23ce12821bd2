package dev.forkd.examples.ipc;

import dev.forkd.ipc.Channel;
import dev.forkd.ipc.Handle;
import dev.forkd.ipc.Message;
import java.io.IOException;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A child for any IPC parent, Node's or forkd's: it echoes messages and answers on the sockets it is given.
 *
 * <ul>
 *   <li>Every message {@code m} is answered with {@code {"echo": m, "pid": <this pid>}}, messages that carry a
 *       handle included.</li>
 *   <li>{@code {"exit": true}} is echoed, then the child exits with status 0.</li>
 *   <li>A server handle ({@code net.Server}): every TCP connection accepted on it gets
 *       {@code hello from <pid>\n} and is closed, until the server or the child goes away.</li>
 *   <li>A socket handle ({@code net.Socket}): it gets the same line and is closed.</li>
 *   <li>When the parent disconnects (or dies), the child exits with status 0.</li>
 * </ul>
 *
 * <p>From Node, the way the article forks {@code child.js}, but with {@code spawn} and an {@code 'ipc'} entry
 * because the child is a JVM:
 *
 * <pre>{@code
 * const child = spawn('java', ['--enable-native-access=ALL-UNNAMED', '--add-opens=java.base/sun.nio.ch=ALL-UNNAMED',
 *     '-cp', 'forkd-examples/target/forkd-examples.jar', 'dev.forkd.examples.ipc.EchoChild'],
 *   { stdio: ['inherit', 'inherit', 'inherit', 'ipc'] });
 * child.on('message', (m) => console.log(m));   // { echo: { hello: 'world' }, pid: 4242 }
 * child.send({ hello: 'world' });
 * }</pre>
 *
 * <p>The two JVM flags matter with {@code -cp}: without {@code --enable-native-access} the JVM prints a
 * four-line native-access warning on stderr (forkd still works), and without {@code --add-opens} the child
 * cannot adopt a handle (messages still work; a message's handle is reported on stderr and dropped,
 * the message itself is still echoed). The jar's manifest grants both, so this is the same child with no flags:
 *
 * <pre>{@code
 * spawn('java', ['-jar', 'forkd-examples/target/forkd-examples.jar', 'echo-child'],
 *   { stdio: ['inherit', 'inherit', 'inherit', 'ipc'] });
 * }</pre>
 */
public final class EchoChild {
    private EchoChild() {}

    public static void main(String[] args) throws Exception {
        Channel parent = Sockets.parentChannel(EchoChild.class);
        long pid = ProcessHandle.current().pid();
        parent.onMessage(m -> {
            try {
                answer(parent, m, pid);
            } catch (Exception e) {
                System.err.println("EchoChild " + pid + ": " + e);
            }
        });
        // Listeners run on virtual threads, which do not keep a JVM alive: this thread does, until disconnect.
        parent.onDisconnect().join();
        System.exit(0);
    }

    private static void answer(Channel parent, Message m, long pid) throws IOException {
        String hello = "hello from " + pid + "\n";
        Handle handle;
        try {
            handle = m.handle().orElse(null);
        } catch (IllegalStateException e) { // not adoptable, e.g. no --add-opens: still echo the message
            System.err.println("EchoChild " + pid + ": " + e.getMessage());
            handle = null;
        }
        switch (handle) {
            case Handle.Server(ServerSocketChannel server) -> Thread.ofVirtual().start(() -> serve(server, hello));
            case Handle.Socket(SocketChannel socket) -> Sockets.end(socket, hello);
            case Handle.Datagram datagram -> datagram.channel().close(); // nothing to say on UDP
            case null -> {}
        }
        Map<String, Object> reply = new LinkedHashMap<>();
        reply.put("echo", m.body());
        reply.put("pid", pid);
        var sent = parent.send(reply);
        var exit = m.body().get("exit");
        if (exit != null && exit.isBoolean() && exit.booleanValue()) {
            sent.join(); // written before we go
            System.exit(0);
        }
    }

    private static void serve(ServerSocketChannel server, String hello) {
        try (server) {
            while (true) Sockets.end(server.accept(), hello);
        } catch (IOException e) {
            // the server was closed: nothing more to serve
        }
    }
}
