package dev.forkd.internal.cluster;

import dev.forkd.internal.io.LazyLogger;
import dev.forkd.Command;
import dev.forkd.ExitStatus;
import dev.forkd.ForkOptions;
import dev.forkd.Notify;
import dev.forkd.cluster.ClusterEvent;
import dev.forkd.cluster.ClusterSettings;
import dev.forkd.cluster.ReloadResult;
import dev.forkd.cluster.Worker;
import dev.forkd.internal.io.EventLoop;
import dev.forkd.internal.io.SerialExecutor;
import dev.forkd.internal.posix.Posix;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A cluster primary as a systemd {@code Type=notify} (or {@code notify-reload}) service: tells the service
 * manager named by {@code NOTIFY_SOCKET} what the cluster does, from its public {@link ClusterEvent}s and the
 * three calls {@link dev.forkd.cluster.Cluster} makes around a reload and a disconnect.
 *
 * <ul>
 *   <li>{@code READY=1} once {@link ClusterSettings#workers()} workers listen (each on at least one port);</li>
 *   <li>{@code RELOADING=1} with {@code MONOTONIC_USEC=} when a reload starts, {@code READY=1} when it ends
 *       (whether or not it replaced every worker: the old ones keep serving);</li>
 *   <li>{@code STOPPING=1} on {@code disconnect()} and when the JVM shuts down (SIGTERM);</li>
 *   <li>{@code STATUS=} for people ({@code systemctl status}): "2/2 workers ready", "reloading: 1/2 workers
 *       replaced", "stopping: 1 worker draining", a death and its respawn, the reason the cluster gave up;</li>
 *   <li>{@code WATCHDOG=1} every half {@code WATCHDOG_USEC} when that is set for this process (honouring
 *       {@code WATCHDOG_PID}), sent from the event loop's timer, so a stuck loop stops the pings. A cluster
 *       that has given up and has no worker left stops pinging too: the watchdog then restarts the service,
 *       which is what a unit with {@code WatchdogSec=} and {@code Restart=} asks for.</li>
 * </ul>
 *
 * <p>Only the first cluster set up in a JVM speaks for the service (one process, one readiness). Workers of
 * every cluster are forked without {@code NOTIFY_SOCKET}, {@code WATCHDOG_USEC} and {@code WATCHDOG_PID}: they
 * are not the service, and with {@code NotifyAccess=all} their own announcements would count. The system
 * property {@value #PROPERTY}{@code =false} turns all of this off (and leaves the workers' environment alone).
 *
 * <p>Threads: state changes are quick and done under this object's lock, on whatever thread reports them (the
 * cluster's event thread, a caller of reload or disconnect, a shutdown hook); each message is queued there, in
 * order, and sent by a serial executor of its own, because a send blocks while the manager's queue is full and
 * must hold up neither the event loop nor the cluster's event listeners. A send that fails is logged once (and
 * again after a send that worked), never thrown.
 */
public final class ServiceNotifier {
    /** The system property that turns announcements off: {@code -Dforkd.cluster.notify=false}. */
    public static final String PROPERTY = "forkd.cluster.notify";
    /** What a worker must not inherit from a primary that is the service. */
    static final List<String> SERVICE_VARIABLES = List.of(Notify.NOTIFY_SOCKET, "WATCHDOG_USEC", "WATCHDOG_PID");

    private static final System.Logger LOG = LazyLogger.of("dev.forkd.cluster");
    private static final AtomicBoolean CLAIMED = new AtomicBoolean();
    /** The notifier of a cluster that does not announce. */
    private static final ServiceNotifier OFF = new ServiceNotifier(false, false, 0);

    private enum Phase { STARTING, READY, RELOADING, STOPPING }

    /** Strip the service's variables from the workers' environment. */
    private final boolean stripsWorkers;
    /** Announce (the first cluster of the JVM, under a service manager). */
    private final boolean announces;
    private final int target;
    private final SerialExecutor sender = new SerialExecutor("forkd-notify");
    private final AtomicBoolean pingQueued = new AtomicBoolean();
    private volatile boolean sendFailing;

    // Guarded by this.
    private Phase phase = Phase.STARTING;
    private final Set<Worker> live = new HashSet<>();
    private final Set<Worker> listened = new HashSet<>();
    private int reloads;           // reloads under way (they may overlap)
    private int reloadFirstNewId;  // a worker with at least this id was forked by the reload
    private int reloadTotal;
    private int replaced;
    private boolean gaveUp;
    private String lastIncident;   // the latest death or failure, shown after the counts
    private String lastStatus;     // the STATUS= text last queued: no repeats

    private ServiceNotifier(boolean stripsWorkers, boolean announces, int target) {
        this.stripsWorkers = stripsWorkers;
        this.announces = announces;
        this.target = target;
    }

    /**
     * The notifier for a cluster about to be set up with {@code settings}: announcing if {@code NOTIFY_SOCKET}
     * is set, {@value #PROPERTY} is not {@code false}, and no earlier cluster of this JVM announces; else one
     * that does nothing (but still keeps the workers from inheriting a service manager's variables).
     */
    public static ServiceNotifier forCluster(ClusterSettings settings) {
        String socket = System.getenv(Notify.NOTIFY_SOCKET);
        if (socket == null || socket.isEmpty() || "false".equalsIgnoreCase(System.getProperty(PROPERTY))) return OFF;
        if (!CLAIMED.compareAndSet(false, true)) {
            LOG.log(System.Logger.Level.INFO, "NOTIFY_SOCKET is set: the first cluster of this JVM announces for"
                    + " the service; this one does not");
            return new ServiceNotifier(true, false, 0);
        }
        return new ServiceNotifier(true, true, settings.workers());
    }

    /** {@code settings} with workers that do not inherit the service manager's variables. */
    public ClusterSettings workerSettings(ClusterSettings settings) {
        if (!stripsWorkers) return settings;
        if (settings.command().isPresent()) return settings.command(worker(settings.command().get()));
        return settings.fork(worker(settings.fork()));
    }

    /** A worker JVM given to {@code Cluster.fork(ForkOptions)}, without the service's variables. */
    public ForkOptions worker(ForkOptions fork) {
        if (!stripsWorkers) return fork;
        for (String v : SERVICE_VARIABLES) fork = fork.envRemove(v);
        return fork;
    }

    /** A worker command given to {@code Cluster.fork(Command)} or the settings, without the service's variables. */
    public Command worker(Command command) {
        if (!stripsWorkers) return command;
        for (String v : SERVICE_VARIABLES) command = command.envRemove(v);
        return command;
    }

    /** Starts listening to {@code core}'s events, the watchdog pings, and the JVM's shutdown. */
    public void attach(PrimaryCore core) {
        if (!announces) return;
        core.onEvent(this::onEvent);
        Runtime.getRuntime().addShutdownHook(Thread.ofPlatform().name("forkd-notify-shutdown").unstarted(() -> {
            stopping();
            sender.awaitIdle(1_000); // virtual threads do not hold the exit: send STOPPING=1 first
        }));
        Notify.watchdogInterval().ifPresent(this::startPinging);
        status();
    }

    /** {@code Cluster.reload()} is starting a reload. */
    public void reloading() {
        if (!announces) return;
        synchronized (this) {
            // One RELOADING=1 for overlapping reloads; none before READY=1 (that one still comes once the
            // workers listen) or while stopping.
            if (reloads++ > 0 || phase != Phase.READY) return;
            phase = Phase.RELOADING;
            reloadFirstNewId = Integer.MAX_VALUE;
            reloadTotal = aliveReady();
            replaced = 0;
            lastIncident = null;
            // MONOTONIC_USEC is read when this is sent, a moment later: still before the reload's READY=1.
            send(List.of("RELOADING=1", "STATUS=" + reloadingText()));
        }
    }

    /** A reload ended, with {@code result} (or {@code failure}, which a reload never reports). */
    public void reloaded(ReloadResult result, Throwable failure) {
        if (!announces) return;
        synchronized (this) {
            if (reloads > 0) reloads--;
            if (reloads > 0 || phase != Phase.RELOADING) return;
            if (failure != null) lastIncident = "reload failed: " + failure;
            else if (result.failure().isPresent()) lastIncident = "reload stopped: " + result.failure().get();
            else lastIncident = "reloaded " + result.replaced().size() + " workers";
            phase = Phase.READY;
            send(List.of("READY=1", "STATUS=" + readyText()));
        }
    }

    /** The cluster is stopping: {@code disconnect()} or the JVM's shutdown. Idempotent. */
    public void stopping() {
        if (!announces) return;
        synchronized (this) {
            if (phase == Phase.STOPPING) return;
            phase = Phase.STOPPING;
            send(List.of("STOPPING=1", "STATUS=" + stoppingText()));
        }
    }

    private synchronized void onEvent(ClusterEvent e) {
        switch (e) {
            case ClusterEvent.Forked f -> {
                live.add(f.worker());
                if (phase == Phase.RELOADING) reloadFirstNewId = Math.min(reloadFirstNewId, f.worker().id());
            }
            case ClusterEvent.Listening l -> {
                if (!listened.add(l.worker())) return; // a second port of the same worker
                if (phase == Phase.RELOADING && l.worker().id() >= reloadFirstNewId) replaced++;
                if (phase == Phase.STARTING && aliveReady() >= target) {
                    phase = Phase.READY;
                    send(List.of("READY=1", "STATUS=" + readyText()));
                    return;
                }
                // Back at full strength after a death: the incident is over.
                if (phase == Phase.READY && aliveReady() >= target) lastIncident = null;
            }
            case ClusterEvent.Exited x -> {
                live.remove(x.worker());
                listened.remove(x.worker());
                if (!x.worker().exitedAfterDisconnect() && !gaveUp) lastIncident = died(x.worker(), x.status());
            }
            case ClusterEvent.Respawning r -> lastIncident = "worker " + r.worker().id() + " died ("
                    + r.worker().process().exitStatus().map(Object::toString).orElse("?") + "), respawning in "
                    + millis(r.delay());
            case ClusterEvent.GaveUp g -> {
                gaveUp = true;
                lastIncident = "gave up: " + g.reason();
            }
            case ClusterEvent.Online _, ClusterEvent.Disconnected _, ClusterEvent.MessageReceived _ -> {
                return;
            }
        }
        status();
    }

    /** Sends the STATUS= line of the present phase. Called with the lock held. */
    private void status() {
        String text = switch (phase) {
            case STARTING -> "starting: " + readyText();
            case READY -> readyText();
            case RELOADING -> reloadingText();
            case STOPPING -> stoppingText();
        };
        if (!text.equals(lastStatus)) send(List.of("STATUS=" + text));
    }

    private synchronized String readyText() {
        String counts = aliveReady() + "/" + target + " workers ready";
        return lastIncident == null ? counts : counts + "; " + lastIncident;
    }

    private synchronized String reloadingText() {
        return "reloading: " + replaced + "/" + reloadTotal + " workers replaced";
    }

    private synchronized String stoppingText() {
        int n = live.size();
        return "stopping: " + n + (n == 1 ? " worker" : " workers") + " draining";
    }

    /** Workers that listen and are neither dead nor leaving. */
    private int aliveReady() {
        int n = 0;
        for (Worker w : listened) if (!w.isDead() && !w.exitedAfterDisconnect()) n++;
        return n;
    }

    private static String died(Worker w, ExitStatus status) {
        return "worker " + w.id() + " died (" + status + ")";
    }

    private static String millis(Duration d) {
        return d.toMillis() >= 1000 && d.toMillis() % 1000 == 0 ? d.toSeconds() + " s" : d.toMillis() + " ms";
    }

    // ------------------------------------------------------------------ sending

    private void startPinging(Duration interval) {
        long every = Math.max(1, interval.toNanos() / 2);
        EventLoop.get().schedule(every, new Runnable() {
            @Override
            public void run() {
                // On the loop thread: queue the ping (unless the last one is still waiting) and come back.
                if (!deadForGood() && pingQueued.compareAndSet(false, true)) {
                    sender.execute(() -> {
                        pingQueued.set(false);
                        deliver(List.of("WATCHDOG=1"));
                    });
                }
                EventLoop.get().schedule(every, this);
            }
        });
    }

    /** Gave up and has no worker left: nothing will serve again without a restart. */
    private synchronized boolean deadForGood() {
        return gaveUp && live.isEmpty();
    }

    /** Queues {@code lines} as one message; called with the lock held, so messages keep their order. */
    private void send(List<String> lines) {
        for (String l : lines) if (l.startsWith("STATUS=")) lastStatus = l.substring("STATUS=".length());
        sender.execute(() -> deliver(lines));
    }

    private void deliver(List<String> lines) {
        try {
            List<String> message = lines;
            if (lines.getFirst().equals("RELOADING=1")) {
                // Type=notify-reload wants the reload's start on CLOCK_MONOTONIC in the same message.
                message = new ArrayList<>(lines);
                message.add(1, "MONOTONIC_USEC=" + Posix.monotonicMicros());
            }
            Notify.send(message.toArray(String[]::new));
            sendFailing = false;
        } catch (IOException | IllegalArgumentException e) {
            if (!sendFailing) LOG.log(System.Logger.Level.WARNING, "cannot notify the service manager: " + e.getMessage());
            sendFailing = true;
        }
    }

    @Override
    public String toString() {
        return "ServiceNotifier[" + (announces ? Optional.ofNullable(System.getenv(Notify.NOTIFY_SOCKET)).orElse("?")
                : "off") + "]";
    }
}
