package dev.forkd.examples.ipc;

import dev.forkd.ChildProcess;
import dev.forkd.ChildProcesses;
import dev.forkd.examples.NodeStyle;
import dev.forkd.ipc.Channel;
import dev.forkd.ipc.Handle;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Mirrors "Example: sending a socket object" from Node's {@code child_process} documentation: the parent
 * accepts connections and passes some of them, still unanswered, to a forked child that answers on them.
 *
 * <pre>{@code
 * // parent
 * const normal = fork('subprocess.js', ['normal']);
 * const special = fork('subprocess.js', ['special']);
 * // Open up the server and send sockets to child. Use pauseOnConnect to prevent
 * // the sockets from being read before they are sent to the child process.
 * const server = require('node:net').createServer({ pauseOnConnect: true });
 * server.on('connection', (socket) => {
 *   // If this is special priority...
 *   if (socket.remoteAddress === '74.125.127.100') {
 *     special.send('socket', socket);
 *     return;
 *   }
 *   // This is normal priority.
 *   normal.send('socket', socket);
 * });
 * server.listen(1337);
 *
 * // subprocess.js
 * process.on('message', (m, socket) => {
 *   if (m === 'socket') {
 *     if (socket) {
 *       // Check that the client socket exists.
 *       // It is possible for the socket to be closed between the time it is
 *       // sent and the time it is received in the child process.
 *       socket.end(`Request handled with ${process.argv[2]} priority`);
 *     }
 *   }
 * });
 * }</pre>
 *
 * <p>Every connection here comes from this example itself, on loopback, so "special" cannot mean a remote
 * address: odd-numbered connections go to the {@code special} child, and the parent answers the others
 * itself, with normal priority (Node's documentation forks a second child for those). A socket sent with
 * {@code send} is closed in the parent once the child has it, so the client sees the end of the answer when
 * the child closes its copy. The example makes {@value #REQUESTS} requests, prints the answers, disconnects
 * the child (which then exits) and closes the server.
 */
public final class ShareSocket {
    static final int REQUESTS = 4;

    private ShareSocket() {}

    public static void main(String[] args) throws Exception {
        try (ChildProcess special = ChildProcesses.fork(Child.class.getName(), "special");
             ServerSocketChannel server = Sockets.listenOnFreePort()) {
            Channel channel = special.channel().orElseThrow();
            AtomicReference<RuntimeException> failure = new AtomicReference<>();
            Thread.ofVirtual().start(() -> {
                try {
                    for (int n = 1; ; n++) {
                        SocketChannel socket = server.accept();
                        if (n % 2 == 0) {
                            Sockets.end(socket, "Request handled with normal priority by parent "
                                    + ProcessHandle.current().pid());
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
            System.out.println("parent " + ProcessHandle.current().pid() + " accepts on port " + address.getPort()
                    + " and sends odd-numbered connections to child " + special.pid());
            for (int i = 1; i <= REQUESTS; i++) {
                String answer = Sockets.request(address);
                if (failure.get() != null) throw failure.get();
                System.out.println("connection " + i + ": " + answer);
            }

            channel.disconnect();
            System.out.println("child process exited with " + NodeStyle.codeAndSignal(special.waitFor()));
        }
    }

    /** {@code subprocess.js}: answers on every socket it is sent, until the parent disconnects. */
    public static final class Child {
        private Child() {}

        public static void main(String[] args) throws Exception {
            String priority = args.length > 0 ? args[0] : "normal";
            String answer = "Request handled with " + priority + " priority by child " + ProcessHandle.current().pid();
            Channel parent = Sockets.parentChannel(Child.class);
            parent.onMessage(m -> {
                // As in Node, check that a socket came with the message before answering on it.
                if (m.body().isString() && m.body().stringValue().equals("socket")
                        && m.handle().orElse(null) instanceof Handle.Socket(SocketChannel socket)) {
                    try {
                        Sockets.end(socket, answer);
                    } catch (IOException e) {
                        System.err.println("child: the client went away: " + e);
                    }
                }
            });
            parent.onDisconnect().join();
        }
    }
}
