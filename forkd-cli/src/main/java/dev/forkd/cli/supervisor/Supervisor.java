package dev.forkd.cli.supervisor;

import dev.forkd.ChildProcess;
import dev.forkd.ChildProcesses;
import dev.forkd.Command;
import dev.forkd.Signal;
import dev.forkd.SocketActivation;
import dev.forkd.SpawnException;
import dev.forkd.Stdio;
import dev.forkd.cli.Home;
import dev.forkd.cli.app.AppSpec;
import dev.forkd.cli.app.Handoff;
import dev.forkd.cluster.Cluster;
import dev.forkd.cluster.ClusterEvent;
import dev.forkd.cluster.ClusterSettings;
import dev.forkd.cluster.RestartPolicy;
import dev.forkd.cli.wire.ControlSocket;
import dev.forkd.cli.wire.Peers;
import dev.forkd.cli.wire.ProcessLock;
import dev.forkd.cli.wire.SupervisorClient;
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
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
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
    /** Cluster mode: the listener every instance shares (bound here, or inherited at a takeover). */
    private ServerSocketChannel listener;
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
        return run(home, name, false);
    }

    /**
     * {@code forkd supervise NAME [--takeover]}. With {@code takeover} this process was started by the app's
     * running supervisor at {@code forkd update} ({@link #handOver}): it takes the listener from it (fd 3, as
     * socket activation passes it), starts its own instances, and retires its predecessor once they are ready.
     */
    public static int run(Home home, String name, boolean takeover) throws Exception {
        home.create();
        AppSpec spec = Wire.MAPPER.readValue(home.supervisorSpec(name).toFile(), AppSpec.class);
        Home.mkdirPrivate(home.logs(name));
        Path lockFile = home.apps().resolve(name + ".lock");
        Supervisor s = new Supervisor(home, spec);
        if (takeover) return s.takeOver(lockFile);
        try (ProcessLock lock = ProcessLock.tryLock(lockFile)) {
            if (lock == null) {
                System.err.println("forkd: a supervisor for " + name + " is already running");
                return 1;
            }
            s.removeStaleNotifySockets();
            try (ControlSocket control = ControlSocket.bind(home.supervisorSocket(spec.name()))) {
                ServerSocketChannel listener = null;
                try {
                    listener = Listener.open(spec);
                } catch (IOException e) {
                    s.listenError = e.getMessage(); // reported by status: the daemon tells the user and cleans up
                }
                s.prepare(listener);
                if (s.listenError == null) for (Instance i : s.instances) i.start();
                return s.serve(control);
            }
        }
    }

    private void prepare(ServerSocketChannel listener) {
        this.listener = listener;
        Readiness readiness = openReadiness(notifyPath());
        Cluster cluster = listener != null && spec.handoff() == Handoff.CLUSTER ? cluster(listener, readiness) : null;
        for (int i = 0; i < spec.instances(); i++) {
            instances.add(new Instance(i, spec, home.logs(spec.name()), listener, cluster, readiness, this::pidsChanged));
        }
    }

    /**
     * {@code --handoff cluster}: a forkd cluster primary whose workers are the instances' processes, each forked
     * by its instance (this supervisor restarts them, the cluster never does). A worker's {@code listen(port)} on
     * the app's port gets this supervisor's listener, and the primary hands each connection to a worker that is
     * not busy. A worker that listens is up (unless {@code --wait-ready} asks for READY=1 or 'ready').
     */
    private Cluster cluster(ServerSocketChannel listener, Readiness readiness) {
        // This supervisor is not the service the instances' NOTIFY_SOCKET belongs to: it announces nothing itself.
        System.setProperty("forkd.cluster.notify", "false");
        Cluster c = Cluster.setupPrimary(ClusterSettings.of(Command.of(spec.command().getFirst()))
                .workers(spec.instances()).restartPolicy(RestartPolicy.never())
                .shutdownGrace(spec.killTimeout()).readyTimeout(spec.readyTimeout())
                .listener(spec.port(), listener));
        if (readiness != null && !spec.waitReady()) {
            c.onEvent(e -> {
                if (e instanceof ClusterEvent.Listening l) {
                    long pid = l.worker().process().pid();
                    Thread.ofVirtual().start(() -> readiness.markReady(pid)); // off the loop thread
                }
            });
        }
        return c;
    }

    private int serve(ControlSocket control) throws InterruptedException, IOException {
        try {
            Runtime.getRuntime().addShutdownHook(Thread.ofPlatform().unstarted(this::stopAll)); // SIGTERM, SIGINT
            Thread.ofVirtual().name("forkd-sample").start(this::sampleLoop);
            control.serve("forkd-control", this::handle);
            stopped.await();
        } finally {
            Files.deleteIfExists(notifyPath());
        }
        return 0;
    }

    /**
     * This supervisor's NOTIFY_SOCKET: named by its pid, so that a successor at {@code forkd update} binds its
     * own while its predecessor's instances still have theirs.
     */
    private Path notifyPath() {
        return home.apps().resolve(spec.name() + "." + ProcessHandle.current().pid() + ".notify");
    }

    /** Sockets of supervisors that died without removing them (kill -9). Called with the app's lock held. */
    private void removeStaleNotifySockets() {
        // <name>.<pid>.notify exactly: another app's name may start with this one's and a dot ("web.api").
        java.util.regex.Pattern mine = java.util.regex.Pattern.compile(java.util.regex.Pattern.quote(spec.name()) + "\\.\\d+\\.notify");
        try (var files = Files.list(home.apps())) {
            for (Path f : (Iterable<Path>) files::iterator) {
                if (mine.matcher(f.getFileName().toString()).matches()) Files.deleteIfExists(f);
            }
        } catch (IOException e) {
            // a stale socket costs a file, nothing more
        }
    }

    // ------------------------------------------------------------------ forkd update

    /** How long a successor may take from its start until its instances are ready and it has retired us. */
    private static final Duration HANDOVER_TIMEOUT = Duration.ofSeconds(120);
    /** Set while a successor is starting: completed when it has retired this supervisor. */
    private CompletableFuture<Void> retired;
    /** Set while the pid file is not this supervisor's: retired by a successor, or not yet holding the lock. */
    private volatile boolean retiring;

    /**
     * {@code handover}: starts a successor from the java command and environment in the request (a newer forkd's, at
     * {@code forkd update}), handing it the listener as fd 3 with {@code LISTEN_FDS}; answers once the successor
     * has retired this supervisor (its instances serve), or why it did not (this supervisor keeps the app).
     */
    private Map<String, Object> handOver(JsonNode req) throws InterruptedException {
        CompletableFuture<Void> done;
        synchronized (this) {
            if (retired != null || stopping) return Map.of("error", "a handover or a stop is already under way");
            retired = done = new CompletableFuture<>();
        }
        List<String> argv = new ArrayList<>();
        if (listener != null) argv.addAll(Activation.SHIM);
        for (JsonNode a : req.path("java")) argv.add(a.asString());
        argv.addAll(List.of("supervise", spec.name(), "--takeover"));
        Path log = home.logs(spec.name()).resolve("supervisor.log");
        Command c = Command.of(argv.getFirst(), argv.subList(1, argv.size()).toArray(String[]::new)).detached(true);
        for (var e : req.path("env").properties()) c = c.env(e.getKey(), e.getValue().asString()); // the new forkd's
        List<Stdio> stdio = new ArrayList<>(List.of(Stdio.ignore(),
                Stdio.file(log, StandardOpenOption.CREATE, StandardOpenOption.APPEND),
                Stdio.file(log, StandardOpenOption.CREATE, StandardOpenOption.APPEND)));
        if (listener != null) {
            stdio.add(Stdio.socket(listener));
            c = Activation.announce(c, spec.name());
        }
        ChildProcess successor;
        try {
            successor = ChildProcesses.spawn(c.stdio(stdio.toArray(Stdio[]::new)));
        } catch (SpawnException | RuntimeException e) {
            synchronized (this) {
                retired = null;
            }
            return Map.of("error", "cannot start the new supervisor: " + e.getMessage());
        }
        try {
            CompletableFuture.anyOf(done, successor.onExit()).get(HANDOVER_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException | TimeoutException e) {
            // decided below
        }
        if (done.isDone()) return Map.of("handedOverTo", successor.pid());
        String why = successor.exitStatus().map(st -> "the new supervisor exited (" + st + ") before it took over")
                .orElse("the new supervisor did not take over within " + HANDOVER_TIMEOUT.toSeconds() + " s");
        if (successor.exitStatus().isEmpty()) successor.kill(Signal.SIGKILL);
        synchronized (this) {
            retired = null;
        }
        return Map.of("error", why + "; see " + log + "; the old supervisor keeps the app");
    }

    /** {@code retire}, from our successor once its instances are ready: ours stop (they drain), we go. */
    private Map<String, Object> retire() {
        CompletableFuture<Void> done;
        synchronized (this) {
            done = retired;
            if (done == null) return Map.of("error", "no handover is under way");
            retiring = true;
        }
        stopAll();
        done.complete(null);
        return Map.of("retired", ProcessHandle.current().pid());
    }

    /**
     * The successor's side of a handover: the listener from fd 3, instances started and ready (cluster mode;
     * in fork mode after the predecessor's have stopped, since nothing is shared between them), the predecessor
     * retired, then this supervisor takes the app's lock and socket. Exits non-zero, stopping what it started,
     * if its instances do not come up: the predecessor then keeps the app.
     */
    private int takeOver(Path lockFile) throws Exception {
        ServerSocketChannel inherited = null;
        if (spec.clustered()) {
            inherited = SocketActivation.server().orElse(null);
            if (inherited == null) {
                System.err.println("forkd: takeover of " + spec.name() + ": no listener was inherited");
                return 1;
            }
        }
        retiring = true; // the pid file is the predecessor's until we hold the lock
        prepare(inherited);
        Path predecessor = home.supervisorSocket(spec.name());
        if (spec.clustered()) {
            for (Instance i : instances) i.start();
            for (Instance i : instances) {
                String failed = i.awaitFirstReady(RELOAD_READY);
                if (failed != null) {
                    System.err.println("forkd: takeover of " + spec.name() + ": instance " + i.id() + ": " + failed);
                    stopAll();
                    return 1;
                }
            }
            retirePredecessor(predecessor);
        } else {
            retirePredecessor(predecessor);
            for (Instance i : instances) i.start();
        }
        long deadline = System.nanoTime() + HANDOVER_TIMEOUT.toNanos();
        ProcessLock lock;
        while ((lock = ProcessLock.tryLock(lockFile)) == null) {
            if (System.nanoTime() > deadline) {
                System.err.println("forkd: takeover of " + spec.name() + ": the old supervisor did not exit");
                stopAll();
                return 1;
            }
            Thread.sleep(10);
        }
        try (ProcessLock held = lock; ControlSocket control = ControlSocket.bind(home.supervisorSocket(spec.name()))) {
            retiring = false;
            pidsChanged();
            return serve(control);
        }
    }

    private static void retirePredecessor(Path socket) {
        try {
            JsonNode r = SupervisorClient.call(socket, Map.of("op", "retire"));
            if (r.hasNonNull("error")) System.err.println("forkd: takeover: the old supervisor said: " + r.get("error").asString());
        } catch (IOException gone) {
            System.err.println("forkd: takeover: the old supervisor did not answer (" + gone.getMessage() + "); going on");
        }
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
                case "handover" -> {
                    Map<String, Object> r = handOver(req);
                    write(c, r);
                    if (r.containsKey("handedOverTo")) stopped.countDown(); // answered: this supervisor goes
                    yield null;
                }
                case "retire" -> retire();
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
        if (retiring) return; // the pid file is another supervisor's (see takeOver, retire)
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
        m.put("version", Wire.VERSION);
        m.put("startedAt", startedAt.toString());
        m.put("mode", spec.clustered() ? "cluster" : "fork");
        if (spec.clustered()) m.put("listen", spec.host() + ":" + spec.port() + " (" + spec.handoff().label() + ")");
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
