package dev.forkd.cluster;

/** How a cluster shares its listening ports among workers. */
public enum SchedulingPolicy {
    /**
     * The primary accepts every connection and hands it to the next worker (SCM_RIGHTS), as Node's default
     * {@code SCHED_RR}. Each worker has at most one hand-off in flight.
     */
    ROUND_ROBIN,
    /** The workers all accept on the one listening socket the primary opened (Node's {@code SCHED_NONE}). */
    SHARED,
    /** Each worker binds its own socket with SO_REUSEPORT; the kernel spreads connections (nginx, Envoy). */
    REUSEPORT,
    /**
     * Round robin that skips workers that say they are busy or are draining, and prefers the one with the
     * fewest connections in flight. The default: a worker stuck in a long request gets no new connections.
     */
    LOAD_AWARE
}
