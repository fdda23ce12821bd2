package dev.forkd.cli.supervisor;

import dev.forkd.Notify;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * What {@code forkd run} says about its instances: to the service manager that started it, when there is one
 * ({@code NOTIFY_SOCKET}: systemd's {@code Type=notify}), and to a readiness probe ({@link HealthEndpoint}).
 *
 * <ul>
 *   <li>{@code READY=1} the first time every instance is online (with {@code --wait-ready}: has said
 *       {@code READY=1} itself), and again after a SIGHUP restart;</li>
 *   <li>{@code RELOADING=1} with {@code MONOTONIC_USEC=} when SIGHUP restarts the instances;</li>
 *   <li>{@code STOPPING=1} on SIGTERM or SIGINT;</li>
 *   <li>{@code STATUS=} whenever the summary changes: "2/2 instances online", "1/2 instances online;
 *       instance 1 waiting-restart", "stopping";</li>
 *   <li>{@code WATCHDOG=1} every half {@code WATCHDOG_USEC} (when it is meant for this process), from the main
 *       loop's tick: a stuck forkd stops pinging.</li>
 * </ul>
 *
 * <p>{@link #tick()} runs on forkd run's main thread; {@link #stopping()} on the signal thread; the probe
 * reads {@link #ready()} on its own threads. Sends go through one virtual thread, in order, so a full manager
 * queue holds up none of them. A failed send is reported once on stderr (again after one that worked).
 */
final class ServiceStatus implements AutoCloseable {
    private enum Phase { STARTING, READY, RELOADING, STOPPING }

    private static final Duration TICK = Duration.ofMillis(100);

    private final List<Instance> instances;
    private final boolean notifying = System.getenv(Notify.NOTIFY_SOCKET) != null
            && !System.getenv(Notify.NOTIFY_SOCKET).isEmpty();
    private final Optional<Duration> watchdog = notifying ? Notify.watchdogInterval() : Optional.empty();
    private final ExecutorService sender = Executors.newSingleThreadExecutor(Thread.ofVirtual().name("forkd-notify").factory());
    private volatile boolean sendFailing;
    private volatile Phase phase = Phase.STARTING;
    private String lastStatus; // guarded by this
    private long lastPing = System.nanoTime(); // main thread only

    ServiceStatus(List<Instance> instances) {
        this.instances = instances;
    }

    /** How often the main loop should {@link #tick()}: often enough for the watchdog. */
    Duration tickInterval() {
        return watchdog.map(w -> w.dividedBy(2)).filter(half -> half.compareTo(TICK) < 0).orElse(TICK);
    }

    /** True while every instance is online and forkd is not stopping: what {@code /readyz} answers. */
    boolean ready() {
        return phase != Phase.STOPPING && !instances.isEmpty() && online() == instances.size();
    }

    /** The one-line summary {@code STATUS=} and the probe show. */
    String summary() {
        if (phase == Phase.STOPPING) return "stopping";
        StringBuilder s = new StringBuilder();
        if (phase == Phase.RELOADING) s.append("restarting (SIGHUP): ");
        s.append(online()).append('/').append(instances.size()).append(" instances online");
        for (Instance i : instances) {
            Instance.State st = i.state();
            if (st == Instance.State.ONLINE) continue;
            s.append("; instance ").append(i.id()).append(' ').append(st.name().toLowerCase(Locale.ROOT).replace('_', '-'));
            String error = i.error();
            if (st == Instance.State.ERRORED && error != null) s.append(" (").append(error).append(')');
        }
        return s.toString();
    }

    private int online() {
        int n = 0;
        for (Instance i : instances) if (i.state() == Instance.State.ONLINE) n++;
        return n;
    }

    /** Called at every turn of the main loop: READY=1 once all are online, STATUS= on change, the watchdog. */
    synchronized void tick() {
        if (phase == Phase.STARTING && ready()) {
            phase = Phase.READY;
            send("READY=1", "STATUS=" + (lastStatus = summary()));
        } else {
            status();
        }
        if (watchdog.isPresent() && phase != Phase.STOPPING
                && System.nanoTime() - lastPing >= watchdog.get().toNanos() / 2) {
            lastPing = System.nanoTime();
            send("WATCHDOG=1");
        }
    }

    /** SIGHUP: the instances are being restarted. */
    synchronized void reloading() {
        if (phase != Phase.READY) return; // not ready yet (tick sends READY=1 when it is), or stopping
        phase = Phase.RELOADING;
        send("RELOADING=1", "STATUS=" + (lastStatus = summary()));
    }

    /** The SIGHUP restart is done (whether or not every instance came back: the status says). */
    synchronized void reloaded() {
        if (phase != Phase.RELOADING) return;
        phase = Phase.READY;
        send("READY=1", "STATUS=" + (lastStatus = summary()));
    }

    /** SIGTERM or SIGINT: from now on not ready. Idempotent. */
    synchronized void stopping() {
        if (phase == Phase.STOPPING) return;
        phase = Phase.STOPPING;
        send("STOPPING=1", "STATUS=" + (lastStatus = summary()));
    }

    private void status() {
        String s = summary();
        if (!s.equals(lastStatus)) {
            lastStatus = s;
            send("STATUS=" + s);
        }
    }

    /**
     * Queues one message. RELOADING=1 goes as {@link Notify#reloading()} sends it (with MONOTONIC_USEC, read
     * when it is sent), the rest of its lines in a second message.
     */
    private void send(String... lines) {
        if (!notifying) return;
        sender.execute(() -> {
            try {
                if (lines[0].equals("RELOADING=1")) {
                    Notify.reloading();
                    if (lines.length > 1) Notify.send(java.util.Arrays.copyOfRange(lines, 1, lines.length));
                } else {
                    Notify.send(lines);
                }
                sendFailing = false;
            } catch (IOException | RuntimeException e) {
                if (!sendFailing) System.err.println("forkd: cannot notify the service manager: " + e.getMessage());
                sendFailing = true;
            }
        });
    }

    /** Sends what is queued (STOPPING=1 at the end), for at most a second, and stops the sender. */
    @Override
    public void close() {
        sender.shutdown();
        try {
            sender.awaitTermination(1, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
