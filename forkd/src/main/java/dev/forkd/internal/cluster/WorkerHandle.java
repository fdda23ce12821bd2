package dev.forkd.internal.cluster;

import dev.forkd.ChildProcess;
import dev.forkd.ExitStatus;
import dev.forkd.Signal;
import dev.forkd.cluster.Worker;
import dev.forkd.internal.ipc.IpcChannel;
import dev.forkd.internal.spawn.Forker;
import dev.forkd.ipc.Message;
import dev.forkd.ipc.Subscription;
import java.nio.channels.SelectableChannel;
import java.nio.channels.SocketChannel;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;

/** The primary's record of one worker: its process, channel, load and connections in hand-off. */
final class WorkerHandle implements Worker {
    /** A connection handed to this worker, not yet confirmed with {@code accepted}. */
    record Pending(Port port, SocketChannel connection) {}

    /**
     * Where a worker is in its life. It only moves forward, and may skip a step (a worker disconnected before
     * its 'online', one that dies while starting): a late 'online' does not make a draining worker take
     * connections again, and nothing revives the dead.
     */
    enum State {
        /** Forked; its 'online' has not come yet. */
        STARTING,
        /** Said 'online': takes connections while its channel is connected. */
        ONLINE,
        /** Takes no new connections: its channel closed, or it is being disconnected or replaced. */
        DRAINING,
        /** Exited. */
        DEAD
    }

    final int id;
    final ChildProcess process;
    final IpcChannel channel;
    final Map<String, String> env;
    /** How this worker was started: its respawn and its reload replacement start the same way. */
    final Launch launch;
    final long startedNanos = System.nanoTime();
    final PrimaryCore core;
    final Map<Long, Pending> pending = new ConcurrentHashMap<>();
    final AtomicInteger inflight = new AtomicInteger();
    /** Completes at the worker's first 'listening' (or fails if it dies first): the reload's readiness gate. */
    final CompletableFuture<Void> firstListening = new CompletableFuture<>();
    final CompletableFuture<ExitStatus> exited = new CompletableFuture<>();
    private final AtomicReference<State> state = new AtomicReference<>(State.STARTING);
    // Not steps of its life, so not in the state: facts a worker of any state may have or not.
    /** It runs forkd's worker runtime (said so in 'online'); false for Node and other foreign workers. */
    volatile boolean forkd;
    /** Its last 'load' said it is busy: the load-aware policy prefers the others. */
    volatile boolean busy;
    /** Node's flag: its exit is expected (disconnect(), its own disconnect, a failed replacement): no respawn. */
    volatile boolean exitedAfterDisconnect;
    /** A reload's replacement that has not listened yet: if it dies, the reload fails and nobody respawns it. */
    volatile boolean unproven;

    WorkerHandle(int id, Forker.Forked started, Launch launch, Map<String, String> env, PrimaryCore core) {
        this.id = id;
        this.process = started.process();
        this.channel = started.channel();
        this.launch = launch;
        this.env = env;
        this.core = core;
    }

    /** Moves this worker's life on to {@code next}, unless it is there or further already; any thread. */
    void advance(State next) {
        state.accumulateAndGet(next, (now, to) -> to.compareTo(now) > 0 ? to : now);
    }

    /** Can take new connections now. */
    boolean available() {
        return state.get() == State.ONLINE && channel.isConnected();
    }

    @Override
    public int id() {
        return id;
    }

    @Override
    public ChildProcess process() {
        return process;
    }

    @Override
    public CompletableFuture<Void> send(Object message) {
        return channel.send(message);
    }

    @Override
    public CompletableFuture<Void> send(Object message, SelectableChannel handle) {
        return channel.send(message, handle);
    }

    @Override
    public Subscription onMessage(Consumer<Message> listener) {
        return channel.onMessage(listener);
    }

    @Override
    public boolean kill() {
        return kill(Signal.SIGTERM);
    }

    @Override
    public boolean kill(Signal signal) {
        return process.kill(signal);
    }

    @Override
    public CompletableFuture<ExitStatus> disconnect() {
        return core.disconnect(this);
    }

    @Override
    public boolean isDead() {
        return state.get() == State.DEAD;
    }

    @Override
    public boolean isConnected() {
        return channel.isConnected();
    }

    @Override
    public boolean exitedAfterDisconnect() {
        return exitedAfterDisconnect;
    }

    @Override
    public String toString() {
        String s = switch (state.get()) {
            case STARTING, ONLINE -> "";
            case DRAINING -> ", draining";
            case DEAD -> ", dead";
        };
        return "Worker[id=" + id + ", pid=" + process.pid() + s + "]";
    }
}
