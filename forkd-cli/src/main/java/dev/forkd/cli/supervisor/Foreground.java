package dev.forkd.cli.supervisor;

import dev.forkd.ChildProcesses;
import dev.forkd.ExitStatus;
import dev.forkd.SocketActivation;
import dev.forkd.cli.app.AppSpec;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.channels.ServerSocketChannel;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * {@code forkd run}: one app's supervision in the foreground, without a daemon, for containers and systemd
 * units. The instances write to this process's stdout and stderr. SIGTERM and SIGINT stop them (SIGTERM,
 * then SIGKILL after the kill timeout) and forkd exits with the first instance's status; SIGHUP restarts them
 * one after the other. It reaps orphans, so it can be a container's PID 1. When every instance has ended for
 * good (stopped by its restart mode, or errored) it exits with the first instance's status too.
 *
 * <p>As a service: started by systemd with {@code NOTIFY_SOCKET} ({@code Type=notify}) it says {@code READY=1}
 * when every instance is online, {@code RELOADING=1}/{@code READY=1} around a SIGHUP restart,
 * {@code STOPPING=1} on SIGTERM, {@code STATUS=} lines and {@code WATCHDOG=1} ({@link ServiceStatus}); started
 * by socket activation ({@code LISTEN_FDS}, {@code LISTEN_PID} = its pid) it hands the inherited listening
 * socket to its instances instead of binding {@code --port}. With {@code --health-port} it answers
 * {@code /readyz} and {@code /livez} ({@link HealthEndpoint}). The instances inherit none of the service
 * manager's variables ({@link #appEnvironment}): they are not the service.
 */
public final class Foreground {
    private final AppSpec spec;
    private final PrintStream err;
    private final List<Instance> instances = new ArrayList<>();
    private final CountDownLatch stopRequested = new CountDownLatch(1);
    private final Integer healthPort;
    private final ServiceStatus status = new ServiceStatus(instances);

    public Foreground(AppSpec spec, PrintStream err) {
        this(spec, err, null);
    }

    /** @param healthPort the port of the {@code /readyz} and {@code /livez} endpoint, or null for none */
    public Foreground(AppSpec spec, PrintStream err, Integer healthPort) {
        this.spec = spec;
        this.err = err;
        this.healthPort = healthPort;
    }

    /** The service manager's variables, which forkd run's instances must not inherit. */
    private static final List<String> SERVICE_VARIABLES = List.of("NOTIFY_SOCKET", "WATCHDOG_USEC", "WATCHDOG_PID",
            "LISTEN_FDS", "LISTEN_PID", "LISTEN_FDNAMES");

    /** {@code env} (forkd run's own environment) without what a service manager set for forkd itself. */
    public static Map<String, String> appEnvironment(Map<String, String> env) {
        Map<String, String> app = new HashMap<>(env);
        app.keySet().removeAll(SERVICE_VARIABLES);
        return app;
    }

    public int run() throws IOException, InterruptedException {
        ServerSocketChannel listener;
        try {
            listener = inheritedListener();
            if (listener == null) listener = Listener.open(spec);
        } catch (IOException e) {
            err.println("forkd: " + spec.name() + ": " + e.getMessage());
            return 1;
        }
        HealthEndpoint health = null;
        if (healthPort != null) {
            try {
                health = HealthEndpoint.bind(healthPort, status);
            } catch (IOException e) {
                err.println("forkd: " + spec.name() + ": " + e.getMessage());
                return 1;
            }
        }
        java.nio.file.Path dir = java.nio.file.Files.createTempDirectory("forkd-run-"); // 0700
        Readiness readiness = Supervisor.openReadiness(dir.resolve("notify"));
        for (int i = 0; i < spec.instances(); i++) instances.add(new Instance(i, spec, null, listener, readiness, () -> { }));
        ChildProcesses.reapOrphans();
        // Our own handlers: the JVM's default for TERM and INT would exit with 143/130, not the app's status.
        onSignal("TERM", this::requestStop);
        onSignal("INT", this::requestStop);
        onSignal("HUP", () -> Thread.ofVirtual().start(this::reload));
        for (Instance i : instances) {
            i.start();
            if (i.state() == Instance.State.ERRORED) err.println("forkd: " + spec.name() + ": " + i.error());
        }
        if (health != null) health.serve(); // bound already: a probe that came early waited in its backlog
        long tick = status.tickInterval().toMillis();
        while (!stopRequested.await(tick, TimeUnit.MILLISECONDS)) {
            status.tick();
            if (instances.stream().allMatch(Instance::finished)) break;
        }
        status.stopping();
        List<Thread> stops = new ArrayList<>();
        for (Instance i : instances) {
            stops.add(Thread.ofVirtual().start(() -> {
                try {
                    i.stop();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }));
        }
        for (Thread t : stops) t.join();
        if (health != null) health.close();
        status.close();
        Instance first = instances.getFirst();
        if (first.error() != null && first.lastStatus() == null) return 127; // could not even start
        return code(first.lastStatus());
    }

    private void requestStop() {
        status.stopping(); // first: a readiness probe says 503 from now on
        stopRequested.countDown();
    }

    private void reload() {
        status.reloading();
        try {
            for (Instance i : instances) i.restart("SIGHUP");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            status.reloaded();
        }
    }

    /**
     * The listening socket systemd's socket activation passed to this process (for {@code .socket} units, or
     * {@code systemd-socket-activate}), or null when it passed none. Only the first listening socket is used.
     */
    private ServerSocketChannel inheritedListener() throws IOException {
        List<SocketActivation.Listener> inherited = SocketActivation.listeners();
        ServerSocketChannel first = null;
        for (SocketActivation.Listener l : inherited) {
            if (l.channel() instanceof ServerSocketChannel s && first == null) first = s;
        }
        if (inherited.size() > 1) {
            err.println("forkd: " + spec.name() + ": " + inherited.size() + " sockets passed by socket activation;"
                    + " the instances get the first listening one");
        }
        return first;
    }

    /** A shell's $? for a status: the code, or 128 + the signal. */
    static int code(ExitStatus st) {
        if (st == null) return 0;
        return switch (st) {
            case ExitStatus.Exited(int c) -> c;
            case ExitStatus.Signaled s -> 128 + s.signal().number();
        };
    }

    private static void onSignal(String name, Runnable action) {
        sun.misc.Signal.handle(new sun.misc.Signal(name), sig -> action.run());
    }
}
