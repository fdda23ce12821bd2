package dev.forkd.internal.spawn;

import java.util.concurrent.Executor;

/**
 * Where user-visible futures are completed: a fresh virtual thread per event, so that a user's dependent
 * stage (thenApply, thenRun...) can block without stalling forkd's event loop.
 */
final class Dispatch {
    static final Executor EVENTS = task -> Thread.ofVirtual().name("forkd-event").start(task);

    private Dispatch() {}
}
