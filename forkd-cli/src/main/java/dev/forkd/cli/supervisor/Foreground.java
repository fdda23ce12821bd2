package dev.forkd.cli.supervisor;

import dev.forkd.ChildProcesses;
import dev.forkd.ExitStatus;
import dev.forkd.cli.app.AppSpec;
import java.io.IOException;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * {@code forkd run}: one app's supervision in the foreground, without a daemon, for containers and systemd
 * units. The instances write to this process's stdout and stderr. SIGTERM and SIGINT stop them (SIGTERM,
 * then SIGKILL after the kill timeout) and forkd exits with the first instance's status; SIGHUP restarts them
 * one after the other. It reaps orphans, so it can be a container's PID 1. When every instance has ended for
 * good (stopped by its restart mode, or errored) it exits with the first instance's status too.
 */
public final class Foreground {
    private final AppSpec spec;
    private final PrintStream err;
    private final List<Instance> instances = new ArrayList<>();
    private final CountDownLatch stopRequested = new CountDownLatch(1);

    public Foreground(AppSpec spec, PrintStream err) {
        this.spec = spec;
        this.err = err;
    }

    public int run() throws IOException, InterruptedException {
        java.nio.channels.ServerSocketChannel listener;
        try {
            listener = Listener.open(spec);
        } catch (IOException e) {
            err.println("forkd: " + spec.name() + ": " + e.getMessage());
            return 1;
        }
        java.nio.file.Path dir = java.nio.file.Files.createTempDirectory("forkd-run-"); // 0700
        Readiness readiness = Supervisor.openReadiness(dir.resolve("notify"));
        for (int i = 0; i < spec.instances(); i++) instances.add(new Instance(i, spec, null, listener, readiness, () -> { }));
        ChildProcesses.reapOrphans();
        // Our own handlers: the JVM's default for TERM and INT would exit with 143/130, not the app's status.
        onSignal("TERM", stopRequested::countDown);
        onSignal("INT", stopRequested::countDown);
        onSignal("HUP", () -> Thread.ofVirtual().start(this::reload));
        for (Instance i : instances) {
            i.start();
            if (i.state() == Instance.State.ERRORED) err.println("forkd: " + spec.name() + ": " + i.error());
        }
        while (!stopRequested.await(100, TimeUnit.MILLISECONDS)) {
            if (instances.stream().allMatch(Instance::finished)) break;
        }
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
        Instance first = instances.getFirst();
        if (first.error() != null && first.lastStatus() == null) return 127; // could not even start
        return code(first.lastStatus());
    }

    private void reload() {
        try {
            for (Instance i : instances) i.restart("SIGHUP");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
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
