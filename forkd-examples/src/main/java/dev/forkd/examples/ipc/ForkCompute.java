package dev.forkd.examples.ipc;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.forkd.ChildProcess;
import dev.forkd.ChildProcesses;
import dev.forkd.examples.NodeStyle;
import dev.forkd.ipc.Channel;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;

/**
 * Mirrors the article's {@code compute.js} example: an HTTP server that moves a long computation to a forked
 * child so that it keeps answering other requests meanwhile.
 *
 * <pre>{@code
 * // server.js
 * const server = http.createServer();
 * server.on('request', (req, res) => {
 *   if (req.url === '/compute') {
 *     const compute = fork('compute.js');
 *     compute.send('start');
 *     compute.on('message', sum => {
 *       res.end(`Sum is ${sum}`);
 *     });
 *   } else {
 *     res.end('Ok')
 *   }
 * });
 * server.listen(3000);
 *
 * // compute.js
 * const longComputation = () => {
 *   let sum = 0;
 *   for (let i = 0; i < 1e9; i++) {
 *     sum += i;
 *   };
 *   return sum;
 * };
 * process.on('message', (msg) => {
 *   const sum = longComputation();
 *   process.send(sum);
 * });
 * }</pre>
 *
 * <p>The JDK's {@code HttpServer} with no executor runs every handler on one thread, as Node runs every
 * request on its event loop: a handler that computed the sum itself would hold up every other request. So
 * {@code /compute} forks {@link Compute}, sends it {@code "start"} and returns; the sum comes back as a
 * message, on another thread, and finishes the response there. Unlike the article's server, this one then
 * disconnects the child, which lets it exit instead of idling forever.
 *
 * <p>Run without arguments it is its own client: it starts {@code GET /compute}, makes a few {@code GET /}
 * requests while the child computes, prints the answers and their timings, and shuts down. The server listens
 * on a free loopback port rather than 3000.
 */
public final class ForkCompute {
    private ForkCompute() {}

    public static void main(String[] args) throws Exception {
        Queue<ChildProcess> children = new ConcurrentLinkedQueue<>();
        HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/", exchange -> {
            if (exchange.getRequestURI().getPath().equals("/compute")) {
                ChildProcess compute = ChildProcesses.fork(Compute.class.getName());
                children.add(compute);
                Channel channel = compute.channel().orElseThrow();
                channel.send("start");
                channel.onMessage(sum -> {
                    end(exchange, "Sum is " + sum.body().asLong());
                    channel.disconnect();
                });
            } else {
                end(exchange, "Ok");
            }
        });
        server.start();
        URI base = URI.create("http://127.0.0.1:" + server.getAddress().getPort());
        System.out.println("server listening on " + base);

        try (HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build()) {
            long start = System.nanoTime();
            CompletableFuture<HttpResponse<String>> compute = client.sendAsync(
                    HttpRequest.newBuilder(base.resolve("/compute")).build(), HttpResponse.BodyHandlers.ofString());
            System.out.println("GET /compute sent");
            for (int i = 0; i < 3; i++) {
                long sent = System.nanoTime();
                String ok = client.send(HttpRequest.newBuilder(base.resolve("/")).build(),
                        HttpResponse.BodyHandlers.ofString()).body();
                System.out.println("GET / -> " + ok + " in " + millis(sent) + " ms"
                        + (compute.isDone() ? "" : ", while /compute is still running"));
            }
            String sum = compute.get(60, TimeUnit.SECONDS).body();
            System.out.println("GET /compute -> " + sum + " after " + millis(start) + " ms");
        } finally {
            server.stop(0);
        }
        for (ChildProcess child : children) {
            try (child) {
                System.out.println("compute child exited with " + NodeStyle.codeAndSignal(child.waitFor()));
            }
        }
    }

    /** Node's {@code res.end(text)}. */
    private static void end(HttpExchange exchange, String text) {
        byte[] body = text.getBytes(StandardCharsets.UTF_8);
        try (exchange) {
            exchange.sendResponseHeaders(200, body.length);
            exchange.getResponseBody().write(body);
        } catch (IOException e) {
            System.err.println("response to " + exchange.getRequestURI() + " failed: " + e);
        }
    }

    private static long millis(long startNanos) {
        return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startNanos);
    }

    /** {@code compute.js}: sums the numbers below 1e9 when told to start, and sends the sum back. */
    public static final class Compute {
        private Compute() {}

        static long longComputation() {
            long sum = 0;
            for (long i = 0; i < 1_000_000_000L; i++) {
                sum += i;
            }
            return sum;
        }

        public static void main(String[] args) {
            Channel parent = Sockets.parentChannel(Compute.class);
            parent.onMessage(msg -> parent.send(longComputation()));
            parent.onDisconnect().join();
        }
    }
}
