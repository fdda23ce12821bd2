package dev.forkd.internal.io;

import java.util.concurrent.Executor;

/**
 * Where user-visible futures are completed: a fresh virtual thread per event, so that a user's dependent
 * stage (thenApply, thenRun...) can block without stalling forkd's event loop.
 */
public final class Dispatch {
    public static final Executor EVENTS = task -> Thread.ofVirtual().name("forkd-event").start(task);

    private Dispatch() {}
}
