package dev.forkd.jetty;

import dev.forkd.cluster.Cluster;
import dev.forkd.cluster.WorkerContext;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import org.eclipse.jetty.server.Handler;
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
