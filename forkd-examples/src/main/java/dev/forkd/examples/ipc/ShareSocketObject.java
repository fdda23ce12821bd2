package dev.forkd.examples.ipc;

import dev.forkd.ChildProcess;
import dev.forkd.ChildProcesses;
import dev.forkd.ipc.Channel;
import dev.forkd.ipc.Handle;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Mirrors the Node multi-process article's "Sharing a socket object between processes" (its section 5, with the
 * child {@code 11.socket.js}): the parent accepts each connection and either answers it or sends it, unanswered,
 * to a forked child that answers it.
 *
 * <pre>{@code
 * // Parent process
 * let child = fork(path.join(__dirname, '11.socket.js'));
 * let server = require('net').createServer();
 * server.on('connection', function (socket) {
 *   if (Date.now() % 2 === 0) {
 *     child.send('socket', socket);
 *   } else {
 *     socket.end('Handled by parent');
 *   }
 * });
 * server.listen(41234);
 *
 * // Child process (11.socket.js)
 * process.on('message', function (msg, socket) {
 *   if (msg === 'socket') {
 *     socket.end('Handled by child');
 *   }
 * });
 * }</pre>
 *
 * <p>{@code Date.now()} is {@code System.currentTimeMillis()}: whether the parent or the child answers depends on
 * the millisecond the connection is accepted in. A socket sent with {@code send} is closed in the parent once the
 * child has it, so the client reads to the end of the child's answer. Unlike the article, this example listens
 * on a free loopback port rather than 41234 and is its own client: it connects {@value #MIN_CONNECTIONS} times,
 * or more until both have answered (at most {@value #MAX_CONNECTIONS} times), prints each answer, disconnects the
 * child (which then exits) and closes the server. {@link ShareSocket} is the same idea from Node's documentation.
 */
public final class ShareSocketObject {
    static final int MIN_CONNECTIONS = 4;
    static final int MAX_CONNECTIONS = 200;

    private ShareSocketObject() {}

    public static void main(String[] args) throws Exception {
        try (ChildProcess child = ChildProcesses.fork(Child.class.getName());
             ServerSocketChannel server = Sockets.listenOnFreePort()) {
            Channel channel = child.channel().orElseThrow();
            AtomicReference<RuntimeException> failure = new AtomicReference<>();
            Thread.ofVirtual().start(() -> {
                try {
                    while (true) {
                        SocketChannel socket = server.accept(); // server.on('connection')
                        if (System.currentTimeMillis() % 2 != 0) {
                            Sockets.end(socket, "Handled by parent");
                            continue;
                        }
                        try {
                            channel.send("socket", socket);
                        } catch (RuntimeException e) { // e.g. no --add-opens: tell main, and end the client's wait
                            failure.set(e);
                            socket.close();
                            server.close();
                        }
                    }
                } catch (IOException e) {
                    // closed: no more connections
                }
            });

            InetSocketAddress address = Sockets.address(server);
            Set<String> answers = new HashSet<>();
            for (int i = 1; i <= MIN_CONNECTIONS || (i <= MAX_CONNECTIONS && answers.size() < 2); i++) {
                String answer = Sockets.request(address);
                if (failure.get() != null) throw failure.get();
                System.out.println("connection " + i + ": " + answer);
                answers.add(answer);
            }
            channel.disconnect();
            child.waitFor();
        }
    }

    /** {@code 11.socket.js}: answers on every socket it is sent, until the parent disconnects. */
    public static final class Child {
        private Child() {}

        public static void main(String[] args) throws Exception {
            Channel parent = Sockets.parentChannel(Child.class);
            parent.onMessage(m -> {
                if (m.body().isString() && m.body().stringValue().equals("socket")
                        && m.handle().orElse(null) instanceof Handle.Socket(SocketChannel socket)) {
                    try {
                        Sockets.end(socket, "Handled by child");
                    } catch (IOException e) {
                        System.err.println("11.socket.js: the client went away: " + e);
                    }
                }
            });
            parent.onDisconnect().join();
        }
    }
}
