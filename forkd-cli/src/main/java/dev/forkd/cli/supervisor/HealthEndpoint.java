package dev.forkd.cli.supervisor;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Executors;

/**
 * {@code forkd run --health-port N}: an HTTP endpoint for a container orchestrator's probes, answered from the
 * instances' state (Kubernetes' {@code httpGet} probes; anything that can GET a URL).
 *
 * <ul>
 *   <li>{@code GET /readyz}: {@code 200} while every instance is online (with {@code --wait-ready}: has said
 *       {@code READY=1}) and forkd is not stopping, else {@code 503}; the body is the one-line summary, e.g.
 *       {@code "2/2 instances online"} or {@code "stopping"}. It turns {@code 503} the moment SIGTERM arrives,
 *       while the instances drain.</li>
 *   <li>{@code GET /livez}: {@code 200} while forkd's JVM answers at all; the instances' own health is
 *       forkd's business (it restarts them), not a reason to kill the container.</li>
 *   <li>Anything else: {@code 404}.</li>
 * </ul>
 *
 * <p>It listens on every address (a kubelet probes the pod's IP), on the JDK's built-in HTTP server with a
 * virtual thread per request, and is closed when forkd run exits.
 */
final class HealthEndpoint implements AutoCloseable {
    private final HttpServer server;

    private HealthEndpoint(HttpServer server) {
        this.server = server;
    }

    /**
     * Binds the port; requests wait in its backlog until {@link #serve()}.
     *
     * @throws IOException naming the port when it cannot be bound (or is not 0-65535)
     */
    static HealthEndpoint bind(int port, ServiceStatus status) throws IOException {
        HttpServer server;
        try {
            server = HttpServer.create(new InetSocketAddress(port), 64);
        } catch (IOException | IllegalArgumentException e) {
            throw new IOException("cannot listen on --health-port " + port + ": " + e.getMessage(), e);
        }
        server.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
        server.createContext("/", exchange -> {
            try (exchange) {
                String path = exchange.getRequestURI().getPath();
                switch (path) {
                    case "/readyz" -> answer(exchange, status.ready() ? 200 : 503, status.summary());
                    case "/livez" -> answer(exchange, 200, "alive");
                    default -> answer(exchange, 404, "not found: try /readyz or /livez");
                }
            }
        });
        return new HealthEndpoint(server);
    }

    /** Starts answering. */
    void serve() {
        server.start();
    }

    private static void answer(HttpExchange exchange, int code, String text) throws IOException {
        byte[] body = (text + "\n").getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", "text/plain; charset=utf-8");
        exchange.getResponseHeaders().set("Cache-Control", "no-store");
        if (exchange.getRequestMethod().equals("HEAD")) {
            exchange.sendResponseHeaders(code, -1);
            return;
        }
        exchange.sendResponseHeaders(code, body.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(body);
        }
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
