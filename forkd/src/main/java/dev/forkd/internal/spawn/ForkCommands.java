package dev.forkd.internal.spawn;

import dev.forkd.Command;
import dev.forkd.ForkOptions;

/**
 * How internal code turns {@link ForkOptions} into a child's command line: the builder is
 * {@code ForkOptions}' own package-private code, which registers itself here when the class is initialised
 * (before any instance exists), so {@link Forker} forks JVMs without a public method for it and without
 * going back up through {@code ChildProcesses}.
 */
public final class ForkCommands {
    /** {@code ForkOptions}' command builder. */
    public interface Builder {
        Command command(ForkOptions options, AotCachePolicy.Use use);
    }

    private static volatile Builder builder;

    private ForkCommands() {}

    /** Called once, by {@code ForkOptions}' static initialiser. */
    public static void register(Builder b) {
        if (builder != null) throw new IllegalStateException("the fork command builder is registered already");
        builder = b;
    }

    /** The command of a child forked with {@code options} that does {@code use} with its AOT cache. */
    static Command command(ForkOptions options, AotCachePolicy.Use use) {
        return builder.command(options, use); // set: an instance exists, so its class is initialised
    }
}
