package dev.forkd.cluster;

import dev.forkd.Command;
import dev.forkd.ForkOptions;
import dev.forkd.SpawnException;
import dev.forkd.internal.cluster.PrimaryCore;
import dev.forkd.internal.cluster.ServiceNotifier;
import dev.forkd.internal.cluster.WorkerRuntime;
import dev.forkd.internal.ipc.HandleAdoption;
import dev.forkd.ipc.Subscription;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;

/**
 * Node's {@code cluster} for the JVM: a primary forks worker JVMs that share its listening ports, respawns
 * them when they die, reloads them without dropping connections, and stops them on SIGTERM.
 *
 * {@snippet class=dev.forkd.snippets.ClusterSnippets region=main}
 *
 * <p>Workers can be any program that speaks Node's cluster protocol over the channel on fd 3, an unmodified
 * Node app included ({@link ClusterSettings#of(dev.forkd.Command)}), and a primary started by systemd's socket
 * activation serves the sockets it inherited ({@link ClusterSettings#listener(int, String)}).
 *
 * <p>Events arrive in Node's order per worker (fork, online, listening, disconnect, exit) on one virtual
 * thread. A worker whose primary dies exits, even after SIGKILL of the primary. On SIGTERM/SIGINT the primary
 * stops accepting, asks every worker to finish and exit, and kills what is left after the shutdown grace.
 */
public final class Cluster {
    private final PrimaryCore core;
    /** systemd's notify protocol when NOTIFY_SOCKET is set; else a notifier that does nothing. */
    private final ServiceNotifier notifier;

    private Cluster(PrimaryCore core, ServiceNotifier notifier) {
        this.core = core;
        this.notifier = notifier;
    }

    /** True unless this JVM was forked as a cluster worker. */
    public static boolean isPrimary() {
        return !isWorker();
    }

    /** True in a JVM forked as a worker ({@code NODE_UNIQUE_ID} and an IPC channel, as in Node). */
    public static boolean isWorker() {
        return System.getenv("NODE_UNIQUE_ID") != null && System.getenv("NODE_CHANNEL_FD") != null;
    }

    /** Inside a worker: its context (started on first call). Empty in the primary. */
    public static Optional<WorkerContext> worker() {
        return WorkerRuntime.get();
    }

    /**
     * Makes this JVM a cluster primary with these settings. (Unlike Node, a JVM may run several independent
     * clusters, e.g. one per application; each has its own workers and ports.)
     *
     * <p>Under a service manager ({@code NOTIFY_SOCKET} set: systemd's {@code Type=notify}, {@code forkd run
     * --wait-ready}) the first cluster of the JVM announces itself: {@code READY=1} once
     * {@link ClusterSettings#workers()} workers listen, {@code RELOADING=1} and {@code READY=1} around a
     * {@link #reload()}, {@code STOPPING=1} on {@link #disconnect()} and SIGTERM, {@code STATUS=} lines, and
     * {@code WATCHDOG=1} every half {@code WATCHDOG_USEC}. Workers then do not inherit {@code NOTIFY_SOCKET},
     * {@code WATCHDOG_USEC} or {@code WATCHDOG_PID}. {@code -Dforkd.cluster.notify=false} turns this off.
     *
     * @throws IllegalStateException in a worker, or when this JVM was started without
     *     {@code --add-opens java.base/sun.nio.ch=ALL-UNNAMED} (the primary passes sockets to its workers)
     */
    public static Cluster setupPrimary(ClusterSettings settings) {
        Objects.requireNonNull(settings, "settings");
        if (isWorker()) throw new IllegalStateException("a cluster worker cannot be a primary");
        // Fail here, not on the event loop at the first connection: every policy passes sockets to workers.
        HandleAdoption.requireAccess();
        ServiceNotifier notifier = ServiceNotifier.forCluster(settings);
        PrimaryCore core = new PrimaryCore(notifier.workerSettings(settings));
        notifier.attach(core);
        return new Cluster(core, notifier);
    }

    public ClusterSettings settings() {
        return core.settings();
    }

    /** Forks {@link ClusterSettings#workers()} workers. */
    public Cluster start() throws SpawnException {
        for (int i = 0; i < core.settings().workers(); i++) fork();
        return this;
    }

    /** Forks one worker. */
    public Worker fork() throws SpawnException {
        return fork(Map.of());
    }

    /** Forks one worker with extra environment variables. */
    public Worker fork(Map<String, String> env) throws SpawnException {
        return core.fork(env);
    }

    /**
     * Forks one worker that runs {@code command} instead of what the settings say: a Node worker in a cluster
     * of JVMs, say. It is spawned as {@link ClusterSettings#of(Command)} describes, takes part in every port
     * and policy like the others, and its respawn and its reload replacement run the same command.
     *
     * {@snippet class=dev.forkd.snippets.ClusterSnippets region=mixed}
     *
     * @throws IllegalArgumentException if the command's stdio gives fd 3 something other than the channel
     */
    public Worker fork(Command command) throws SpawnException {
        return core.fork(notifier.worker(Objects.requireNonNull(command, "command")));
    }

    /** Forks one worker JVM with {@code options} instead of what the settings say; see {@link #fork(Command)}. */
    public Worker fork(ForkOptions options) throws SpawnException {
        return core.fork(notifier.worker(Objects.requireNonNull(options, "options")));
    }

    /** The workers that are alive, by id. */
    public Map<Integer, Worker> workers() {
        return core.workers();
    }

    /** Listens to cluster events. */
    public Subscription onEvent(Consumer<ClusterEvent> listener) {
        return core.onEvent(listener);
    }

    /**
     * Asks every worker to stop (close its ports, finish, exit), kills those still running after the
     * shutdown grace, and closes the primary's listening sockets. Completes when all have exited.
     */
    public CompletableFuture<Void> disconnect() {
        notifier.stopping();
        core.stopRespawning();
        return core.disconnectAll();
    }

    /**
     * Replaces every worker: fork the replacements ({@link ClusterSettings#reloadSurge()} at a time, by default
     * all at once), wait until they listen, stop routing to the old ones, let those drain and exit (killed
     * after the shutdown grace) while the next batch, if any, starts. A replacement that dies or does not
     * listen within the ready timeout aborts the reload: it is not respawned, and the old workers it was to
     * replace keep serving. The result comes once every replaced worker has exited.
     */
    public CompletableFuture<ReloadResult> reload() {
        notifier.reloading();
        return core.reload().whenComplete(notifier::reloaded);
    }
}
