package dev.forkd.cli.supervisor;

import dev.forkd.cli.Home;
import dev.forkd.cli.app.AppSpec;
import dev.forkd.cli.wire.ControlSocket;
import dev.forkd.cli.wire.Peers;
import dev.forkd.cli.wire.ProcessLock;
import dev.forkd.cli.wire.Wire;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import tools.jackson.databind.JsonNode;

/**
 * The process that keeps one app: its instances, their logs, their restarts. The daemon starts one per app
 * in a session of its own, so that a daemon that dies (even by SIGKILL) or is upgraded takes no app down;
 * the next daemon finds the supervisor again through its socket in the run directory. Requests on that
 * socket are one JSON line each ({@code status}, {@code restart}, {@code reload}, {@code stop}); the answer is
 * one JSON line.
 */
public final class Supervisor {
    private static final Duration SAMPLE_EVERY = Duration.ofSeconds(2);
    /**
     * How long a reload lets a new process start before its predecessor is stopped. In cluster mode nothing is
     * lost either way (connections wait in the shared listener's queue); waiting keeps them from waiting long.
     */
    static final Duration RELOAD_READY = Duration.ofSeconds(1);

    private final Home home;
    private final AppSpec spec;
    private final List<Instance> instances = new ArrayList<>();
    private String listenError;
    /** Why the last reload stopped, with its time; null after one that went through. */
    private volatile String reloadError;
    private final Instant startedAt = Instant.now();
    private final CountDownLatch stopped = new CountDownLatch(1);
    private volatile boolean stopping;

    private Supervisor(Home home, AppSpec spec) {
        this.home = home;
        this.spec = spec;
    }

    /** {@code forkd supervise NAME}: runs until stopped; the spec is the daemon's file for NAME. */
    public static int run(Home home, String name) throws Exception {
        home.create();
        AppSpec spec = Wire.MAPPER.readValue(home.supervisorSpec(name).toFile(), AppSpec.class);
        Home.mkdirPrivate(home.logs(name));
        Path lockFile = home.apps().resolve(name + ".lock");
        try (ProcessLock lock = ProcessLock.tryLock(lockFile)) {
            if (lock == null) {
                System.err.println("forkd: a supervisor for " + name + " is already running");
                return 1;
            }
            return new Supervisor(home, spec).serve();
        }
    }

    private int serve() throws Exception {
        try (ControlSocket control = ControlSocket.bind(home.supervisorSocket(spec.name()))) {
            ServerSocketChannel listener = null;
            try {
                listener = Listener.open(spec);
            } catch (IOException e) {
                listenError = e.getMessage(); // reported by status: the daemon tells the user and cleans up
            }
            Readiness readiness = openReadiness(home.apps().resolve(spec.name() + ".notify"));
            for (int i = 0; i < spec.instances(); i++) {
                instances.add(new Instance(i, spec, home.logs(spec.name()), listener, readiness, this::pidsChanged));
            }
            if (listenError == null) for (Instance i : instances) i.start();
            Runtime.getRuntime().addShutdownHook(Thread.ofPlatform().unstarted(this::stopAll)); // SIGTERM, SIGINT
            Thread.ofVirtual().name("forkd-sample").start(this::sampleLoop);
            control.serve("forkd-control", this::handle);
            stopped.await();
        }
        return 0;
    }

    private void handle(SocketChannel c) {
        try (c) {
            if (!Peers.isOwner(c)) return;
            BufferedReader in = new BufferedReader(new InputStreamReader(Channels.newInputStream(c), StandardCharsets.UTF_8));
            String line = in.readLine();
            if (line == null) return;
            JsonNode req = Wire.MAPPER.readTree(line);
            Object reply = switch (req.path("op").asString("")) {
                case "status" -> status();
                case "restart" -> {
                    for (Instance i : instances) i.restart(req.path("reason").asString("manual restart"));
                    yield status();
                }
                case "reload" -> {
                    // One instance after the other, so that the others serve meanwhile. In cluster mode each is
                    // replaced by a new process that shares the listener before the old one stops.
                    List<String> failures = new ArrayList<>();
                    for (Instance i : instances) {
                        if (spec.clustered()) {
                            String failed = i.replace(RELOAD_READY);
                            if (failed != null) {
                                failures.add("instance " + i.id() + ": " + failed);
                                break; // the old ones keep serving
                            }
                        } else {
                            i.restart("reload");
                            i.awaitStarted(Duration.ofSeconds(10));
                        }
                    }
                    for (Instance i : instances) i.awaitDrained();
                    reloadError = failures.isEmpty() ? null : Instant.now() + ": " + String.join("; ", failures);
                    Map<String, Object> s = status();
                    if (!failures.isEmpty()) s.put("reloadFailed", String.join("; ", failures));
                    yield s;
                }
                case "stop" -> {
                    stopAll();
                    Map<String, Object> s = status();
                    write(c, s);
                    stopped.countDown();
                    yield null;
                }
                default -> Map.of("error", "unknown request " + line);
            };
            if (reply != null) write(c, reply);
        } catch (IOException | InterruptedException | RuntimeException e) {
            // the client went away, or sent garbage: nothing to answer
        }
    }

    /** The app's NOTIFY_SOCKET; null (instances get none) if it cannot be had, which --wait-ready reports. */
    static Readiness openReadiness(Path path) {
        try {
            return Readiness.open(path);
        } catch (IOException | RuntimeException e) {
            System.err.println("forkd: no NOTIFY_SOCKET for the instances (" + path + "): " + e.getMessage());
            return null;
        }
    }

    private static void write(SocketChannel c, Object reply) throws IOException {
        OutputStream out = Channels.newOutputStream(c);
        out.write(Wire.MAPPER.writeValueAsBytes(reply));
        out.write('\n');
        out.flush();
    }

    private synchronized void stopAll() {
        if (stopping) return;
        stopping = true;
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
        for (Thread t : stops) {
            try {
                t.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** Set when the pid file is out of date and a writer has been started for it. */
    private final java.util.concurrent.atomic.AtomicBoolean pidsDirty = new java.util.concurrent.atomic.AtomicBoolean();
    private final Object pidFileLock = new Object();

    /**
     * An instance's processes changed. Called with that instance's lock held, so the file is written by a
     * thread of its own: collecting every instance's pids here would take the other instances' locks in
     * some order while they, restarting, call in here holding theirs (a deadlock the daemon soak found).
     */
    private void pidsChanged() {
        if (pidsDirty.compareAndSet(false, true)) Thread.ofVirtual().name("forkd-pids").start(this::writePids);
    }

    /**
     * {@code <app>.pids}: "pid starttime" of each running instance, each the leader of its process group. If
     * this supervisor dies, the daemon kills those groups before it starts a new supervisor, so that no
     * instance is left running unsupervised beside its replacement. Holds no instance's lock while it waits
     * for another's.
     */
    private void writePids() {
        synchronized (pidFileLock) {
            pidsDirty.set(false); // a change from here on starts another round
            writePidFile();
        }
    }

    private void writePidFile() {
        StringBuilder sb = new StringBuilder();
        for (Instance i : instances) {
            for (long pid : i.pids()) sb.append(pid).append(' ').append(ProcStats.startTime(pid)).append('\n');
        }
        Path file = home.apps().resolve(spec.name() + ".pids");
        try {
            Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
            Files.writeString(tmp, sb);
            Files.move(tmp, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            System.err.println("forkd: cannot write " + file + ": " + e);
        }
    }

    private void sampleLoop() {
        while (!stopping) {
            try {
                Thread.sleep(SAMPLE_EVERY);
                for (Instance i : instances) if (!stopping) i.sample();
            } catch (InterruptedException e) {
                return;
            } catch (RuntimeException e) {
                // a process that went away between the check and the read: next round
            }
        }
    }

    private Map<String, Object> status() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("name", spec.name());
        m.put("supervisor", ProcessHandle.current().pid());
        m.put("startedAt", startedAt.toString());
        m.put("mode", spec.clustered() ? "cluster" : "fork");
        if (spec.clustered()) m.put("listen", spec.host() + ":" + spec.port());
        if (listenError != null) m.put("error", listenError);
        if (reloadError != null) m.put("reloadError", reloadError);
        // The spec without its environment, which holds the whole shell environment of whoever started it.
        Map<String, Object> shown = Wire.MAPPER.convertValue(spec, new tools.jackson.core.type.TypeReference<Map<String, Object>>() {});
        shown.remove("env");
        shown.put("envVariables", spec.env().size());
        m.put("spec", shown);
        List<Map<String, Object>> list = new ArrayList<>();
        for (Instance i : instances) list.add(i.status());
        m.put("instances", list);
        return m;
    }
}
