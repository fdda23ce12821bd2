package dev.forkd.examples.cluster;

import dev.forkd.cluster.Cluster;
import dev.forkd.cluster.WorkerContext;
import dev.forkd.examples.SumLoop;
import dev.forkd.jetty.ForkdJetty;
import java.math.BigInteger;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Optional;
import org.eclipse.jetty.http.HttpStatus;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.Fields;

/**
 * The demo's worker: the article's {@code server.js} on an embedded Jetty 12 that serves the cluster port.
 *
 * <ul>
 *   <li>{@code /}: {@code Handled by process <pid>}</li>
 *   <li>{@code /sum?n=1000000000}: {@code Sum of i for 0 <= i < 1000000000 is 499999999500000000 (process <pid>)},
 *       added one by one ({@link SumLoop}, the Node multi-process article's {@code /sum} loop; without {@code n},
 *       its 10<sup>10</sup> steps, about 3 s). The worker reports itself busy meanwhile, so the load-aware policy
 *       routes new connections elsewhere</li>
 *   <li>{@code /crash}: answers, then the worker dies (exit code 1); the primary respawns it</li>
 * </ul>
 */
public final class DemoWorker {
    /** The article's loop bound. */
    static final long DEFAULT_SUM = 10_000_000_000L;

    private DemoWorker() {}

    public static void main(String[] args) throws Exception {
        int port = Integer.parseInt(args[0]);
        WorkerContext worker = Cluster.worker().orElseThrow(() ->
                new IllegalStateException("DemoWorker runs inside the cluster demo: java -jar forkd-examples.jar cluster"));
        Handler handler = handler(Optional.of(worker));
        int warmUp = args.length > 1 ? Integer.parseInt(args[1]) : 0;
        if (warmUp > 0) ForkdJetty.warmUp(handler, warmUp, "/"); // before the primary sends it anyone
        ForkdJetty.start(new InetSocketAddress(port), handler, Duration.ofSeconds(10)).join();
    }

    /**
     * The same handler as one plain Jetty process without forkd (the yardstick the cluster is measured
     * against: {@code cluster --standalone}); Jetty's default thread pool serves on every core.
     */
    static void standalone(int port) throws Exception {
        Server server = new Server();
        ServerConnector connector = new ServerConnector(server);
        connector.setPort(port);
        server.addConnector(connector);
        server.setHandler(handler(Optional.empty()));
        server.start();
        System.out.printf("standalone: one process (pid %d), %d cores, http://localhost:%d/%n",
                ProcessHandle.current().pid(), Runtime.getRuntime().availableProcessors(), connector.getLocalPort());
        System.out.flush();
        server.join();
    }

    /** {@code /}, {@code /sum} and {@code /crash}; a cluster worker reports itself busy during {@code /sum}. */
    static Handler handler(Optional<WorkerContext> worker) {
        long pid = ProcessHandle.current().pid();
        return new Handler.Abstract() {
            @Override
            public boolean handle(Request request, Response response, Callback callback) {
                String path = Request.getPathInContext(request);
                switch (path) {
                    case "/" -> Content.Sink.write(response, true, "Handled by process " + pid + "\n", callback);
                    case "/sum" -> {
                        long n = parse(Request.extractQueryParameters(request), DEFAULT_SUM);
                        BigInteger sum;
                        if (worker.isPresent()) {
                            try (var busy = worker.get().busy()) {
                                sum = SumLoop.sumBelow(n);
                            }
                        } else {
                            sum = SumLoop.sumBelow(n);
                        }
                        Content.Sink.write(response, true, "Sum of i for 0 <= i < " + n + " is " + sum
                                + " (process " + pid + ")\n", callback);
                    }
                    case "/crash" -> Content.Sink.write(response, true, "Process " + pid + " is crashing\n",
                            Callback.from(callback, () -> Runtime.getRuntime().halt(1)));
                    default -> {
                        response.setStatus(HttpStatus.NOT_FOUND_404);
                        Content.Sink.write(response, true, "Not found: " + path + "\n", callback);
                    }
                }
                return true;
            }
        };
    }

    private static long parse(Fields query, long dflt) {
        String n = query.getValue("n");
        if (n == null) return dflt;
        try {
            return Math.max(0, Long.parseLong(n));
        } catch (NumberFormatException e) {
            return dflt;
        }
    }
}
