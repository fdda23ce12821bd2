package dev.forkd.cluster;

import dev.forkd.ForkOptions;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;

/**
 * What the primary forks and how it runs them. Node's {@code cluster.settings}, plus forkd's scheduling and
 * restart policies.
 *
 * {@snippet :
 * Cluster cluster = Cluster.setupPrimary(ClusterSettings.of(ForkOptions.of("com.example.App"))
 *         .workers(4).schedulingPolicy(SchedulingPolicy.LOAD_AWARE));
 * }
 *
 * @param fork             how to start a worker JVM (main class or jar, args, execArgv, silent...)
 * @param workers          how many workers {@link Cluster#start()} forks (default: available processors)
 * @param schedulingPolicy how ports are shared (default {@link SchedulingPolicy#LOAD_AWARE})
 * @param restartPolicy    what happens when a worker dies (default: respawn with backoff)
 * @param shutdownGrace    how long a disconnecting worker may take to finish before SIGKILL (default 10 s)
 * @param readyTimeout     how long a new worker may take to start listening during a reload (default 30 s)
 * @param queueTimeout     how long a connection the primary accepted (round robin policies) may wait for a
 *                         worker before the primary closes it (default 30 s): while no worker can take
 *                         connections, each queued one costs the primary an fd, so none may wait for ever
 */
public record ClusterSettings(ForkOptions fork, int workers, SchedulingPolicy schedulingPolicy,
                              RestartPolicy restartPolicy, Duration shutdownGrace, Duration readyTimeout,
                              Duration queueTimeout) {
    public ClusterSettings {
        Objects.requireNonNull(fork, "fork");
        Objects.requireNonNull(schedulingPolicy, "schedulingPolicy");
        Objects.requireNonNull(restartPolicy, "restartPolicy");
        Objects.requireNonNull(shutdownGrace, "shutdownGrace");
        Objects.requireNonNull(readyTimeout, "readyTimeout");
        Objects.requireNonNull(queueTimeout, "queueTimeout");
        if (queueTimeout.isNegative() || queueTimeout.isZero()) {
            throw new IllegalArgumentException("queueTimeout must be positive: " + queueTimeout);
        }
        if (workers < 1) throw new IllegalArgumentException("workers must be at least 1: " + workers);
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

    public ClusterSettings fork(ForkOptions fork) {
        return new ClusterSettings(fork, workers, schedulingPolicy, restartPolicy, shutdownGrace, readyTimeout, queueTimeout);
    }

    public ClusterSettings workers(int workers) {
        return new ClusterSettings(fork, workers, schedulingPolicy, restartPolicy, shutdownGrace, readyTimeout, queueTimeout);
    }

    public ClusterSettings schedulingPolicy(SchedulingPolicy policy) {
        return new ClusterSettings(fork, workers, policy, restartPolicy, shutdownGrace, readyTimeout, queueTimeout);
    }

    public ClusterSettings restartPolicy(RestartPolicy policy) {
        return new ClusterSettings(fork, workers, schedulingPolicy, policy, shutdownGrace, readyTimeout, queueTimeout);
    }

    public ClusterSettings shutdownGrace(Duration grace) {
        return new ClusterSettings(fork, workers, schedulingPolicy, restartPolicy, grace, readyTimeout, queueTimeout);
    }

    public ClusterSettings readyTimeout(Duration timeout) {
        return new ClusterSettings(fork, workers, schedulingPolicy, restartPolicy, shutdownGrace, timeout, queueTimeout);
    }

    public ClusterSettings queueTimeout(Duration timeout) {
        return new ClusterSettings(fork, workers, schedulingPolicy, restartPolicy, shutdownGrace, readyTimeout, timeout);
    }
}
