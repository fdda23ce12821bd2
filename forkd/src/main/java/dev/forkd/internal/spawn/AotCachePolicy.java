package dev.forkd.internal.spawn;

import dev.forkd.ChildProcess;
import dev.forkd.SpawnException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * What a forked JVM does with its AOT cache file ({@code ForkOptions.aotCache}): it uses the file if it
 * exists, and trains it (the JVM writes it on its way out) if it does not. Only one child of this JVM trains
 * a given file at a time; children forked meanwhile (the other workers of a cluster) start without the cache
 * until the trainer has exited and the file is complete.
 */
public final class AotCachePolicy {
    private AotCachePolicy() {}

    /** What one child does with the cache file. */
    public enum Use {
        /** no cache, or the file is being written by a training child: a plain start */
        NONE,
        /** the file exists: {@code -XX:AOTCache} */
        USE,
        /** no file yet: this child trains it, {@code -XX:AOTCacheOutput} */
        TRAIN;

        /** The JVM options that say so, for the cache {@code file} as the fork options name it. */
        public List<String> jvmOptions(Path file) {
            return switch (this) {
                case NONE -> List.of();
                case USE -> List.of("-XX:AOTCache=" + file);
                // The training run warns on stdout about every class it cannot archive ("Skipping ...:
                // Unlinked class", dozens of lines); errors still show, and execArgv may set it back.
                case TRAIN -> List.of("-XX:AOTCacheOutput=" + file, "-Xlog:aot=error");
            };
        }
    }

    /** Starts one child JVM that does {@code use} with the cache. */
    @FunctionalInterface
    public interface Start<C extends ChildProcess> {
        C start(Use use) throws SpawnException;
    }

    /** AOT cache files that a child of this JVM is training now. */
    private static final Set<Path> TRAINING = ConcurrentHashMap.newKeySet();

    /** What a child does with {@code file} (null: no cache) by the file alone, whatever other children do. */
    public static Use of(Path file) {
        if (file == null) return Use.NONE;
        return Files.isRegularFile(file) ? Use.USE : Use.TRAIN;
    }

    /**
     * Starts a child with the use of {@code file} this policy gives it now, and returns what {@code start}
     * returned. A child that trains holds the file until it exits; one whose start fails (the exception is
     * rethrown) lets the next child train instead.
     */
    public static <C extends ChildProcess> C fork(Optional<Path> file, Start<C> start) throws SpawnException {
        Path cache = file.map(p -> p.toAbsolutePath().normalize()).orElse(null);
        Use use = of(cache);
        if (cache != null && (TRAINING.contains(cache) || (use == Use.TRAIN && !TRAINING.add(cache)))) {
            use = Use.NONE; // another child is writing the file: neither train too nor read it half-done
        }
        if (use != Use.TRAIN) return start.start(use);
        C child;
        try {
            child = start.start(use);
        } catch (SpawnException | RuntimeException e) {
            TRAINING.remove(cache);
            throw e;
        }
        // The JVM writes the cache on its way out (JDK 25 assembles it before the process ends).
        child.onExit().whenComplete((status, error) -> TRAINING.remove(cache));
        return child;
    }
}
