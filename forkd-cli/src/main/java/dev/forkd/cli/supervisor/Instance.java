package dev.forkd.cli.supervisor;

import dev.forkd.ChildProcess;
import dev.forkd.ChildProcesses;
import dev.forkd.Command;
import dev.forkd.ExitStatus;
import dev.forkd.Signal;
import dev.forkd.SpawnException;
import dev.forkd.Stdio;
import dev.forkd.cli.app.AppSpec;
import dev.forkd.cluster.Cluster;
import dev.forkd.cluster.Worker;
import dev.forkd.cli.app.RestartMode;
import dev.forkd.cli.app.Units;
import java.nio.channels.ServerSocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One running copy of an app (fork mode): spawns it in a process group of its own, pumps its output into
 * its logs, restarts it with backoff when it ends, and gives up ({@link State#ERRORED}) after more than
 * {@code maxRestarts} restarts within the window. Every restart's reason is kept (exit status, signal,
 * memory, manual).
 */
final class Instance {
    enum State { STARTING, ONLINE, STOPPING, STOPPED, WAITING_RESTART, ERRORED }

    private static final Duration INITIAL_BACKOFF = Duration.ofMillis(100);
    private static final Duration MAX_BACKOFF = Duration.ofSeconds(15);
    /** An instance that ran this long was stable: the backoff starts over. */
    private static final Duration STABLE_AFTER = Duration.ofSeconds(30);
    private static final int REASONS_KEPT = 20;

    private final int id;
    private final AppSpec spec;
    private final Path logDir;
    private final AtomicLong droppedBytes = new AtomicLong();
    private final AtomicLong droppedLines = new AtomicLong();
    private final AtomicLong logWriteErrors = new AtomicLong();
    private final ArrayDeque<Long> deaths = new ArrayDeque<>();
    private final ArrayDeque<Map<String, Object>> reasons = new ArrayDeque<>();
    private ChildProcess child;
    /** During a reload: the new process, until it is ready and becomes {@link #child}. */
    private ChildProcess replacing;
    private State state = State.STOPPED;
    private String error;
    private int restarts;
    private Instant startedAt;
    private String lastExit;
    private ExitStatus lastStatus;
    private Duration backoff = INITIAL_BACKOFF;
    private long generation; // a restart scheduled under an older generation is void
    private long cpuTicks;
    private long cpuNanos;
    private double cpuPercent;
    private long rss;

    /** Told when the instance's process changes (started, exited): the supervisor's pid file. */
    private final Runnable onChange;
    /** Cluster mode: the supervisor's listener, every process's fd 3. */
    private final ServerSocketChannel listener;
    /** The instance's logs, shared by its successive processes; null for forkd run (output inherited). */
    private final RotatingLog outLog;
    private final RotatingLog errLog;

    /** The app's NOTIFY_SOCKET, or null (forkd run without one). */
    private final Readiness readiness;
    /**
     * Cluster mode with {@code --handoff cluster}: the supervisor's cluster, whose workers this instance's
     * processes are (Node's cluster protocol over an IPC channel on fd 3, not the listener as fd 3); else null.
     */
    private final Cluster cluster;
    /** The cluster workers of this instance's processes, by pid. */
    private final Map<Long, Worker> workers = new java.util.concurrent.ConcurrentHashMap<>();

    Instance(int id, AppSpec spec, Path logDir, ServerSocketChannel listener, Readiness readiness, Runnable onChange) {
        this(id, spec, logDir, listener, null, readiness, onChange);
    }

    Instance(int id, AppSpec spec, Path logDir, ServerSocketChannel listener, Cluster cluster, Readiness readiness,
             Runnable onChange) {
        this.cluster = cluster;
        this.id = id;
        this.readiness = readiness;
        this.spec = spec;
        this.logDir = logDir;
        this.listener = listener;
        this.onChange = onChange;
        String base = spec.name() + "-" + id;
        outLog = logDir == null ? null : new RotatingLog(logDir.resolve(base + "-out.log"), spec.logMaxBytes(), spec.logFiles());
        errLog = logDir == null ? null : new RotatingLog(logDir.resolve(base + "-err.log"), spec.logMaxBytes(), spec.logFiles());
    }

    /** The pids of every process this instance runs now (two during a reload). */
    synchronized List<Long> pids() {
        List<Long> pids = new ArrayList<>();
        for (ChildProcess p : new ChildProcess[] {child, replacing}) {
            if (p != null && p.exitStatus().isEmpty()) pids.add(p.pid());
        }
        return pids;
    }

    int id() {
        return id;
    }

    synchronized State state() {
        return state;
    }

    synchronized String error() {
        return error;
    }

    /** Starts the instance; a spawn failure leaves it {@link State#ERRORED} with the reason. */
    synchronized void start() {
        generation++;
        state = State.STARTING;
        ChildProcess p;
        try {
            p = spawn();
        } catch (SpawnException | RuntimeException e) {
            state = State.ERRORED;
            error = "cannot start: " + e.getMessage();
            return;
        }
        child = p;
        error = null;
        startedAt = Instant.now();
        cpuTicks = 0;
        cpuNanos = System.nanoTime();
        boolean gated = gated();
        state = gated ? State.STARTING : State.ONLINE;
        // Last: a process that has exited already runs exited() right here, which must find the state set.
        watch(p);
        if (gated && child == p && state == State.STARTING) {
            // Up when it says so; after the ready timeout it counts as up anyway, with a note (PM2 does the same).
            readiness.readiness(p.pid()).orTimeout(spec.readyTimeout().toMillis(), TimeUnit.MILLISECONDS)
                    .whenComplete((v, e) -> becameReady(p, e));
        }
        onChange.run();
    }

    /** Up when it says so (--wait-ready) or, as a cluster worker, when it listens; not as soon as it runs. */
    private boolean gated() {
        return (spec.waitReady() || cluster != null) && readiness != null;
    }

    /** What a gated process did not do in time. */
    private String readySignal() {
        return spec.waitReady() ? "send READY=1" : "listen";
    }

    private synchronized void becameReady(ChildProcess p, Throwable timedOut) {
        if (p != child || state != State.STARTING) return;
        state = State.ONLINE;
        if (timedOut != null) {
            error = "did not " + readySignal() + " within " + spec.readyTimeout().toSeconds() + " s of the start; counted as up";
        }
        notifyAll();
    }

    /**
     * Spawns a process for this instance and wires its output; {@link #watch} it once it is the instance's. In
     * cluster mode the listener is its fd 3, announced as systemd does: {@code LISTEN_FDS=1},
     * {@code LISTEN_FDNAMES}, and {@code LISTEN_PID} set to the program's own pid by a shell that then execs it
     * (the pid is not known before the spawn).
     */
    private ChildProcess spawn() throws SpawnException {
        List<String> argv = new ArrayList<>();
        boolean activation = listener != null && cluster == null;
        if (activation) {
            // Through the shell a missing program would be a crash loop of exit 127: say so at once instead.
            requireExecutable(spec.command().getFirst());
            argv.addAll(Activation.SHIM);
        }
        argv.addAll(spec.command());
        Command c = Command.of(argv.getFirst(), argv.subList(1, argv.size()).toArray(String[]::new))
                .cwd(Path.of(spec.cwd())).envClear().env(spec.env())
                .env("FORKD_APP_NAME", spec.name()).env("FORKD_INSTANCE", Integer.toString(id))
                .env("NODE_APP_INSTANCE", Integer.toString(id))
                .killTree(true);
        if (readiness != null) c = c.env("NOTIFY_SOCKET", readiness.address());
        Stdio out = outLog == null ? Stdio.inherit() : Stdio.pipe(); // forkd run: straight to ours
        // With --wait-ready, also an IPC channel (NODE_CHANNEL_FD, after the listener): PM2's process.send('ready').
        boolean ipc = spec.waitReady() && readiness != null && cluster == null;
        List<Stdio> stdio = new ArrayList<>(List.of(Stdio.ignore(), out, out));
        if (activation) {
            stdio.add(Stdio.socket(listener));
            c = Activation.announce(c, spec.name());
        }
        if (ipc) stdio.add(Stdio.ipc());
        c = c.stdio(stdio.toArray(Stdio[]::new));
        ChildProcess p;
        if (cluster != null) {
            // A cluster worker: its channel (fd 3) carries Node's cluster protocol, and a 'ready' message too.
            Worker w = cluster.fork(c);
            p = w.process();
            long pid = p.pid();
            workers.put(pid, w);
            p.onExit().whenComplete((st, e) -> workers.remove(pid));
            if (readiness != null && spec.waitReady()) {
                w.onMessage(m -> {
                    if (saysReady(m)) Thread.ofVirtual().start(() -> readiness.markReady(pid)); // off the loop thread
                });
            }
        } else {
            p = ChildProcesses.spawn(c);
        }
        if (ipc) {
            long pid = p.pid();
            p.channel().ifPresent(ch -> ch.onMessage(m -> {
                if (saysReady(m)) readiness.markReady(pid);
            }));
        }
        if (outLog != null) {
            String base = spec.name() + "-" + id;
            new LogPump(outLog, spec.timestamps(), droppedBytes, droppedLines, logWriteErrors).start(p.stdout(), base + "-out");
            new LogPump(errLog, spec.timestamps(), droppedBytes, droppedLines, logWriteErrors).start(p.stderr(), base + "-err");
        }
        return p;
    }

    /** PM2's {@code process.send('ready')}. */
    private static boolean saysReady(dev.forkd.ipc.Message m) {
        return m.body().isString() && m.body().asString().equals("ready");
    }

    /** As execvp would find {@code program} on the app's PATH; else the spawn failure posix_spawn reports. */
    private void requireExecutable(String program) throws SpawnException {
        if (program.contains("/")) {
            Path p = Path.of(spec.cwd()).resolve(program);
            if (Files.isRegularFile(p) && Files.isExecutable(p)) return;
        } else {
            for (String dir : spec.env().getOrDefault("PATH", "/usr/local/bin:/usr/bin:/bin").split(":")) {
                Path p = Path.of(dir.isEmpty() ? "." : dir).resolve(program);
                if (Files.isRegularFile(p) && Files.isExecutable(p)) return;
            }
        }
        boolean exists = program.contains("/") && Files.exists(Path.of(spec.cwd()).resolve(program));
        String code = exists ? "EACCES" : "ENOENT";
        throw new SpawnException("posix_spawn failed: " + code + (exists ? " (Permission denied): " : " (No such file or"
                + " directory): ") + program, "posix_spawn", exists ? 13 : 2, code, program, null);
    }

    /**
     * Reports p's exit to {@link #exited}. Called once p is the instance's {@link #child} and its state is set:
     * a process that has already exited runs the callback right here, and it must find itself current.
     */
    private void watch(ChildProcess p) {
        p.onExit().whenComplete((st, e) -> {
            exited(p, st, e);
            onChange.run();
        });
    }

    /**
     * Reload without a gap: starts a new process beside the running one (in cluster mode both accept on the
     * shared listener, and connections queued in it wait for whichever accepts), waits {@code ready}, then
     * stops the old one (SIGTERM, SIGKILL after the kill timeout). If the new process cannot start or dies
     * while getting ready, the old one keeps running and the reason is returned; null when it worked.
     */
    String replace(Duration ready) throws InterruptedException {
        ChildProcess old;
        ChildProcess fresh;
        synchronized (this) {
            old = child;
            if (state != State.ONLINE || old == null || old.exitStatus().isPresent()) {
                restart("reload");
                return null;
            }
            try {
                fresh = spawn();
            } catch (SpawnException | RuntimeException e) {
                return "cannot start the new process: " + e.getMessage();
            }
            replacing = fresh; // not the instance's yet: its exit now is a failed reload, not a crash
        }
        onChange.run();
        String failed = awaitReady(fresh, ready);
        if (failed != null) {
            synchronized (this) {
                replacing = null;
            }
            if (fresh.exitStatus().isEmpty()) terminate(fresh);
            onChange.run();
            return failed + "; the old one keeps serving";
        }
        synchronized (this) {
            replacing = null;
            child = fresh; // from here on the old process's exit is not this instance's
            record("reload");
            restarts++;
            startedAt = Instant.now();
            cpuTicks = 0;
            cpuNanos = System.nanoTime();
            state = State.ONLINE;
            watch(fresh); // last, as in start()
        }
        onChange.run();
        // The old one drains while the next instance is replaced: the reload waits for all of them at its end.
        draining.add(Thread.ofVirtual().name(spec.name() + "-" + id + "-drain").start(() -> {
            try {
                terminate(old);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }));
        return null;
    }

    /**
     * After {@link #start}: waits until its process is ready as a reload's new process must be (READY=1 with
     * {@code --wait-ready}, else alive after {@code delay}). Returns why not, or null.
     */
    String awaitFirstReady(Duration delay) throws InterruptedException {
        ChildProcess p;
        synchronized (this) {
            if (state == State.ERRORED) return error;
            p = child;
        }
        if (p == null) return "not started";
        return awaitReady(p, delay);
    }

    /** Old processes of past reloads that are still draining. */
    private final List<Thread> draining = new java.util.concurrent.CopyOnWriteArrayList<>();

    /** Waits until the processes this instance's reloads replaced have exited. */
    void awaitDrained() throws InterruptedException {
        for (Thread t : draining) {
            t.join();
            draining.remove(t);
        }
    }

    /**
     * Waits until {@code p} is ready: with {@code --wait-ready}, until it says READY=1 on its NOTIFY_SOCKET
     * (within the ready timeout); else until it has run for {@code delay}. Returns why not, or null.
     */
    private String awaitReady(ChildProcess p, Duration delay) throws InterruptedException {
        if (gated()) {
            CompletableFuture<Void> said = readiness.readiness(p.pid());
            try {
                CompletableFuture.anyOf(said, p.onExit()).get(spec.readyTimeout().toMillis(), TimeUnit.MILLISECONDS);
            } catch (ExecutionException | TimeoutException e) {
                // decided below
            }
            // start() puts a timeout on the same future: completed exceptionally, it is no READY=1.
            if (said.isDone() && !said.isCompletedExceptionally()) return null;
            if (p.exitStatus().isPresent()) return "the new process exited before it was ready (" + p.exitStatus().get() + ")";
            return "the new process did not " + readySignal() + " within " + spec.readyTimeout().toSeconds() + " s";
        }
        try {
            p.waitFor(delay);
            return "the new process exited while getting ready (" + p.exitStatus().map(Object::toString).orElse("?") + ")";
        } catch (TimeoutException stillRunning) {
            return null;
        }
    }

    /** SIGTERM, then SIGKILL after the kill timeout; returns once the process has exited. */
    private void terminate(ChildProcess p) throws InterruptedException {
        Worker w = workers.get(p.pid());
        if (w != null && w.isConnected()) {
            w.disconnect(); // Node's worker.disconnect(): no new connections, servers closed, exit when done
        } else {
            p.kill(Signal.SIGTERM);
        }
        try {
            p.waitFor(spec.killTimeout());
        } catch (TimeoutException e) {
            p.kill(Signal.SIGKILL);
            try {
                p.waitFor(Duration.ofSeconds(10));
            } catch (TimeoutException stuck) {
                // SIGKILL of a process in uninterruptible sleep: it is reaped whenever it goes
            }
        }
    }

    private synchronized void exited(ChildProcess p, ExitStatus st, Throwable failure) {
        if (p != child) return;
        lastExit = st != null ? st.toString() : "status lost: " + failure.getMessage();
        lastStatus = st;
        if (readiness != null) readiness.forget(p.pid());
        notifyAll();
        if (state == State.STOPPING || state == State.STOPPED) {
            state = State.STOPPED;
            return;
        }
        boolean success = st != null && st.success();
        if (spec.restart() == RestartMode.NEVER || (spec.restart() == RestartMode.ON_FAILURE && success)) {
            state = State.STOPPED;
            return;
        }
        long now = System.nanoTime();
        deaths.addLast(now);
        while (!deaths.isEmpty() && now - deaths.peekFirst() > spec.window().toNanos()) deaths.removeFirst();
        if (deaths.size() > spec.maxRestarts()) {
            state = State.ERRORED;
            error = "crash loop: " + deaths.size() + " exits within " + spec.window().toSeconds() + " s (last: "
                    + lastExit + "); not restarted";
            return;
        }
        restartLater(lastExit);
    }

    /** Called with the lock held. */
    private void restartLater(String reason) {
        Duration delay;
        if (spec.restartDelay() != null) {
            delay = spec.restartDelay();
        } else {
            Duration uptime = startedAt == null ? Duration.ZERO : Duration.between(startedAt, Instant.now());
            if (uptime.compareTo(STABLE_AFTER) >= 0) backoff = INITIAL_BACKOFF;
            delay = backoff;
            Duration doubled = backoff.multipliedBy(2);
            backoff = doubled.compareTo(MAX_BACKOFF) > 0 ? MAX_BACKOFF : doubled;
        }
        record(reason);
        state = State.WAITING_RESTART;
        long gen = ++generation;
        Thread.ofVirtual().name(spec.name() + "-" + id + "-restart").start(() -> {
            try {
                Thread.sleep(delay);
            } catch (InterruptedException e) {
                return;
            }
            synchronized (this) {
                if (generation != gen || state != State.WAITING_RESTART) return;
                restarts++;
                start();
            }
        });
    }

    private void record(String reason) {
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("at", Instant.now().toString());
        r.put("reason", reason);
        reasons.addLast(r);
        while (reasons.size() > REASONS_KEPT) reasons.removeFirst();
    }

    /**
     * Stops the instance: SIGTERM to its process group, SIGKILL after the kill timeout; returns once it has
     * exited. A pending restart is cancelled.
     */
    void stop() throws InterruptedException {
        ChildProcess p;
        synchronized (this) {
            generation++; // voids a pending restart
            p = child;
            if (p == null || p.exitStatus().isPresent()) {
                state = State.STOPPED;
                return;
            }
            state = State.STOPPING;
        }
        terminate(p);
        synchronized (this) {
            state = State.STOPPED;
            // The exit callback may come a moment after waitFor: the status is known now.
            if (p == child && p.exitStatus().isPresent()) {
                lastStatus = p.exitStatus().get();
                lastExit = lastStatus.toString();
            }
        }
    }

    /** Stops and starts again, recording {@code reason}; the restart counter goes up. */
    void restart(String reason) throws InterruptedException {
        stop();
        synchronized (this) {
            record(reason);
            restarts++;
            deaths.clear();
            backoff = INITIAL_BACKOFF;
            start();
        }
    }

    /** Samples CPU and memory; restarts the instance when it is over the memory limit. */
    void sample() throws InterruptedException {
        ChildProcess p;
        synchronized (this) {
            p = state == State.ONLINE ? child : null;
            if (p == null) {
                cpuPercent = 0;
                rss = 0;
                return;
            }
            ProcStats s = ProcStats.of(p.pid());
            if (s == null) return;
            long now = System.nanoTime();
            long dt = now - cpuNanos;
            if (dt > 0 && cpuTicks > 0) {
                cpuPercent = (s.cpuTicks() - cpuTicks) * 1e9 / ProcStats.TICKS_PER_SECOND / dt * 100;
            }
            cpuTicks = s.cpuTicks();
            cpuNanos = now;
            rss = s.rssBytes();
            if (spec.maxMemory() <= 0 || rss <= spec.maxMemory()) return;
        }
        restart("memory: " + Units.formatSize(rss) + " over --max-memory " + Units.formatSize(spec.maxMemory()));
    }

    /** How the instance's last process ended, or null. */
    synchronized ExitStatus lastStatus() {
        return lastStatus;
    }

    /** Stopped or errored: it will not run again by itself. */
    synchronized boolean finished() {
        return state == State.STOPPED || state == State.ERRORED;
    }

    synchronized Map<String, Object> status() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("id", id);
        m.put("pid", child != null && child.exitStatus().isEmpty() ? child.pid() : null);
        m.put("status", state.name().toLowerCase(Locale.ROOT).replace('_', '-'));
        m.put("restarts", restarts);
        m.put("startedAt", startedAt == null ? null : startedAt.toString());
        m.put("cpu", Math.round(cpuPercent * 10) / 10.0);
        m.put("memory", rss);
        m.put("lastExit", lastExit);
        m.put("error", error);
        if (readiness != null && child != null) m.put("notifyStatus", readiness.status(child.pid()));
        m.put("restartReasons", new ArrayList<>(reasons));
        m.put("logDroppedBytes", droppedBytes.get());
        m.put("logDroppedLines", droppedLines.get());
        m.put("logWriteErrors", logWriteErrors.get());
        List<String> logs = logDir == null ? List.of() : List.of(logDir.resolve(spec.name() + "-" + id + "-out.log").toString(),
                logDir.resolve(spec.name() + "-" + id + "-err.log").toString());
        m.put("logs", logs);
        return m;
    }

    /** Waits (at most {@code timeout}) until the instance is no longer starting. */
    synchronized void awaitStarted(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (state == State.STARTING) {
            long left = deadline - System.nanoTime();
            if (left <= 0) return;
            TimeUnit.NANOSECONDS.timedWait(this, left);
        }
    }
}
