package dev.forkd.examples.ipc;

import dev.forkd.ChildProcess;
import dev.forkd.ChildProcesses;
import dev.forkd.examples.NodeStyle;
import dev.forkd.ipc.Channel;
import dev.forkd.ipc.Handle;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Mirrors "Example: sending a server object" from Node's {@code child_process} documentation: the parent
 * sends its listening server to a forked child, and from then on both accept connections on the same port.
 *
 * <pre>{@code
 * // parent
 * const subprocess = fork('subprocess.js');
 * // Open up the server object and send the handle.
 * const server = createServer();
 * server.on('connection', (socket) => {
 *   socket.end('handled by parent');
 * });
 * server.listen(1337, () => {
 *   subprocess.send('server', server);
 * });
 *
 * // subprocess.js
 * process.on('message', (m, server) => {
 *   if (m === 'server') {
 *     server.on('connection', (socket) => {
 *       socket.end('handled by child');
 *     });
 *   }
 * });
 * }</pre>
 *
 * <p>The server is a {@code ServerSocketChannel}; the child receives its own working copy as
 * {@link Handle.Server}. Which process gets a connection is up to the kernel. Both accept on a platform thread
 * blocked in {@code accept(2)}, where the kernel hands each connection to one waiter in turn, so parent and
 * child mostly take turns; acceptors that poll (virtual threads, Node's event loop) are all woken and the
 * first to accept wins, which splits the load less evenly. This example, its own client, connects
 * {@value #MIN_REQUESTS} times or until both have answered (at most {@value #MAX_REQUESTS} times), prints who
 * answered each request, then disconnects the child (which then exits) and closes the server.
 */
public final class ShareServer {
    static final int MIN_REQUESTS = 4;
    static final int MAX_REQUESTS = 40;

    private ShareServer() {}

    public static void main(String[] args) throws Exception {
        try (ChildProcess subprocess = ChildProcesses.fork(Child.class.getName());
             ServerSocketChannel server = Sockets.listenOnFreePort()) {
            Channel channel = subprocess.channel().orElseThrow();
            CompletableFuture<Void> childAccepts = new CompletableFuture<>();
            channel.onMessage(m -> childAccepts.complete(null)); // the child's "accepting"
            Thread.ofPlatform().daemon().start(() -> serve(server, "handled by parent"));
            channel.send("server", server);
            childAccepts.get(30, TimeUnit.SECONDS);

            InetSocketAddress address = Sockets.address(server);
            System.out.println("parent " + ProcessHandle.current().pid() + " and child " + subprocess.pid()
                    + " both accept on port " + address.getPort());
            Map<String, Integer> tally = new TreeMap<>();
            for (int i = 1; i <= MIN_REQUESTS || (i <= MAX_REQUESTS && tally.size() < 2); i++) {
                String answer = Sockets.request(address);
                System.out.println("request " + i + ": " + answer);
                tally.merge(answer, 1, Integer::sum);
            }
            System.out.println("answers: " + tally);

            channel.disconnect();
            System.out.println("child process exited with " + NodeStyle.codeAndSignal(subprocess.waitFor()));
        }
    }

    /** {@code server.on('connection', (socket) => socket.end(answer))}, until the server is closed. */
    static void serve(ServerSocketChannel server, String answer) {
        try {
            while (true) Sockets.end(server.accept(), answer);
        } catch (IOException e) {
            // closed: no more connections
        }
    }

    /** {@code subprocess.js}: answers on the server it is sent, until the parent disconnects. */
    public static final class Child {
        private Child() {}

        public static void main(String[] args) throws Exception {
            Channel parent = Sockets.parentChannel(Child.class);
            parent.onMessage(m -> {
                if (m.body().isString() && m.body().stringValue().equals("server")
                        && m.handle().orElse(null) instanceof Handle.Server(ServerSocketChannel server)) {
                    Thread.ofPlatform().daemon().start(() -> serve(server, "handled by child"));
                    parent.send("accepting");
                }
            });
            parent.onDisconnect().join();
        }
    }
}
