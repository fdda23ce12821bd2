package dev.forkd.examples.ipc;

import dev.forkd.ChildProcess;
import dev.forkd.ChildProcesses;
import dev.forkd.ipc.Channel;
import dev.forkd.ipc.Handle;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.channels.ServerSocketChannel;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.Callback;

/**
 * Mirrors the Node multi-process article's "Sharing an HTTP server between parent and child using fork and IPC"
 * (its section 5, with the child {@code 8.child.js}): the parent sends its listening socket to a forked child,
 * and both serve HTTP on it.
 *
 * <pre>{@code
 * // Parent process
 * let child = fork(path.join(__dirname, '8.child.js'));
 * let server = net.createServer();
 * server.listen(8080, '127.0.0.1', function () {
 *   child.send('server', server);
 *   console.log('Parent server created');
 *   let httpServer = http.createServer();
 *   httpServer.on('request', function (req, res) {
 *     if (req.url !== '/favicon.ico') {
 *       let sum = 0;
 *       for (let i = 0; i < 100000; i++) sum += 1;
 *       res.write('Request handled in parent.');
 *       res.end('sum=' + sum);
 *     }
 *   });
 *   httpServer.listen(server);
 * });
 *
 * // Child process (8.child.js)
 * process.on('message', function (msg, server) {
 *   if (msg === 'server') {
 *     console.log('Child server created');
 *     let httpServer = http.createServer();
 *     httpServer.on('request', function (req, res) {
 *       if (req.url !== '/favicon.ico') {
 *         let sum = 0;
 *         for (let i = 0; i < 10000; i++) sum += i;
 *         res.write('Request handled in child.');
 *         res.end('sum=' + sum);
 *       }
 *     });
 *     httpServer.listen(server);
 *   }
 * });
 * }</pre>
 *
 * <p>{@code net.createServer()} is a {@code ServerSocketChannel}; {@code httpServer.listen(server)} is a Jetty
 * {@code ServerConnector} opened on that channel, in the parent and, on the copy it receives, in the child
 * ({@link Child}), each with one acceptor thread blocked in {@code accept(2)}: the kernel hands each connection
 * to one of them. Jetty answers {@code /favicon.ico} with 404 where Node leaves it unanswered.
 *
 * <p>Differences that let the example run anywhere and end by itself: it listens on a free loopback port rather
 * than 8080; the parent prints its line just before sending the server rather than just after, so that it comes
 * before the child's; the child tells the parent when it serves, and the parent is then its own client: it
 * makes {@value #MIN_REQUESTS} requests, each on a new connection, or more until both have answered (at most
 * {@value #MAX_REQUESTS}), prints each answer, disconnects the child (which then stops and exits) and stops.
 */
public final class ShareHttpServer {
    static final int MIN_REQUESTS = 4;
    static final int MAX_REQUESTS = 40;

    private ShareHttpServer() {}

    public static void main(String[] args) throws Exception {
        try (ChildProcess child = ChildProcesses.fork(Child.class.getName());
             ServerSocketChannel server = Sockets.listenOnFreePort()) {
            Channel channel = child.channel().orElseThrow();
            CompletableFuture<Void> childServes = new CompletableFuture<>();
            channel.onMessage(m -> childServes.complete(null)); // the child's "serving"
            System.out.println("Parent server created");
            channel.send("server", server);
            Server httpServer = listen(server, new Handler.Abstract() {
                @Override
                public boolean handle(Request req, Response res, Callback callback) {
                    if (Request.getPathInContext(req).equals("/favicon.ico")) return false;
                    int sum = 0;
                    for (int i = 0; i < 100000; i++) sum += 1;
                    end(res, "Request handled in parent.", "sum=" + sum, callback);
                    return true;
                }
            });
            try {
                childServes.get(30, TimeUnit.SECONDS);
                InetSocketAddress address = Sockets.address(server);
                Set<String> answers = new HashSet<>();
                for (int i = 1; i <= MIN_REQUESTS || (i <= MAX_REQUESTS && answers.size() < 2); i++) {
                    String answer = get(address);
                    System.out.println("request " + i + ": " + answer);
                    answers.add(answer);
                }
            } finally {
                httpServer.stop();
            }
            channel.disconnect();
            child.waitFor();
        }
    }

    /** {@code httpServer.listen(server)}: a Jetty server that accepts on {@code server}, started. */
    static Server listen(ServerSocketChannel server, Handler handler) throws Exception {
        Server httpServer = new Server();
        ServerConnector connector = new ServerConnector(httpServer, 1, 1);
        connector.open(server);
        httpServer.addConnector(connector);
        httpServer.setHandler(handler);
        httpServer.start();
        return httpServer;
    }

    /** {@code res.write(first); res.end(last)}. */
    static void end(Response res, String first, String last, Callback callback) {
        Content.Sink.write(res, false, first, Callback.from(() -> Content.Sink.write(res, true, last, callback),
                callback::failed));
    }

    /** {@code GET /} on a connection of its own, as a new browser would; returns the body. */
    private static String get(InetSocketAddress address) throws Exception {
        try (HttpClient browser = HttpClient.newHttpClient()) {
            URI uri = URI.create("http://127.0.0.1:" + address.getPort() + "/");
            return browser.send(HttpRequest.newBuilder(uri).build(), HttpResponse.BodyHandlers.ofString()).body();
        }
    }

    /** {@code 8.child.js}: serves HTTP on the server it is sent, until the parent disconnects. */
    public static final class Child {
        private Child() {}

        public static void main(String[] args) throws Exception {
            Channel parent = Sockets.parentChannel(Child.class);
            CompletableFuture<ServerSocketChannel> sent = new CompletableFuture<>();
            parent.onMessage(m -> {
                if (m.body().isString() && m.body().stringValue().equals("server")
                        && m.handle().orElse(null) instanceof Handle.Server(ServerSocketChannel server)) {
                    sent.complete(server);
                }
            });
            CompletableFuture.anyOf(sent, parent.onDisconnect()).join();
            if (!sent.isDone()) return; // the parent went away first

            System.out.println("Child server created");
            Server httpServer = listen(sent.get(), new Handler.Abstract() {
                @Override
                public boolean handle(Request req, Response res, Callback callback) {
                    if (Request.getPathInContext(req).equals("/favicon.ico")) return false;
                    int sum = 0;
                    for (int i = 0; i < 10000; i++) sum += i;
                    end(res, "Request handled in child.", "sum=" + sum, callback);
                    return true;
                }
            });
            parent.send("serving");
            parent.onDisconnect().join();
            httpServer.stop();
        }
    }
}
