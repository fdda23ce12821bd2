package dev.forkd.internal.io;

import dev.forkd.internal.io.EventLoop.InlineTask;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;

/**
 * The event loop's policy for inline tasks that hold its thread (DESIGN §6b). The loop runs a turn's
 * {@link InlineTask}s through {@link #runAll}; while they run, a watchdog thread ({@code forkd-loop-watchdog})
 * checks that no task stays blocked (parked, waiting, sleeping) for more than {@value #STALL_MILLIS} ms or
 * runnable for more than {@value #BUSY_MILLIS} ms (the JDK cannot tell computing from a blocking system call).
 * If one does, the watchdog gives the loop to a new platform thread and tells the task it
 * {@link InlineTask#stalled() stalled}; the old thread finishes that task (and nothing else of the loop's) and
 * ends. Tasks queued behind the stalled one are started on virtual threads. So a blocking listener costs the
 * loop at most a few milliseconds, once: a stalled task is expected to stop asking for inline runs.
 *
 * <p>What the loop sees of it: {@link #runAll}, and {@link #runsInline} for its {@code inHandler()}. What it
 * sees of the loop: one {@code handOver} action that starts a new loop thread.
 */
final class InlineWatchdog {
    /** How long inline work may block the loop (park, wait, sleep) before the watchdog moves the loop on. */
    static final long STALL_MILLIS = 10;
    private static final long STALL_NANOS = STALL_MILLIS * 1_000_000;
    /**
     * How long inline work may keep the loop busy while runnable (computing, or in a blocking system call,
     * which the JDK cannot tell apart): long enough for a cold JVM's first deliveries and a backlog's batch.
     */
    static final long BUSY_MILLIS = 100;
    private static final long BUSY_NANOS = BUSY_MILLIS * 1_000_000;
    private static final long TICK_NANOS = 2_000_000;
    /** The watchdog parks for good after this long without inline work. */
    private static final long IDLE_NANOS = 200_000_000;
    /** Tests only: runs on the watchdog between its decision to hand the loop over and the new thread. */
    static volatile Runnable beforeHandOver;

    /** One turn's inline tasks; {@code next} hands each out exactly once, to the loop or to the watchdog. */
    private static final class Batch {
        final InlineTask[] tasks;
        final int size;
        final long start = System.nanoTime();
        final Thread owner = Thread.currentThread();
        final AtomicInteger next = new AtomicInteger();
        /** Inline tasks its tasks queued (owner thread only); they go where the batch's end says. */
        final java.util.ArrayList<InlineTask> deferred = new java.util.ArrayList<>();
        volatile int running = -1;
        volatile long runningSince;

        Batch(InlineTask[] tasks, int size) {
            this.tasks = tasks;
            this.size = size;
        }
    }

    private static final System.Logger LOG = LazyLogger.of("dev.forkd");
    /** The batch the calling thread is running, if it runs one. */
    private static final ThreadLocal<Batch> RUNNING = new ThreadLocal<>();

    /** Gives the loop to a new thread; the caller's loop thread leaves the loop when {@link #runAll} says so. */
    private final Runnable handOver;
    private final AtomicReference<Batch> batch = new AtomicReference<>();
    private volatile long lastInlineNanos;
    /** The thread running inline tasks; still set on a thread the watchdog has replaced (it may block on). */
    private volatile Thread inlineRunner;
    private volatile Thread watchdog;
    private volatile boolean parked;

    InlineWatchdog(Runnable handOver) {
        this.handOver = handOver;
    }

    /** True if {@code t} runs inline tasks now, where it may block (the watchdog hands the loop on). */
    boolean runsInline(Thread t) {
        return t == inlineRunner;
    }

    /**
     * Runs {@code tasks[0, size)} on the calling thread, the loop's, then gives {@code nextTurn} the inline tasks
     * they queued; false if the watchdog found one stalled and
     * gave the loop to a new thread meanwhile: this thread has then run whatever tasks it could still claim
     * (they may block too) and must leave the loop at once. The batch's compare-and-set decides, not the loop's
     * current thread, which the hand-over sets a moment after the watchdog's own compare-and-set.
     */
    boolean runAll(InlineTask[] tasks, int size, java.util.function.Consumer<InlineTask> nextTurn) {
        Batch b = new Batch(tasks, size);
        RUNNING.set(b);
        inlineRunner = Thread.currentThread();
        batch.set(b);
        lastInlineNanos = b.start;
        if (parked || watchdog == null) wake();
        int i;
        long t0 = b.start;
        while ((i = b.next.getAndIncrement()) < b.size) {
            b.runningSince = t0;
            b.running = i;
            InlineTask task = b.tasks[i];
            try {
                task.run();
            } catch (Throwable t) {
                LOG.log(System.Logger.Level.ERROR, "forkd inline task failed", t);
            }
            long t1 = System.nanoTime();
            // Long but not caught by the watchdog (it ticks every few ms): still no more inline runs for it.
            if (t1 - t0 > BUSY_NANOS && batch.get() == b) task.stalled();
            t0 = t1;
        }
        b.running = -1;
        RUNNING.remove();
        if (!batch.compareAndSet(b, null)) { // inlineRunner may be the new loop's already
            for (InlineTask t : b.deferred) Thread.ofVirtual().name("forkd-inline").start(t);
            return false;
        }
        inlineRunner = null;
        for (InlineTask t : b.deferred) nextTurn.accept(t); // still the loop thread: no one can take it now
        return true;
    }

    /**
     * Holds {@code task}, queued by an inline task of the calling thread's batch, until that batch ends: then
     * it runs on the loop's next turn if this thread still runs the loop, or on a virtual thread if the
     * watchdog gave the loop away meanwhile. False if the calling thread runs no batch.
     */
    boolean defer(InlineTask task) {
        Batch b = RUNNING.get();
        if (b == null) return false;
        b.deferred.add(task);
        return true;
    }

    private synchronized void wake() {
        if (watchdog == null) {
            watchdog = Thread.ofPlatform().daemon().name("forkd-loop-watchdog").start(this::watch);
        } else {
            LockSupport.unpark(watchdog);
        }
    }

    /**
     * Ticks while inline work happens; hands the loop to a new thread when a task holds it too long. A task
     * counts as stuck only if it was already running at the previous tick: after a GC pause or a descheduled
     * vCPU, which stop the watchdog too, the task gets one more tick to finish.
     */
    private void watch() {
        Batch suspectBatch = null;
        int suspect = -1;
        while (true) {
            Batch b = batch.get();
            long now = System.nanoTime();
            if (b == null && now - lastInlineNanos > IDLE_NANOS) {
                parked = true;
                if (batch.get() == null) LockSupport.park(this);
                parked = false;
                continue;
            }
            int running = b == null ? -1 : b.running;
            long limit = b != null && b.owner.getState() != Thread.State.RUNNABLE ? STALL_NANOS : BUSY_NANOS;
            if (running >= 0 && b == suspectBatch && running == suspect && now - b.runningSince > limit
                    && batch.compareAndSet(b, null)) {
                takeOver(b, running);
                running = -1;
            }
            suspectBatch = b;
            suspect = running;
            LockSupport.parkNanos(this, TICK_NANOS);
        }
    }

    /** The loop thread is stuck in b's running task: give the loop a new thread and b's other tasks to VTs. */
    private void takeOver(Batch b, int stuck) {
        Runnable hook = beforeHandOver;
        if (hook != null) hook.run();
        handOver.run();
        LOG.log(System.Logger.Level.DEBUG, "an inline task held forkd's event loop for over " + STALL_MILLIS
                + " ms blocked or " + BUSY_MILLIS + " ms busy; the loop continues on a new thread");
        b.tasks[stuck].stalled();
        int i;
        while ((i = b.next.getAndIncrement()) < b.size) {
            Thread.ofVirtual().name("forkd-inline").start(b.tasks[i]); // IPC deliveries, future completions
        }
    }
}
