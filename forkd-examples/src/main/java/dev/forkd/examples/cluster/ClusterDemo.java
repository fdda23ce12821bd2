package dev.forkd.examples.cluster;

import dev.forkd.ForkOptions;
import dev.forkd.cluster.Cluster;
import dev.forkd.cluster.ClusterEvent;
import dev.forkd.cluster.ClusterSettings;
import dev.forkd.cluster.ReloadResult;
import dev.forkd.cluster.SchedulingPolicy;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;

/**
 * The Node article's cluster demo ("Scaling Node.js Applications"), on forkd and an embedded Jetty:
 *
 * <pre>{@code
 * // cluster.js
 * if (cluster.isMaster) {
 *   for (let i = 0; i < cpus; i++) cluster.fork();
 *   cluster.on('exit', (worker, code, signal) => {
 *     if (code !== 0 && !worker.exitedAfterDisconnect) {
 *       console.log(`Worker ${worker.id} crashed. Starting a new worker...`);
 *       cluster.fork();
 *     }
 *   });
 * } else {
 *   require('./server');   // http.createServer(...).listen(8080): "Handled by process ${pid}"
 * }
 * }</pre>
 *
 * <p>{@code java -jar forkd-examples.jar cluster --port 3000 --workers 2 --policy load-aware} starts the
 * primary, which forks the workers ({@link DemoWorker}) and prints the URL and each worker's pid. {@code /}
 * answers with the serving worker's pid, {@code /sum?n=} runs a CPU-bound loop, {@code /crash} kills the
 * serving worker, which forkd respawns (logged). SIGHUP reloads the workers (the replacements start at
 * once, then the old ones drain) without dropping a request (the article's SIGUSR2 restart; the JVM keeps
 * SIGUSR2 for itself). Ctrl-C or SIGTERM drains the workers and exits. {@code --warm-up N} has each worker
 * send itself N in-memory requests before it listens, so that a reload's replacements take traffic warm;
 * {@code --standalone} runs the same server as one plain Jetty process instead, to measure the cluster
 * against. When the cluster gives up (the port is taken, or workers crash in a loop) the demo exits
 * with status 1 and the reason.
 */
public final class ClusterDemo {
    private ClusterDemo() {}

    public static void main(String[] args) throws Exception {
        int port = 3000;
        int workers = Runtime.getRuntime().availableProcessors();
        SchedulingPolicy policy = SchedulingPolicy.LOAD_AWARE;
        Path aotCache = null;
        boolean standalone = false;
        int warmUp = 0;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--standalone" -> standalone = true;
                case "--warm-up" -> warmUp = Integer.parseInt(value(args, ++i, "--warm-up"));
                case "--port" -> port = Integer.parseInt(value(args, ++i, "--port"));
                case "--workers" -> workers = Integer.parseInt(value(args, ++i, "--workers"));
                case "--policy" -> policy = policy(value(args, ++i, "--policy"));
                case "--aot-cache" -> aotCache = Path.of(value(args, ++i, "--aot-cache"));
                default -> throw new IllegalArgumentException("unknown option " + args[i]
                        + " (cluster [--port N] [--workers N] [--policy load-aware|round-robin|shared|reuseport]"
                        + " [--aot-cache FILE] [--warm-up REQUESTS] [--standalone])");
            }
        }
        if (standalone) { // the same server as one plain process, to measure the cluster against
            DemoWorker.standalone(port);
            return;
        }
        ForkOptions worker = ForkOptions.of(DemoWorker.class.getName(), Integer.toString(port), Integer.toString(warmUp))
                .execArgv("-XX:+UseSerialGC", "-Xms64m", "-Xmx256m");
        // The first worker to run without the file trains it when it exits (a reload or Ctrl-C); workers
        // started after that start from it: faster to listen, and with the JIT profiles of a warm worker.
        if (aotCache != null) worker = worker.aotCache(aotCache);
        ClusterSettings settings = ClusterSettings.of(worker)
                .workers(workers).schedulingPolicy(policy).shutdownGrace(Duration.ofSeconds(10));
        Cluster cluster = Cluster.setupPrimary(settings);
        int expected = workers;
        CompletableFuture<String> gaveUp = new CompletableFuture<>();
        int[] listening = {0};
        String policyName = name(policy);
        cluster.onEvent(e -> {
            switch (e) {
                case ClusterEvent.Listening l -> {
                    System.out.printf("worker %d (pid %d) listening on port %d%n", l.worker().id(),
                            l.worker().process().pid(), l.address().getPort());
                    if (++listening[0] == expected) {
                        System.out.printf("%nforkd cluster: %d workers, policy %s, primary pid %d%n  http://localhost:%d/"
                                        + "  /sum?n=1000000000  /crash   (SIGHUP: reload, Ctrl-C: stop)%n%n",
                                expected, policyName, ProcessHandle.current().pid(), l.address().getPort());
                    }
                }
                case ClusterEvent.Exited x -> System.out.printf("worker %d (pid %d) exited: %s%s%n", x.worker().id(),
                        x.worker().process().pid(), x.status(), x.worker().exitedAfterDisconnect() ? " (asked to)" : "");
                case ClusterEvent.Respawning r -> System.out.printf("worker %d crashed; starting a new worker in %d ms%n",
                        r.worker().id(), r.delay().toMillis());
                case ClusterEvent.GaveUp g -> {
                    System.out.println("giving up: " + g.reason());
                    gaveUp.complete(g.reason());
                }
                default -> { }
            }
            System.out.flush();
        });
        onSighup(() -> {
            System.out.println("SIGHUP: reloading the workers");
            ReloadResult r = cluster.reload().join();
            System.out.println(r.succeeded() ? "reload done: " + r.replaced()
                    : "reload stopped: " + r.failure().orElse("?") + " (replaced " + r.replaced() + ")");
        });
        cluster.start();
        // Until Ctrl-C/SIGTERM (the cluster drains its workers on the way out), or until the cluster gives up
        // (the port is taken, or a crash loop): then the demo fails, with the reason, as a supervisor expects.
        String reason = gaveUp.get();
        throw new IllegalStateException("the cluster gave up: " + reason);
    }

    private static String value(String[] args, int i, String flag) {
        if (i >= args.length) throw new IllegalArgumentException(flag + " needs a value");
        return args[i];
    }

    static SchedulingPolicy policy(String name) {
        return switch (name.toLowerCase(Locale.ROOT)) {
            case "load-aware" -> SchedulingPolicy.LOAD_AWARE;
            case "round-robin", "rr" -> SchedulingPolicy.ROUND_ROBIN;
            case "shared", "none" -> SchedulingPolicy.SHARED;
            case "reuseport" -> SchedulingPolicy.REUSEPORT;
            default -> throw new IllegalArgumentException("unknown policy " + name
                    + " (load-aware, round-robin, shared, reuseport)");
        };
    }

    static String name(SchedulingPolicy p) {
        return p.name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    /** SIGHUP through the JDK's signal API (jdk.unsupported); skipped quietly where it is unavailable. */
    private static void onSighup(Runnable action) {
        try {
            var previous = sun.misc.Signal.handle(new sun.misc.Signal("HUP"), sig -> Thread.ofVirtual().start(action));
            if (previous == sun.misc.SignalHandler.SIG_IGN) {
                // The JVM keeps an inherited SIG_IGN (nohup does that) and never calls the handler.
                System.out.println("note: this process ignores SIGHUP (started with nohup?), so SIGHUP will not reload");
            }
        } catch (Throwable unavailable) {
            // reload stays available through the API
        }
    }
}
