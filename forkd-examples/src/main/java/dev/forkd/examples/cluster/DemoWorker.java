package dev.forkd.examples.cluster;

import dev.forkd.cluster.Cluster;
import dev.forkd.cluster.WorkerContext;
import dev.forkd.jetty.ForkdJetty;
import java.net.InetSocketAddress;
import java.time.Duration;
import org.eclipse.jetty.http.HttpStatus;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.Fields;

/**
 * The demo's worker: the article's {@code server.js} on an embedded Jetty 12 that serves the cluster port.
 *
 * <ul>
 *   <li>{@code /}: {@code Handled by process <pid>}</li>
 *   <li>{@code /sum?n=1000000000}: a CPU-bound loop of n steps (the article's {@code longComputation}); the
 *       worker reports itself busy meanwhile, so the load-aware policy routes new connections elsewhere</li>
 *   <li>{@code /crash}: answers, then the worker dies (exit code 1); the primary respawns it</li>
 * </ul>
 */
public final class DemoWorker {
    static final long DEFAULT_SUM = 1_000_000_000L;

    private DemoWorker() {}

    public static void main(String[] args) throws Exception {
        int port = Integer.parseInt(args[0]);
        WorkerContext worker = Cluster.worker().orElseThrow(() ->
                new IllegalStateException("DemoWorker runs inside the cluster demo: java -jar forkd-examples.jar cluster"));
        long pid = ProcessHandle.current().pid();
        ForkdJetty.start(new InetSocketAddress(port), new Handler.Abstract() {
            @Override
            public boolean handle(Request request, Response response, Callback callback) {
                String path = Request.getPathInContext(request);
                switch (path) {
                    case "/" -> Content.Sink.write(response, true, "Handled by process " + pid + "\n", callback);
                    case "/sum" -> {
                        long n = parse(Request.extractQueryParameters(request), DEFAULT_SUM);
                        long sum;
                        try (var busy = worker.busy()) {
                            sum = longComputation(n);
                        }
                        Content.Sink.write(response, true, "Sum of " + n + " steps is " + sum + " (process " + pid
                                + ")\n", callback);
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
        }, Duration.ofSeconds(10)).join();
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

    /** A loop the JIT cannot fold away. */
    static long longComputation(long n) {
        long sum = 0;
        for (long i = 0; i < n; i++) sum += i ^ (sum >>> 7);
        return sum;
    }
}
