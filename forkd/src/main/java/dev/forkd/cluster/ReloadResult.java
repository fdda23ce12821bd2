package dev.forkd.cluster;

import java.util.List;
import java.util.Optional;

/**
 * What a rolling {@link Cluster#reload()} did.
 *
 * @param replaced pairs of (old worker id, new worker id), in the order they were replaced
 * @param failure  why the reload stopped early (a new worker died or never listened), if it did; the old
 *                 workers not yet replaced keep serving
 */
public record ReloadResult(List<Replacement> replaced, Optional<String> failure) {
    public record Replacement(int oldId, int newId) {}

    public ReloadResult {
        replaced = List.copyOf(replaced);
    }

    public boolean succeeded() {
        return failure.isEmpty();
    }
}
