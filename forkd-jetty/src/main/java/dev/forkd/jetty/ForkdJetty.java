package dev.forkd.jetty;

import dev.forkd.cluster.Cluster;
import dev.forkd.cluster.WorkerContext;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.LocalConnector;
import org.eclipse.jetty.server.Server;

/**
 * An embedded Jetty server for a cluster worker in one call: a {@link ClusterConnector} on the cluster port,
 * the handler wrapped in a {@link DrainingHandler}, and a drain when the primary asks the worker to stop
 * (reload, shutdown): the port is released, responses carry {@code Connection: close}, requests in flight
 * finish (at most {@code stopTimeout}), then Jetty stops. A reload therefore drops nothing.
 *
 * {@snippet :
 * Server server = ForkdJetty.start(8080, new Handler.Abstract() {
 *     public boolean handle(Request request, Response response, Callback callback) {
 *         Content.Sink.write(response, true, "hello\n", callback);
 *         return true;
 *     }
 * });
 * server.join();
 * }
 */
public final class ForkdJetty {
    private ForkdJetty() {}

    /** Starts Jetty on cluster port {@code port} (all interfaces) with a 10 s graceful stop. */
    public static Server start(int port, Handler handler) throws Exception {
        return start(new InetSocketAddress(port), handler, Duration.ofSeconds(10));
    }

    /**
     * Starts Jetty on a cluster port.
     *
     * @throws IllegalStateException if this JVM is not a cluster worker
     * @throws java.net.BindException if the port cannot be bound
     */
    public static Server start(InetSocketAddress address, Handler handler, Duration stopTimeout) throws Exception {
        WorkerContext worker = Cluster.worker().orElseThrow(() ->
                new IllegalStateException("not a cluster worker: fork this JVM with Cluster.fork()"));
        Server server = new Server();
        ClusterConnector connector;
        try {
            connector = new ClusterConnector(server, worker.listen(address));
        } catch (IOException e) {
            server.destroy();
            throw e;
        }
        server.addConnector(connector);
        DrainingHandler draining = new DrainingHandler(handler);
        server.setHandler(draining);
        server.setStopTimeout(stopTimeout.toMillis());
        server.setStopAtShutdown(false); // the worker's disconnect hook stops it, after draining
        worker.onDisconnect(() -> drainAndStop(server, connector, draining, stopTimeout));
        server.start();
        return server;
    }

    /**
     * Sends {@code requests} GET requests for {@code paths} (in turn) through {@code handler} on a private
     * in-memory Jetty ({@link LocalConnector}) and throws the responses away, so that a new worker's first
     * clients do not wait for the interpreter and the JIT: call it before {@link #start}, because the primary
     * routes connections to a worker as soon as it listens. It costs the worker's start-up that much longer
     * (a few hundred ms for a few thousand requests on a cold JVM). {@code handler} must answer these paths
     * without side effects that matter.
     *
     * {@snippet :
     * ForkdJetty.warmUp(handler, 2_000, "/");   // a reload's replacement then takes traffic warm
     * ForkdJetty.start(8080, handler).join();
     * }
     *
     * @return how many of the responses had status 200
     */
    public static int warmUp(Handler handler, int requests, String... paths) throws Exception {
        if (requests < 0) throw new IllegalArgumentException("requests must not be negative: " + requests);
        if (paths.length == 0) throw new IllegalArgumentException("no path to warm up");
        Server server = new Server();
        LocalConnector local = new LocalConnector(server);
        server.addConnector(local);
        server.setHandler(handler);
        int ok = 0;
        try {
            server.start();
            for (int i = 0; i < requests; i++) {
                String response = local.getResponse("GET " + paths[i % paths.length]
                        + " HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n");
                if (response != null && response.startsWith("HTTP/1.1 200")) ok++;
            }
        } finally {
            server.stop();
            server.setHandler((Handler) null); // the handler is free for the real server
        }
        return ok;
    }

    /**
     * Stops taking connections, lets keep-alive clients finish their current request (answered with
     * {@code Connection: close}), waits until nothing is in flight or open (at most {@code timeout}), stops.
     */
    static void drainAndStop(Server server, ClusterConnector connector, DrainingHandler handler, Duration timeout) {
        handler.drain();
        try {
            connector.clusterServer().close(); // the primary sends nothing more; SHARED/REUSEPORT: stop accepting
        } catch (java.io.IOException ignored) {
            // stopping anyway
        }
        long deadline = System.nanoTime() + timeout.toNanos();
        long quietSince = -1;
        while (System.nanoTime() < deadline) {
            boolean quiet = handler.inflight() == 0;
            if (quiet && connector.getConnectedEndPoints().isEmpty()) break;
            if (quiet) {
                if (quietSince < 0) quietSince = System.nanoTime();
                // Idle keep-alive connections: give their clients a moment to send one more request (it gets
                // Connection: close); then the stop below closes whatever is still idle.
                if (System.nanoTime() - quietSince > 500_000_000L) break;
            } else {
                quietSince = -1;
            }
            try {
                Thread.sleep(10);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        try {
            server.stop();
        } catch (Exception e) {
            System.getLogger("dev.forkd.jetty").log(System.Logger.Level.WARNING, "Jetty stop failed", e);
        }
    }
}
