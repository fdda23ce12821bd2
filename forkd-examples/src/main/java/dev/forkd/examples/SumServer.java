package dev.forkd.examples;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * Mirrors the Node multi-process article's section 3, "Example Scenario": the problem the rest of the article
 * solves. One thread serves every request, so while {@code /sum} computes, {@code /} waits.
 *
 * <pre>{@code
 * const http = require('http');
 * http.createServer((req, res) => {
 *   if (req.url === '/sum') {
 *     let sum = 0;
 *     for (let i = 0; i < 10000000000; i++) {
 *       sum += i;
 *     }
 *     res.end(sum + '');
 *   } else {
 *     res.end('end');
 *   }
 * }).listen(3000);
 * // Access /sum first, then a new browser tab for / – the second request waits until /sum finishes.
 * }</pre>
 *
 * <p>The JDK's {@code HttpServer} with no executor runs every handler on its one dispatcher thread, as Node runs
 * every request on its event loop. The loop is {@link SumLoop}: it answers the exact 49999999995000000000 where
 * Node answers 49999999990067860000 (JavaScript adds in doubles, which round once the sum passes
 * 2<sup>53</sup>), and takes about 3 s on the project's 2-core machine.
 *
 * <p>Run without arguments it is the article's browser too: it requests {@code /sum}, then, once the server is
 * summing, {@code /}, and prints both answers; it listens on a free loopback port rather than 3000. Optional
 * argument: the loop's bound instead of 10000000000. {@code --port 3000} serves as the article does, on that port
 * until Ctrl-C, for a browser of your own.
 */
public final class SumServer {
    static final long ARTICLE_BOUND = 10_000_000_000L;

    private SumServer() {}

    public static void main(String[] args) throws Exception {
        if (args.length == 2 && args[0].equals("--port")) {
            HttpServer server = createServer(new InetSocketAddress(Integer.parseInt(args[1])), ARTICLE_BOUND,
                    new CountDownLatch(1));
            server.start(); // its dispatcher thread keeps the JVM running
            System.out.println("listening on http://localhost:" + server.getAddress().getPort()
                    + "/ (open /sum, then / in another tab; Ctrl-C stops)");
            return;
        }
        if (args.length > 1) throw new IllegalArgumentException("usage: sum-server [bound] | sum-server --port N");
        long bound = args.length == 1 ? Long.parseLong(args[0]) : ARTICLE_BOUND;

        CountDownLatch summing = new CountDownLatch(1);
        HttpServer server = createServer(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), bound, summing);
        server.start();
        URI base = URI.create("http://127.0.0.1:" + server.getAddress().getPort());
        try (HttpClient browser = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build()) {
            CompletableFuture<HttpResponse<String>> sum = browser.sendAsync(
                    HttpRequest.newBuilder(base.resolve("/sum")).build(), HttpResponse.BodyHandlers.ofString());
            summing.await(); // the one thread is in the loop now: a new tab for / ...
            long sent = System.nanoTime();
            String end = browser.send(HttpRequest.newBuilder(base.resolve("/")).build(),
                    HttpResponse.BodyHandlers.ofString()).body();
            long waited = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - sent);
            System.out.println("GET /sum -> " + sum.get().body());
            System.out.println("GET / -> " + end + " (sent while /sum was summing, answered after it, in " + waited
                    + " ms)");
        } finally {
            server.stop(0);
        }
    }

    /** The article's server; {@code summing} counts down when a {@code /sum} request starts its loop. */
    static HttpServer createServer(InetSocketAddress address, long bound, CountDownLatch summing) throws IOException {
        HttpServer server = HttpServer.create(address, 0);
        server.createContext("/", exchange -> {
            if (exchange.getRequestURI().toString().equals("/sum")) {
                summing.countDown();
                end(exchange, SumLoop.sumBelow(bound).toString());
            } else {
                end(exchange, "end");
            }
        });
        return server;
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
}
