package dev.forkd.internal.cluster;

import dev.forkd.internal.io.LazyLogger;
import dev.forkd.Command;
import dev.forkd.ExitStatus;
import dev.forkd.ForkOptions;
import dev.forkd.Signal;
import dev.forkd.SocketActivation;
import dev.forkd.SpawnException;
import dev.forkd.cluster.ClusterEvent;
import dev.forkd.cluster.ClusterSettings;
import dev.forkd.cluster.ReloadResult;
import dev.forkd.cluster.RestartPolicy;
import dev.forkd.cluster.SchedulingPolicy;
import dev.forkd.cluster.Worker;
import dev.forkd.internal.io.EventLoop;
import dev.forkd.internal.io.SerialExecutor;
import dev.forkd.internal.ipc.HandleAdoption;
import dev.forkd.ipc.Handle;
import dev.forkd.ipc.Subscription;
import java.io.IOException;
import java.net.BindException;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * The primary's side of a cluster: forks workers, answers their cluster protocol, owns the listening sockets,
 * distributes connections, respawns the dead, reloads and shuts down. Events go out in order through one
 * {@link SerialExecutor}.
 */
public final class PrimaryCore {
    private static final System.Logger LOG = LazyLogger.of("dev.forkd.cluster");

    private final ClusterSettings settings;
    /** How {@link #fork(Map)} starts a worker: the settings' JVM or command. */
    private final Launch defaultLaunch;
    private final ConcurrentSkipListMap<Integer, WorkerHandle> workers = new ConcurrentSkipListMap<>();
    private final AtomicInteger ids = new AtomicInteger();
    private final AtomicLong seq = new AtomicLong();
    private final CopyOnWriteArrayList<Consumer<ClusterEvent>> listeners = new CopyOnWriteArrayList<>();
    private final SerialExecutor events = new SerialExecutor("forkd-cluster-events");
    private final Map<String, Port> ports = new ConcurrentHashMap<>();
    private final ArrayDeque<Long> deaths = new ArrayDeque<>(); // guarded by this
    private Duration backoff;                                   // guarded by this
    /** The JVM is exiting: no forks at all. */
    private volatile boolean shuttingDown;
    /** disconnect() was called: dead workers are not replaced (explicit forks still work, as in Node). */
    private volatile boolean respawnStopped;
    private volatile boolean gaveUp;

    public PrimaryCore(ClusterSettings settings) {
        this.settings = settings;
        this.defaultLaunch = settings.command().<Launch>map(Launch.Exec::new).orElseGet(() -> new Launch.Jvm(settings.fork()));
        this.backoff = settings.restartPolicy().initialBackoff();
        Runtime.getRuntime().addShutdownHook(Thread.ofPlatform().name("forkd-cluster-shutdown")
                .unstarted(this::shutdownOnExit));
    }

    public ClusterSettings settings() {
        return settings;
    }

    public Subscription onEvent(Consumer<ClusterEvent> listener) {
        listeners.add(listener);
        return () -> listeners.remove(listener);
    }

    private void emit(ClusterEvent e) {
        events.execute(() -> {
            for (Consumer<ClusterEvent> l : listeners) l.accept(e);
        });
    }

    public Map<Integer, Worker> workers() {
        return Collections.unmodifiableMap(new LinkedHashMap<>(workers));
    }

    // ------------------------------------------------------------------ forking

    public Worker fork(Map<String, String> env) throws SpawnException {
        return forkHandle(defaultLaunch, env, false);
    }

    /** Forks one worker that runs {@code command} instead of what the settings say. */
    public Worker fork(Command command) throws SpawnException {
        ClusterSettings.of(command); // the one place that checks a worker command
        return forkHandle(new Launch.Exec(command), Map.of(), false);
    }

    /** Forks one worker JVM with {@code options} instead of what the settings say. */
    public Worker fork(ForkOptions options) throws SpawnException {
        return forkHandle(new Launch.Jvm(Objects.requireNonNull(options, "options")), Map.of(), false);
    }

    private WorkerHandle forkHandle(Launch launch, Map<String, String> env, boolean replacement) throws SpawnException {
        if (shuttingDown) throw new IllegalStateException("the cluster is shutting down");
        int id = ids.incrementAndGet();
        WorkerHandle w = new WorkerHandle(id, launch.start(id, env), launch, Map.copyOf(env), this);
        w.unproven = replacement; // before its exit can be seen (the callbacks below)
        workers.put(id, w);
        emit(new ClusterEvent.Forked(w));
        w.channel.onInternalMessage((m, h) -> onInternal(w, m, h));
        w.channel.onMessage(m -> emit(new ClusterEvent.MessageReceived(w, m)));
        CompletableFuture<Void> disconnected = w.channel.onDisconnect().thenRun(() -> {
            w.advance(WorkerHandle.State.DRAINING);
            emit(new ClusterEvent.Disconnected(w));
        });
        // Node's order: 'disconnect' before 'exit'. The channel closes when the worker dies, so wait for it
        // (briefly: a grandchild could hold the channel open).
        // The wait is a loop timer, not completeOnTimeout: that would start the JDK's delay-scheduler thread.
        w.process.onExit().thenCompose(st -> {
            if (!disconnected.isDone()) {
                EventLoop.Timer t = EventLoop.get().schedule(TimeUnit.SECONDS.toNanos(2), () -> disconnected.complete(null));
                disconnected.whenComplete((v, e) -> t.cancel());
            }
            return disconnected.exceptionally(e -> null).thenApply(v -> st);
        }).thenAccept(st -> onExit(w, st));
        return w;
    }

    // ------------------------------------------------------------------ protocol (loop thread)

    private void onInternal(WorkerHandle w, JsonNode m, Optional<Handle> handle) {
        if (!Protocol.isCluster(m)) return;
        try {
            onCluster(w, m, handle);
        } catch (RuntimeException e) {
            // Nothing a worker sends may break the loop or the other workers (DESIGN §6b).
            LOG.log(System.Logger.Level.ERROR, "worker " + w.id + ": cannot handle the cluster message " + m, e);
        }
    }

    private void onCluster(WorkerHandle w, JsonNode m, Optional<Handle> handle) {
        handle.ifPresent(h -> {
            // No act a worker sends comes with a handle: whatever came is not ours to keep.
            LOG.log(System.Logger.Level.WARNING, "worker " + w.id + " sent a handle with " + m + ": closed it");
            closeQuietly(h.channel());
        });
        if (m.has("ack") && !m.has("act")) {
            onReply(w, m);
            return;
        }
        switch (Protocol.act(m)) {
            case "online" -> {
                // A forkd worker takes hand-offs back to back; a Node worker gets Node's one-at-a-time rule.
                if (m.path("forkd").asInt(0) >= 1) {
                    w.forkd = true;
                    w.channel.pipelineHandles(true);
                }
                w.advance(WorkerHandle.State.ONLINE);
                emit(new ClusterEvent.Online(w));
            }
            case "queryServer" -> onQueryServer(w, m);
            case "listening" -> {
                InetSocketAddress address = listeningAddress(m);
                // The event first: completing the gate may start a reload's next replacement at once, and its
                // Forked event must not reach listeners before this Listening.
                emit(new ClusterEvent.Listening(w, address));
                w.firstListening.complete(null);
            }
            case "close" -> {
                Port p = ports.get(m.path("key").asString(""));
                if (p != null) p.workers.remove(w);
            }
            case "load" -> {
                w.busy = m.path("busy").asBoolean(false);
                if (!w.busy) for (Port p : ports.values()) p.pump();
            }
            case "exitedAfterDisconnect" -> {
                w.exitedAfterDisconnect = true;
                reply(w, m, Protocol.message(null));
            }
            // Node's primary ignores what it does not know (test-cluster-invalid-message); so does forkd's.
            default -> LOG.log(System.Logger.Level.WARNING, "worker " + w.id + ": ignored an unknown cluster message " + m);
        }
    }

    private void reply(WorkerHandle w, JsonNode request, ObjectNode reply) {
        reply.put("ack", request.path("seq").asLong()).put("seq", seq.getAndIncrement());
        w.channel.sendInternal(reply);
    }

    /**
     * The address a worker's 'listening' names, as clients reach it: a worker that asked for a port mapped
     * to an adopted listener believes it listens on the port it asked for (Node checks that it does).
     */
    private InetSocketAddress listeningAddress(JsonNode m) {
        int port = m.path("port").asInt(-1);
        ServerSocketChannel adopted = port >= 0 ? settings.listeners().get(port) : null;
        if (adopted == null && m.path("fd").isIntegralNumber()) adopted = adoptedByFd(m.get("fd").asInt());
        if (adopted != null) {
            try {
                return (InetSocketAddress) adopted.getLocalAddress();
            } catch (IOException | RuntimeException e) {
                // closed by its owner meanwhile: report what the worker said
            }
        }
        return Protocol.address(m);
    }

    private void onQueryServer(WorkerHandle w, JsonNode m) {
        ServerQuery q;
        ServerSocketChannel adopted;
        try {
            q = ServerQuery.parse(m);
            adopted = adoptedFor(q);
        } catch (ServerQuery.Refused e) {
            refuse(w, m, "?", e.errno, e.getMessage(), "cannot serve what it asked for: " + e.getMessage());
            return;
        }
        SchedulingPolicy policy = settings.schedulingPolicy();
        String key;
        InetSocketAddress real = null;
        if (adopted != null) {
            try {
                real = (InetSocketAddress) adopted.getLocalAddress();
            } catch (IOException e) {
                String why = "the listener given for " + q.where() + " is closed";
                refuse(w, m, q.where(), ServerQuery.EBADF, why, "cannot listen on " + q.where() + ": " + why);
                return;
            }
            key = Protocol.key(real.getAddress().isAnyLocalAddress() ? null : real.getAddress().getHostAddress(),
                    real.getPort(), real.getAddress() instanceof Inet6Address ? 6 : 4);
            boolean samePort = q.port() <= 0 || q.port() == real.getPort();
            if (policy == SchedulingPolicy.SHARED || policy == SchedulingPolicy.REUSEPORT) {
                policy = samePort ? SchedulingPolicy.SHARED : SchedulingPolicy.ROUND_ROBIN;
            }
        } else {
            key = Protocol.key(q.address(), q.port(), q.addressType());
        }
        Port p;
        try {
            SchedulingPolicy chosen = policy;
            InetSocketAddress bindTo = adopted != null ? null : Protocol.address(m);
            p = ports.computeIfAbsent(key, k -> {
                try {
                    return adopted != null ? adoptPort(k, adopted, chosen) : openPort(k, bindTo, chosen, q.backlog());
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            });
        } catch (java.io.UncheckedIOException e) {
            String why = e.getCause().getMessage();
            refuse(w, m, key, errnoOf(e.getCause()), why + ": " + q.where(), "cannot listen on " + q.where() + ": " + why);
            return;
        }
        if (p.workers.contains(w)) {
            // Node's primary makes a second handle for a second listen on the same address, whose bind fails.
            ObjectNode err = Protocol.message(null).put("key", key).put("errno", ServerQuery.EADDRINUSE)
                    .put("error", "this worker already listens on " + q.where());
            err.putNull("data");
            reply(w, m, err);
            return;
        }
        if (p.policy == SchedulingPolicy.SHARED && adopted != null && q.port() > 0 && q.port() != real.getPort()
                && !w.forkd) {
            ObjectNode err = Protocol.message(null).put("key", key).put("errno", ServerQuery.EADDRINUSE)
                    .put("error", "port " + q.port() + " is served by a shared listener on port " + real.getPort());
            err.putNull("data");
            reply(w, m, err);
            return;
        }
        ObjectNode r = Protocol.message(null).put("key", key).put("policy", p.policy.name());
        r.putNull("data");
        p.workers.add(w);
        switch (p.policy) {
            case SHARED -> {
                r.put("errno", 0);
                r.put("ack", m.path("seq").asLong()).put("seq", seq.getAndIncrement());
                w.channel.sendHandle(r, p.listener(), "net.Native", false);
            }
            case REUSEPORT -> {
                if (w.forkd) {
                    r.putNull("errno");
                    r.put("reuseport", true);
                    r.set("sockname", Protocol.sockname(p.address));
                    reply(w, m, r);
                } else {
                    shareReusePort(w, m, p, r, q);
                }
            }
            default -> {
                r.putNull("errno");
                // Node checks that a listener has the port it asked for (net.js checkBindError).
                InetSocketAddress seen = !w.forkd && q.port() > 0 ? new InetSocketAddress(p.address.getAddress(), q.port())
                        : p.address;
                r.set("sockname", Protocol.sockname(seen));
                reply(w, m, r);
                p.pump();
            }
        }
    }

    /**
     * REUSEPORT for a worker without forkd's runtime (Node's does not bind on its own in a cluster): the primary
     * binds the worker's own SO_REUSEPORT socket and hands it over as a shared listener, then closes its copy.
     */
    private void shareReusePort(WorkerHandle w, JsonNode m, Port p, ObjectNode r, ServerQuery q) {
        ServerSocketChannel own;
        try {
            // The same kind of socket as the others of the port (forkd workers', the reservation): Linux
            // prefers an AF_INET listener to dual-stack ones, and would give this one every connection.
            own = ServerSocketChannel.open();
            try {
                own.setOption(StandardSocketOptions.SO_REUSEADDR, true);
                own.setOption(StandardSocketOptions.SO_REUSEPORT, true);
                own.bind(p.address, q.backlog());
            } catch (IOException e) {
                own.close();
                throw e;
            }
        } catch (IOException e) {
            p.workers.remove(w);
            refuse(w, m, p.key, errnoOf(e), e.getMessage() + ": " + q.where(),
                    "cannot listen on " + q.where() + ": " + e.getMessage());
            return;
        }
        r.put("errno", 0);
        r.put("ack", m.path("seq").asLong()).put("seq", seq.getAndIncrement());
        w.channel.sendHandle(r, own, "net.Native", true).whenComplete((v, e) -> {
            if (e != null) closeQuietly(own);
        });
    }

    /**
     * The listener that serves this request instead of one the primary binds: one given for the port, one
     * inherited from socket activation bound to the port (or named by {@code listen({fd})}), or null.
     */
    private ServerSocketChannel adoptedFor(ServerQuery q) throws ServerQuery.Refused {
        if (q.fd() >= 0) {
            ServerSocketChannel byFd = adoptedByFd(q.fd());
            if (byFd == null) {
                throw new ServerQuery.Refused(ServerQuery.EBADF, "fd " + q.fd() + " is not a listening socket of the"
                        + " primary (socket-activated, or given with ClusterSettings.listener)");
            }
            return byFd;
        }
        ServerSocketChannel given = settings.listeners().get(q.port());
        if (given != null) return given;
        if (q.port() == 0) return null;
        List<SocketActivation.Listener> inherited;
        try {
            inherited = SocketActivation.listeners();
        } catch (IOException e) {
            throw new ServerQuery.Refused(ServerQuery.EBADF, "cannot take the socket-activated listeners: " + e.getMessage());
        }
        ServerSocketChannel wildcard = null;
        ServerSocketChannel any = null;
        for (SocketActivation.Listener l : inherited) {
            if (!(l.channel() instanceof ServerSocketChannel s)) continue;
            InetSocketAddress a;
            try {
                if (!(s.getLocalAddress() instanceof InetSocketAddress isa) || isa.getPort() != q.port()) continue;
                a = isa;
            } catch (IOException closed) {
                continue;
            }
            if (q.address() != null && sameHost(q.address(), a)) return s;
            if (a.getAddress().isAnyLocalAddress() && wildcard == null) wildcard = s;
            if (any == null) any = s;
        }
        // A worker that asks for every interface takes what systemd bound for the port; one that asks for a
        // host takes the socket bound to that host or to every interface.
        return q.address() == null ? any : wildcard;
    }

    private static boolean sameHost(String host, InetSocketAddress bound) {
        try {
            return InetAddress.getByName(host).equals(bound.getAddress());
        } catch (java.net.UnknownHostException e) {
            return false;
        }
    }

    /** A listener given in the settings or inherited from socket activation that is fd {@code fd} here. */
    private ServerSocketChannel adoptedByFd(int fd) {
        for (ServerSocketChannel s : settings.listeners().values()) {
            if (s.isOpen() && HandleAdoption.fdOf(s) == fd) return s;
        }
        try {
            for (SocketActivation.Listener l : SocketActivation.listeners()) {
                if (l.fd() == fd && l.channel() instanceof ServerSocketChannel s && s.isOpen()) return s;
            }
        } catch (IOException e) {
            LOG.log(System.Logger.Level.WARNING, "cannot take the socket-activated listeners: " + e.getMessage());
        }
        return null;
    }

    /** Answers a queryServer the primary cannot serve, and gives up as {@link #listenFailed} says. */
    private void refuse(WorkerHandle w, JsonNode m, String key, int errno, String error, String reason) {
        ObjectNode err = Protocol.message(null).put("key", key);
        err.put("errno", errno).put("error", error);
        err.putNull("data");
        reply(w, m, err);
        listenFailed(w, reason);
    }

    private Port adoptPort(String key, ServerSocketChannel listener, SchedulingPolicy policy) throws IOException {
        Port p = new Port(key, policy, listener, settings.queueTimeout(), true);
        if (p.distributes()) p.startAccepting(); // on failure nothing is ours to close: the listener is not
        return p;
    }

    private Port openPort(String key, InetSocketAddress requested, SchedulingPolicy policy, int backlog)
            throws IOException {
        if (policy == SchedulingPolicy.REUSEPORT) {
            // A bound, never-listening socket: it reserves the port (and makes port 0 one port for all) but
            // the kernel gives it no connections. Every worker binds its own listening socket to the port.
            SocketChannel reservation = SocketChannel.open();
            try {
                reservation.setOption(StandardSocketOptions.SO_REUSEADDR, true);
                reservation.setOption(StandardSocketOptions.SO_REUSEPORT, true);
                reservation.bind(requested);
            } catch (IOException e) {
                reservation.close();
                throw e;
            }
            return new Port(key, policy, reservation, settings.queueTimeout(), false);
        }
        ServerSocketChannel ssc = ServerSocketChannel.open();
        try {
            ssc.setOption(StandardSocketOptions.SO_REUSEADDR, true);
            ssc.bind(requested, backlog);
        } catch (IOException e) {
            ssc.close();
            throw e;
        }
        Port p = new Port(key, policy, ssc, settings.queueTimeout(), false);
        if (p.distributes()) {
            try {
                p.startAccepting();
            } catch (IOException e) {
                p.close();
                throw e;
            }
        }
        return p;
    }

    /**
     * The primary cannot serve a port a worker asked for (in use, not permitted, no such address, a kind of
     * socket it does not serve). Every worker would fail the same way, so it is not a crash to respawn: the
     * cluster gives up at once, says why, and the workers that fail to listen are not replaced. (Node's
     * primary binds for round robin too, but leaves its user's 'exit' handler to re-fork into the same error.)
     */
    private void listenFailed(WorkerHandle w, String why) {
        synchronized (this) {
            if (gaveUp) return;
            gaveUp = true;
        }
        String reason = why + "; workers that cannot listen are not respawned";
        LOG.log(System.Logger.Level.ERROR, "worker " + w.id + ": " + reason);
        emit(new ClusterEvent.GaveUp(w, reason));
    }

    private static int errnoOf(IOException e) {
        String msg = String.valueOf(e.getMessage());
        if (e instanceof BindException && msg.contains("in use")) return -98;  // EADDRINUSE, as libuv reports it
        if (msg.contains("Permission denied")) return -13;                     // EACCES
        if (msg.contains("Cannot assign")) return -99;                         // EADDRNOTAVAIL
        return -22;
    }

    // ------------------------------------------------------------------ hand-off

    void handOff(WorkerHandle w, Port p, SocketChannel c) {
        long s = seq.getAndIncrement();
        w.pending.put(s, new WorkerHandle.Pending(p, c));
        ObjectNode m = Protocol.message("newconn").put("key", p.key).put("seq", s);
        CompletableFuture<Void> sent;
        try {
            sent = w.channel.sendHandle(m, c, "net.Native", false);
        } catch (RuntimeException e) {
            // Not requeued: the same worker could be chosen again at once. The client sees its connection end.
            LOG.log(System.Logger.Level.ERROR, "cannot hand a connection to worker " + w.id + ": " + e);
            WorkerHandle.Pending lost = w.pending.remove(s);
            if (lost != null) {
                w.inflight.decrementAndGet();
                closeQuietly(c);
            }
            return;
        }
        sent.whenComplete((v, e) -> {
            if (e != null) requeue(w, s);
        });
    }

    private static void closeQuietly(java.io.Closeable c) {
        try {
            c.close();
        } catch (IOException ignored) {
            // dropping it
        }
    }

    private void onReply(WorkerHandle w, JsonNode m) {
        WorkerHandle.Pending p = w.pending.remove(m.path("ack").asLong());
        if (p == null) return;
        w.inflight.decrementAndGet();
        if (m.path("accepted").asBoolean(false)) {
            closeQuietly(p.connection()); // the worker has its copy
        } else {
            p.port().enqueue(p.connection()); // another worker takes it
        }
        p.port().pump();
    }

    private void requeue(WorkerHandle w, long s) {
        WorkerHandle.Pending p = w.pending.remove(s);
        if (p == null) return;
        w.inflight.decrementAndGet();
        p.port().enqueue(p.connection());
    }

    // ------------------------------------------------------------------ exit and respawn

    private void onExit(WorkerHandle w, ExitStatus status) {
        w.advance(WorkerHandle.State.DEAD);
        for (Port p : ports.values()) p.workers.remove(w);
        // Connections sent but never confirmed were not read by the worker: give them to another.
        for (Long s : List.copyOf(w.pending.keySet())) requeue(w, s);
        workers.remove(w.id);
        // The event before the future: whoever waits for the exit (a shutdown, a reload) then finds the event
        // queued ahead of anything it emits or awaits next.
        emit(new ClusterEvent.Exited(w, status));
        w.firstListening.completeExceptionally(new IllegalStateException("worker " + w.id + " exited: " + status));
        w.exited.complete(status);
        RestartPolicy policy = settings.restartPolicy();
        if (!shuttingDown && !respawnStopped && !w.exitedAfterDisconnect && !w.unproven && policy.respawn() && !gaveUp) {
            scheduleRespawn(w, policy);
        }
        if (gaveUp && workers.isEmpty()) {
            closePorts("the cluster gave up and has no workers left");
            return;
        }
        for (Port p : ports.values()) p.pump();
    }

    /**
     * Stops accepting on every port and closes what waits there: new clients are refused instead of queued
     * for workers that will never come.
     */
    private void closePorts(String why) {
        if (ports.isEmpty()) return;
        LOG.log(System.Logger.Level.WARNING, why + ": closing its listening sockets " + ports.keySet());
        for (Port p : ports.values()) p.close();
        ports.clear();
    }

    private void scheduleRespawn(WorkerHandle dead, RestartPolicy policy) {
        Duration delay;
        synchronized (this) {
            long now = System.nanoTime();
            deaths.addLast(now);
            while (!deaths.isEmpty() && now - deaths.peekFirst() > policy.window().toNanos()) deaths.removeFirst();
            if (deaths.size() > policy.maxDeaths()) {
                gaveUp = true;
                String reason = deaths.size() + " worker deaths within " + policy.window().toSeconds()
                        + " s: crash loop, no more respawns (last: worker " + dead.id + ", " + dead.process.exitStatus()
                        .map(Object::toString).orElse("?") + ")";
                LOG.log(System.Logger.Level.ERROR, reason);
                emit(new ClusterEvent.GaveUp(dead, reason));
                return;
            }
            if (now - dead.startedNanos >= policy.stableAfter().toNanos()) backoff = policy.initialBackoff();
            delay = backoff;
            Duration doubled = backoff.multipliedBy(2);
            backoff = doubled.compareTo(policy.maxBackoff()) > 0 ? policy.maxBackoff() : doubled;
        }
        emit(new ClusterEvent.Respawning(dead, delay));
        EventLoop.get().schedule(delay.toNanos(), () -> Thread.ofVirtual().name("forkd-respawn").start(() -> {
            if (shuttingDown || respawnStopped || gaveUp) return;
            try {
                forkHandle(dead.launch, dead.env, false);
            } catch (SpawnException | RuntimeException e) {
                LOG.log(System.Logger.Level.ERROR, "respawning worker " + dead.id + " failed: " + e.getMessage());
                scheduleRespawn(dead, policy);
            }
        }));
    }

    // ------------------------------------------------------------------ disconnect, reload, shutdown

    CompletableFuture<ExitStatus> disconnect(WorkerHandle w) {
        if (w.isDead()) return w.exited;
        w.exitedAfterDisconnect = true;
        w.advance(WorkerHandle.State.DRAINING);
        for (Port p : ports.values()) p.workers.remove(w);
        ObjectNode m = Protocol.message("disconnect").put("seq", seq.getAndIncrement());
        w.channel.sendInternal(m);
        EventLoop.get().schedule(settings.shutdownGrace().toNanos(), () -> {
            if (!w.isDead()) {
                LOG.log(System.Logger.Level.WARNING, "worker " + w.id + " did not exit within "
                        + settings.shutdownGrace().toMillis() + " ms of disconnect: SIGKILL");
                w.process.kill(Signal.SIGKILL);
            }
        });
        return w.exited;
    }

    public CompletableFuture<Void> disconnectAll() {
        List<CompletableFuture<ExitStatus>> exits = new ArrayList<>();
        for (WorkerHandle w : workers.values()) exits.add(disconnect(w));
        return CompletableFuture.allOf(exits.toArray(CompletableFuture[]::new)).thenRun(() -> {
            for (Port p : ports.values()) p.close();
            ports.clear();
        });
    }

    public CompletableFuture<ReloadResult> reload() {
        CompletableFuture<ReloadResult> result = new CompletableFuture<>();
        Thread.ofVirtual().name("forkd-reload").start(() -> result.complete(doReload()));
        return result;
    }

    private ReloadResult doReload() {
        List<ReloadResult.Replacement> replaced = new ArrayList<>();
        // Old workers drain while the next replacement starts; the reload completes when all have exited.
        List<CompletableFuture<ExitStatus>> draining = new ArrayList<>();
        try {
            return replaceAll(replaced, draining);
        } finally {
            for (CompletableFuture<ExitStatus> d : draining) {
                try {
                    d.get(settings.shutdownGrace().toMillis() + 5_000, TimeUnit.MILLISECONDS);
                } catch (Exception e) {
                    LOG.log(System.Logger.Level.WARNING, "a replaced worker did not stop cleanly: " + e);
                }
            }
        }
    }

    /**
     * Replaces the live workers in batches of {@link ClusterSettings#reloadSurge()}: a batch's replacements
     * start together while the old workers serve; once every one of them listens, their predecessors drain.
     * A replacement that fails is killed and its predecessor keeps serving; the reload stops after that batch.
     */
    private ReloadResult replaceAll(List<ReloadResult.Replacement> replaced, List<CompletableFuture<ExitStatus>> draining) {
        List<WorkerHandle> live = new ArrayList<>();
        for (WorkerHandle w : workers.values()) if (!w.isDead() && !w.exitedAfterDisconnect) live.add(w);
        int surge = Math.min(settings.reloadSurge(), Math.max(1, live.size()));
        for (int from = 0; from < live.size(); from += surge) {
            List<WorkerHandle> batch = live.subList(from, Math.min(live.size(), from + surge));
            List<WorkerHandle> fresh = new ArrayList<>();
            String failure = null;
            for (WorkerHandle old : batch) {
                try {
                    fresh.add(forkHandle(old.launch, old.env, true));
                } catch (SpawnException | RuntimeException e) {
                    failure = "cannot fork a replacement for worker " + old.id + ": " + e.getMessage();
                    break;
                }
            }
            long deadline = System.nanoTime() + settings.readyTimeout().toNanos();
            for (int i = 0; i < fresh.size(); i++) {
                WorkerHandle old = batch.get(i), f = fresh.get(i);
                String why = awaitListening(f, deadline);
                if (why == null) {
                    draining.add(disconnect(old)); // no new connections from here on
                    replaced.add(new ReloadResult.Replacement(old.id, f.id));
                } else if (failure == null) {
                    failure = "replacement worker " + f.id + " for worker " + old.id + " failed: " + why
                            + "; the old workers keep serving";
                }
            }
            if (failure != null) return new ReloadResult(replaced, Optional.of(failure));
        }
        return new ReloadResult(replaced, Optional.empty());
    }

    /** Null once {@code fresh} listens; else why not, after it has been killed and is gone. */
    private String awaitListening(WorkerHandle fresh, long deadline) {
        try {
            fresh.firstListening.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            fresh.unproven = false; // a worker like any other from here on: respawned if it dies
            return null;
        } catch (Exception e) {
            fresh.exitedAfterDisconnect = true; // do not respawn a failed replacement
            fresh.process.kill(Signal.SIGKILL);
            try {
                fresh.exited.get(10, TimeUnit.SECONDS); // report once it is really gone
            } catch (Exception ignored) {
                // reported either way
            }
            return fresh.isDead() ? "it exited before listening" : "it did not listen within "
                    + settings.readyTimeout().toMillis() + " ms";
        }
    }

    /** How long the JVM's exit waits for listeners to take the last events. */
    private static final long EVENT_DRAIN_MILLIS = 2_000;

    private void shutdownOnExit() {
        shuttingDown = true;
        if (!workers.isEmpty()) {
            for (Port p : ports.values()) p.close(); // stop accepting first
            try {
                disconnectAll().get(settings.shutdownGrace().toMillis() + 2_000, TimeUnit.MILLISECONDS);
            } catch (Exception e) {
                for (WorkerHandle w : workers.values()) w.process.kill(Signal.SIGKILL);
            }
        }
        // Events go out on a virtual thread, which the exiting JVM would not wait for: deliver the last ones
        // (every worker's exit) before this hook returns.
        if (!events.awaitIdle(EVENT_DRAIN_MILLIS)) {
            LOG.log(System.Logger.Level.WARNING, "cluster event listeners still busy after " + EVENT_DRAIN_MILLIS
                    + " ms at exit: later events are lost");
        }
    }

    /** Marks the cluster as stopping: no respawns. */
    public void stopRespawning() {
        respawnStopped = true;
    }
}
