package dev.forkd.cluster;

import java.time.Duration;
import java.util.Objects;

/**
 * When a worker dies without having been asked to, the primary starts a new one after a backoff that doubles
 * with each quick death ({@code initialBackoff}, ×2, at most {@code maxBackoff}) and resets once a worker has
 * lived {@code stableAfter}. More than {@code maxDeaths} deaths within {@code window} is a crash loop: the
 * primary stops respawning and reports {@link ClusterEvent.GaveUp}.
 *
 * @param respawn        false: dead workers are not replaced (Node's behaviour)
 * @param initialBackoff the first delay (default 100 ms)
 * @param maxBackoff     the longest delay (default 30 s)
 * @param stableAfter    uptime after which the backoff resets (default 10 s)
 * @param maxDeaths      deaths tolerated within {@code window} (default 10)
 * @param window         the crash-loop window (default 60 s)
 */
public record RestartPolicy(boolean respawn, Duration initialBackoff, Duration maxBackoff, Duration stableAfter,
                            int maxDeaths, Duration window) {
    public RestartPolicy {
        Objects.requireNonNull(initialBackoff);
        Objects.requireNonNull(maxBackoff);
        Objects.requireNonNull(stableAfter);
        Objects.requireNonNull(window);
        if (maxDeaths < 1) throw new IllegalArgumentException("maxDeaths must be at least 1");
    }

    public static RestartPolicy defaults() {
        return new RestartPolicy(true, Duration.ofMillis(100), Duration.ofSeconds(30), Duration.ofSeconds(10), 10,
                Duration.ofSeconds(60));
    }

    /** Never respawn. */
    public static RestartPolicy never() {
        return defaults().respawn(false);
    }

    public RestartPolicy respawn(boolean respawn) {
        return new RestartPolicy(respawn, initialBackoff, maxBackoff, stableAfter, maxDeaths, window);
    }

    public RestartPolicy backoff(Duration initial, Duration max) {
        return new RestartPolicy(respawn, initial, max, stableAfter, maxDeaths, window);
    }

    public RestartPolicy crashLoop(int maxDeaths, Duration window) {
        return new RestartPolicy(respawn, initialBackoff, maxBackoff, stableAfter, maxDeaths, window);
    }
}
