package dev.forkd.cli.app;

import java.util.Locale;

/** How an app's instances get the listener in cluster mode ({@code --port}). */
public enum Handoff {
    /**
     * systemd's socket activation: the listener is every instance's fd 3, announced by {@code LISTEN_FDS=1},
     * {@code LISTEN_PID} and {@code LISTEN_FDNAMES}. For any program that can serve an inherited socket (Node's
     * {@code listen({fd: 3})}, Python, Go, libsystemd, forkd's {@code SocketActivation}, Jetty through
     * {@code InheritedConnector}).
     */
    ACTIVATION,
    /**
     * Node's cluster protocol: every instance is a cluster worker ({@code NODE_UNIQUE_ID}, an IPC channel on
     * fd 3) whose {@code listen(port)} the supervisor answers with the shared listener, handing each
     * connection to a worker that is not busy (forkd's load-aware round robin). For unmodified Node apps
     * ({@code http.createServer().listen(port)}, as under PM2's cluster mode) and forkd-aware JVMs
     * ({@code Cluster.worker()}, the Jetty and Netty adapters). An instance is up once it listens.
     */
    CLUSTER;

    public static Handoff parse(String s) {
        return switch (s.toLowerCase(Locale.ROOT)) {
            case "activation", "socket-activation", "fd" -> ACTIVATION;
            case "cluster", "node" -> CLUSTER;
            default -> throw new IllegalArgumentException("unknown handoff '" + s + "' (activation, cluster)");
        };
    }

    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }
}
