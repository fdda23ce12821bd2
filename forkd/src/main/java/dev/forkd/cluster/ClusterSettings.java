package dev.forkd.cluster;

import dev.forkd.Command;
import dev.forkd.ForkOptions;
import dev.forkd.SocketActivation;
import dev.forkd.Stdio;
import java.io.IOException;
import java.nio.channels.ServerSocketChannel;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * What the primary forks and how it runs them. Node's {@code cluster.settings}, plus forkd's scheduling and
 * restart policies and the listeners the primary serves instead of binding its own.
 *
 * {@snippet :
 * Cluster cluster = Cluster.setupPrimary(ClusterSettings.of(ForkOptions.of("com.example.App"))
 *         .workers(4).schedulingPolicy(SchedulingPolicy.LOAD_AWARE));
 * }
 *
 * <p>Workers need not be JVMs: {@link #of(Command)} runs any command as a worker, as Node's
 * {@code cluster.setupPrimary({exec, args, execArgv})} does. An unmodified Node app that calls
 * {@code server.listen(port)} is a cluster worker there ({@code cluster.isWorker}) and the primary answers
 * Node's own cluster protocol:
 *
 * {@snippet :
 * Cluster cluster = Cluster.setupPrimary(ClusterSettings.of(Command.of("node", "server.js")).workers(4));
 * cluster.start();
 * }
 *
 * <p>A primary started by systemd's socket activation serves the sockets it inherited: a worker that asks for
 * port 8080 gets the inherited listener bound to port 8080 ({@link SocketActivation}), without any setting.
 * {@link #listener(int, String)} maps a named inherited socket to the port workers ask for, and
 * {@link #listener(int, ServerSocketChannel)} gives the primary a listener bound elsewhere.
 *
 * @param fork             how to start a worker JVM (main class or jar, args, execArgv, silent...); for
 *                         settings made with {@link #of(Command)} it is absent and {@link #fork()} throws
 * @param workers          how many workers {@link Cluster#start()} forks (default: available processors)
 * @param schedulingPolicy how ports are shared (default {@link SchedulingPolicy#LOAD_AWARE})
 * @param restartPolicy    what happens when a worker dies (default: respawn with backoff)
 * @param shutdownGrace    how long a disconnecting worker may take to finish before SIGKILL (default 10 s)
 * @param readyTimeout     how long a new worker may take to start listening during a reload (default 30 s)
 * @param queueTimeout     how long a connection the primary accepted (round robin policies) may wait for a
 *                         worker before the primary closes it (default 30 s): while no worker can take
 *                         connections, each queued one costs the primary an fd, so none may wait for ever
 * @param command          the command workers run instead of a JVM, if they do (see {@link #of(Command)})
 * @param listeners        already-bound listening sockets the primary serves instead of binding, by the port
 *                         workers ask for (see {@link #listener(int, ServerSocketChannel)}); empty by default
 * @param reloadSurge      how many replacement workers a {@link Cluster#reload()} starts before it retires
 *                         their predecessors (default {@link #ALL_AT_ONCE}; see {@link #reloadSurge(int)})
 */
public record ClusterSettings(ForkOptions fork, int workers, SchedulingPolicy schedulingPolicy,
                              RestartPolicy restartPolicy, Duration shutdownGrace, Duration readyTimeout,
                              Duration queueTimeout, Optional<Command> command,
                              Map<Integer, ServerSocketChannel> listeners, int reloadSurge) {
    /** {@link #reloadSurge(int)}'s default: a reload starts a replacement for every worker at once. */
    public static final int ALL_AT_ONCE = Integer.MAX_VALUE;

    public ClusterSettings {
        Objects.requireNonNull(command, "command");
        if (command.isEmpty()) Objects.requireNonNull(fork, "fork");
        else if (fork != null) throw new IllegalArgumentException("workers run either a JVM (fork) or a command, not both");
        command.ifPresent(ClusterSettings::checkWorkerCommand);
        Objects.requireNonNull(schedulingPolicy, "schedulingPolicy");
        Objects.requireNonNull(restartPolicy, "restartPolicy");
        Objects.requireNonNull(shutdownGrace, "shutdownGrace");
        Objects.requireNonNull(readyTimeout, "readyTimeout");
        Objects.requireNonNull(queueTimeout, "queueTimeout");
        if (queueTimeout.isNegative() || queueTimeout.isZero()) {
            throw new IllegalArgumentException("queueTimeout must be positive: " + queueTimeout);
        }
        if (workers < 1) throw new IllegalArgumentException("workers must be at least 1: " + workers);
        if (reloadSurge < 1) throw new IllegalArgumentException("reloadSurge must be at least 1: " + reloadSurge);
        Objects.requireNonNull(listeners, "listeners");
        for (var e : listeners.entrySet()) checkListener(e.getKey(), e.getValue());
        listeners = Map.copyOf(listeners);
    }

    /** The settings as they were before commands and listeners: JVM workers, no adopted listeners. */
    public ClusterSettings(ForkOptions fork, int workers, SchedulingPolicy schedulingPolicy,
                           RestartPolicy restartPolicy, Duration shutdownGrace, Duration readyTimeout,
                           Duration queueTimeout) {
        this(fork, workers, schedulingPolicy, restartPolicy, shutdownGrace, readyTimeout, queueTimeout,
                Optional.empty(), Map.of(), ALL_AT_ONCE);
    }

    /** The settings as they were before {@code reloadSurge}: a reload replaces every worker at once. */
    public ClusterSettings(ForkOptions fork, int workers, SchedulingPolicy schedulingPolicy,
                           RestartPolicy restartPolicy, Duration shutdownGrace, Duration readyTimeout,
                           Duration queueTimeout, Optional<Command> command, Map<Integer, ServerSocketChannel> listeners) {
        this(fork, workers, schedulingPolicy, restartPolicy, shutdownGrace, readyTimeout, queueTimeout, command,
                listeners, ALL_AT_ONCE);
    }

    /**
     * How to start a worker JVM.
     *
     * @throws IllegalStateException if the workers run a {@link #command()} instead
     */
    @Override
    public ForkOptions fork() {
        if (fork == null) throw new IllegalStateException("the workers run a command, not a JVM: " + command.orElseThrow());
        return fork;
    }

    /** Workers run {@code fork}; everything else at its default. */
    public static ClusterSettings of(ForkOptions fork) {
        return new ClusterSettings(fork, Runtime.getRuntime().availableProcessors(), SchedulingPolicy.LOAD_AWARE,
                RestartPolicy.defaults(), Duration.ofSeconds(10), Duration.ofSeconds(30), Duration.ofSeconds(30));
    }

    /** Workers run {@code mainClass} from this JVM's class path. */
    public static ClusterSettings of(String mainClass, String... args) {
        return of(ForkOptions.of(mainClass, args));
    }

    /** Workers run an executable jar. */
    public static ClusterSettings ofJar(Path jar, String... args) {
        return of(ForkOptions.ofJar(jar, args));
    }

    /**
     * Workers run {@code command}, any program, instead of a JVM: Node's {@code cluster.setupPrimary({exec,
     * args, execArgv})} with the whole command line in one value. Everything else is at its default.
     *
     * <p>Each worker is spawned as Node's {@code cluster.fork()} spawns one: the command's environment plus
     * {@code NODE_UNIQUE_ID=<worker id>} and the variables given to {@link Cluster#fork(Map)}, and the IPC
     * channel to the primary on fd 3 ({@code NODE_CHANNEL_FD=3}, JSON serialization). fds 0-2 are what the
     * command says, or the primary's own where it says nothing (Node's {@code silent: false}); pipes
     * ({@link Stdio#pipe()}) are read through {@link Worker#process()}. The primary speaks Node's cluster
     * protocol to the worker, so an unmodified Node app ({@code node server.js}, with or without
     * {@code require('cluster')}) is a worker, and so is a forkd JVM started by a command of its own. The
     * process that holds fd 3 is the worker: a shell wrapper must {@code exec} the server or pass fd 3 on.
     *
     * @throws IllegalArgumentException if the command's stdio gives fd 3 something other than the channel
     */
    public static ClusterSettings of(Command command) {
        return new ClusterSettings(null, Runtime.getRuntime().availableProcessors(), SchedulingPolicy.LOAD_AWARE,
                RestartPolicy.defaults(), Duration.ofSeconds(10), Duration.ofSeconds(30), Duration.ofSeconds(30),
                Optional.of(command), Map.of(), ALL_AT_ONCE);
    }

    /** Worker JVMs run {@code fork} (instead of a command, if these settings had one). */
    public ClusterSettings fork(ForkOptions fork) {
        return new ClusterSettings(Objects.requireNonNull(fork, "fork"), workers, schedulingPolicy, restartPolicy,
                shutdownGrace, readyTimeout, queueTimeout, Optional.empty(), listeners, reloadSurge);
    }

    /** Workers run {@code command} (instead of a JVM); see {@link #of(Command)}. */
    public ClusterSettings command(Command command) {
        return new ClusterSettings(null, workers, schedulingPolicy, restartPolicy, shutdownGrace, readyTimeout,
                queueTimeout, Optional.of(command), listeners, reloadSurge);
    }

    public ClusterSettings workers(int workers) {
        return new ClusterSettings(fork, workers, schedulingPolicy, restartPolicy, shutdownGrace, readyTimeout, queueTimeout, command, listeners, reloadSurge);
    }

    public ClusterSettings schedulingPolicy(SchedulingPolicy policy) {
        return new ClusterSettings(fork, workers, policy, restartPolicy, shutdownGrace, readyTimeout, queueTimeout, command, listeners, reloadSurge);
    }

    public ClusterSettings restartPolicy(RestartPolicy policy) {
        return new ClusterSettings(fork, workers, schedulingPolicy, policy, shutdownGrace, readyTimeout, queueTimeout, command, listeners, reloadSurge);
    }

    public ClusterSettings shutdownGrace(Duration grace) {
        return new ClusterSettings(fork, workers, schedulingPolicy, restartPolicy, grace, readyTimeout, queueTimeout, command, listeners, reloadSurge);
    }

    public ClusterSettings readyTimeout(Duration timeout) {
        return new ClusterSettings(fork, workers, schedulingPolicy, restartPolicy, shutdownGrace, timeout, queueTimeout, command, listeners, reloadSurge);
    }

    /**
     * How many replacement workers a {@link Cluster#reload()} starts at once. Each batch of replacements starts
     * together while the old workers serve; once all of the batch listen, their predecessors stop taking
     * connections and drain, and the next batch starts. The default, {@link #ALL_AT_ONCE}, replaces every
     * worker in one batch: the reload takes about one worker's start-up instead of one per worker, and the
     * machine runs twice the workers (memory, start-up CPU) for that moment. {@code 1} replaces them one by
     * one, as PM2's reload does.
     */
    public ClusterSettings reloadSurge(int workers) {
        return new ClusterSettings(fork, this.workers, schedulingPolicy, restartPolicy, shutdownGrace, readyTimeout,
                queueTimeout, command, listeners, workers);
    }

    public ClusterSettings queueTimeout(Duration timeout) {
        return new ClusterSettings(fork, workers, schedulingPolicy, restartPolicy, shutdownGrace, readyTimeout, timeout, command, listeners, reloadSurge);
    }

    /**
     * Workers that ask for {@code port} (on any address) are served by {@code listener}, a listening socket
     * bound by someone else (a supervisor that keeps the port across restarts, a test), instead of a socket
     * the primary binds. {@code port} is the port the workers ask for, not necessarily the one
     * {@code listener} is bound to: a Node worker that asks for 3000 believes it listens on 3000 while clients
     * connect to the listener's own port. Port 0 maps what workers ask for with {@code listen(0)}.
     *
     * <p>The cluster uses the listener from its first worker's request on (it makes it non-blocking, and
     * accepts on it for the round robin policies) and never closes it, not even at
     * {@link Cluster#disconnect()}: its owner does, after the cluster is done with it. With
     * {@link SchedulingPolicy#SHARED} or {@link SchedulingPolicy#REUSEPORT} it is shared by the workers if it
     * is bound to the port they ask for, and served round robin otherwise (a Node worker refuses a shared
     * socket whose port is not the one it asked for; nothing can SO_REUSEPORT-bind beside a socket bound
     * without it).
     *
     * {@snippet :
     * ServerSocketChannel held = ServerSocketChannel.open().bind(new InetSocketAddress(8080));
     * Cluster cluster = Cluster.setupPrimary(ClusterSettings.of(Command.of("node", "server.js"))
     *         .listener(3000, held)); // server.js listens on 3000; clients connect to 8080
     * }
     *
     * @throws IllegalArgumentException if {@code port} is not 0-65535, or {@code listener} is closed or not bound
     */
    public ClusterSettings listener(int port, ServerSocketChannel listener) {
        checkListener(port, listener);
        Map<Integer, ServerSocketChannel> all = new LinkedHashMap<>(listeners);
        all.put(port, listener);
        return new ClusterSettings(fork, workers, schedulingPolicy, restartPolicy, shutdownGrace, readyTimeout,
                queueTimeout, command, all, reloadSurge);
    }

    /**
     * Workers that ask for {@code port} are served by the socket this process inherited from systemd's
     * socket activation under {@code name} ({@code LISTEN_FDNAMES}, systemd's {@code FileDescriptorName=},
     * {@code systemd-socket-activate --fdname}): several named sockets map to the ports the app knows.
     * Inherited sockets whose port is the one workers ask for need no mapping; they are served as they are.
     * See {@link #listener(int, ServerSocketChannel)} for how a listener is served.
     *
     * {@snippet :
     * // web.socket: ListenStream=80, FileDescriptorName=web; admin.socket: ListenStream=127.0.0.1:9000, ...=admin
     * ClusterSettings settings = ClusterSettings.of(Command.of("node", "app.js"))
     *         .listener(8080, "web").listener(8081, "admin");  // app.js listens on 8080 and 8081
     * }
     *
     * @throws IOException if this process was not socket-activated with a listening socket named
     *                     {@code name} (the message says which names it has), or adopting one failed
     */
    public ClusterSettings listener(int port, String name) throws IOException {
        Objects.requireNonNull(name, "name");
        Optional<ServerSocketChannel> inherited = SocketActivation.server(name);
        if (inherited.isEmpty()) {
            List<String> names = SocketActivation.listeners().stream().map(SocketActivation.Listener::name).toList();
            throw new IOException("no socket-activated listener named '" + name + "': "
                    + (names.isEmpty() ? "this process inherited none (LISTEN_FDS/LISTEN_PID)" : "it has " + names));
        }
        return listener(port, inherited.get());
    }

    private static void checkListener(Integer port, ServerSocketChannel listener) {
        Objects.requireNonNull(port, "port");
        Objects.requireNonNull(listener, "listener");
        if (port < 0 || port > 65535) throw new IllegalArgumentException("not a port: " + port);
        if (!listener.isOpen()) throw new IllegalArgumentException("the listener for port " + port + " is closed");
        if (!listener.socket().isBound()) throw new IllegalArgumentException("the listener for port " + port + " is not bound");
    }

    private static void checkWorkerCommand(Command command) {
        List<Optional<Stdio>> stdio = command.stdio();
        if (stdio.size() > 3 && stdio.get(3).filter(s -> !(s instanceof Stdio.Ipc)).isPresent()) {
            throw new IllegalArgumentException("a cluster worker's fd 3 is its channel to the primary, not "
                    + stdio.get(3).get() + ": " + command);
        }
        for (int i = 0; i < stdio.size(); i++) {
            if (i != 3 && stdio.get(i).filter(s -> s instanceof Stdio.Ipc).isPresent()) {
                throw new IllegalArgumentException("a cluster worker's channel is fd 3, not fd " + i + ": " + command);
            }
        }
    }
}
