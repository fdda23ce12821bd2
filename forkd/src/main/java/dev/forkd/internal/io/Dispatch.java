package dev.forkd.internal.io;

import java.util.concurrent.Executor;

/**
 * Where user-visible futures are completed, so that a user's dependent stage (thenApply, thenRun...) may
 * block without stalling forkd's event loop.
 *
 * <p>{@link #EVENTS}: called on the loop thread, the task runs there right after the loop's current batch of
 * events ({@link EventLoop#runInline}), under the loop's watchdog: the caller waiting in {@code join()} or
 * {@code get()} is woken by the loop itself, one thread hand-off instead of two (each costs tens of
 * microseconds on a VM). A dependent stage that blocks there makes the watchdog move the loop to a new thread,
 * and completions then go to virtual threads for a while ({@link LoopBackoff}). Called from any other thread,
 * the task gets a fresh virtual thread.
 *
 * <p>{@link #BLOCKING}: always a fresh virtual thread, for forkd's own tasks that wait.
 */
public final class Dispatch {
    public static final Executor EVENTS = Dispatch::dispatch;
    public static final Executor BLOCKING = task -> Thread.ofVirtual().name("forkd-event").start(task);

    private static final LoopBackoff BACKOFF = new LoopBackoff("Stages depending on forkd's futures");

    private Dispatch() {}

    private static void dispatch(Runnable task) {
        EventLoop loop = EventLoop.current();
        if (loop != null && loop.inHandler() && BACKOFF.allowed()) {
            loop.runInline(new EventLoop.InlineTask() {
                @Override
                public void run() {
                    task.run();
                }

                @Override
                public void stalled() {
                    BACKOFF.stalled();
                }
            });
        } else {
            BLOCKING.execute(task);
        }
    }
}
