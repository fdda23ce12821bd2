package dev.forkd.examples.cluster;

import dev.forkd.ForkOptions;
import dev.forkd.SpawnException;
import dev.forkd.cluster.Cluster;
import dev.forkd.cluster.ClusterEvent;
import dev.forkd.cluster.ClusterSettings;
import dev.forkd.cluster.RestartPolicy;
import dev.forkd.cluster.SchedulingPolicy;
import dev.forkd.jetty.ForkdJetty;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;

/**
 * Mirrors the Node multi-process article's "Using the cluster module for automatic worker management" (the end
 * of its section 5): one worker per CPU serves HTTP on port 3000, and the primary forks a new worker whenever
 * one exits.
 *
 * <pre>{@code
 * let cluster = require('cluster');
 * let http = require('http');
 * let cpus = require('os').cpus().length;
 * let workers = {};
 * if (cluster.isMaster) {
 *   cluster.on('exit', function (worker) {
 *     console.log(worker.process.pid, 'death');
 *     let w = cluster.fork();
 *     workers[w.pid] = w;
 *   });
 *   for (let i = 0; i < cpus; i++) {
 *     let worker = cluster.fork();
 *     workers[worker.pid] = worker;
 *   }
 * } else {
 *   http.createServer((req, res) => {
 *     res.end(process.pid + '');
 *   }).listen(3000);
 *   console.log('server start', process.pid);
 * }
 * }</pre>
 *
 * <p>{@code java -jar forkd-examples.jar cluster-respawn [--port 3000] [--workers N]} (default: one worker per
 * available processor). Each worker ({@link HttpWorker}, an embedded Jetty on the cluster port) prints
 * {@code server start <pid>} and answers every request with its pid. Kill one ({@code kill <pid>}) and the
 * primary prints {@code <pid> death} and forks a replacement, which prints its own {@code server start}. The
 * respawning is the article's, done in the event listener: forkd's own (with backoff and a crash-loop guard, as in
 * the {@code cluster} demo) is off, and connections are handed out round robin, Node's default. The article's
 * {@code workers} map is left out: it is never read, and its key {@code w.pid} is undefined in Node.
 *
 * <p>One difference: the article's primary dies at once on Ctrl-C, while a forkd primary stops its workers on the
 * way out (Ctrl-C, SIGTERM); the workers that exit then are not reported or replaced.
 */
public final class ClusterRespawn {
    private ClusterRespawn() {}

    public static void main(String[] args) throws Exception {
        int port = 3000;
        int cpus = Runtime.getRuntime().availableProcessors();
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--port" -> port = Integer.parseInt(value(args, ++i, "--port"));
                case "--workers" -> cpus = Integer.parseInt(value(args, ++i, "--workers"));
                default -> throw new IllegalArgumentException("unknown option " + args[i]
                        + " (cluster-respawn [--port N] [--workers N])");
            }
        }
        ForkOptions worker = ForkOptions.of(HttpWorker.class.getName(), Integer.toString(port))
                .execArgv("-XX:+UseSerialGC", "-Xms64m", "-Xmx256m");
        Cluster cluster = Cluster.setupPrimary(ClusterSettings.of(worker).workers(cpus)
                .schedulingPolicy(SchedulingPolicy.ROUND_ROBIN).restartPolicy(RestartPolicy.never()));
        AtomicBoolean stopping = new AtomicBoolean();
        Runtime.getRuntime().addShutdownHook(new Thread(() -> stopping.set(true)));
        cluster.onEvent(e -> {
            if (e instanceof ClusterEvent.Exited exit && !exit.worker().exitedAfterDisconnect() && !stopping.get()) {
                System.out.println(exit.worker().process().pid() + " death");
                try {
                    cluster.fork();
                } catch (SpawnException failed) {
                    System.out.println("cannot fork a new worker: " + failed.getMessage());
                }
            }
        });
        cluster.start();
        new CountDownLatch(1).await(); // until Ctrl-C/SIGTERM: the cluster stops its workers on the way out
    }

    private static String value(String[] args, int i, String flag) {
        if (i >= args.length) throw new IllegalArgumentException(flag + " needs a value");
        return args[i];
    }

    /** The article's worker: answers every request with its pid. */
    public static final class HttpWorker {
        private HttpWorker() {}

        public static void main(String[] args) throws Exception {
            int port = Integer.parseInt(args[0]);
            long pid = ProcessHandle.current().pid();
            var server = ForkdJetty.start(new InetSocketAddress(port), new Handler.Abstract() {
                @Override
                public boolean handle(Request req, Response res, Callback callback) {
                    Content.Sink.write(res, true, Long.toString(pid), callback);
                    return true;
                }
            }, Duration.ofSeconds(10));
            System.out.println("server start " + pid);
            server.join();
        }
    }
}
