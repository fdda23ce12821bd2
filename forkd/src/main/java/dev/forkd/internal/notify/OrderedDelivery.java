package dev.forkd.internal.notify;

import dev.forkd.internal.io.LazyLogger;
import dev.forkd.internal.io.EventLoop;
import dev.forkd.internal.io.LoopBackoff;
import dev.forkd.ipc.Subscription;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/**
 * Calls listeners with events in the order they were added, one event at a time, the way an IPC channel's
 * inbox does: events the event loop adds are delivered on the loop thread right after its current batch of
 * I/O ({@link EventLoop#runInline}), under the loop's watchdog; after a listener blocked or ran long there,
 * they go to virtual threads for a while ({@link LoopBackoff}). Events added from other threads, or waiting for
 * a listener that has just arrived, are delivered on a virtual thread. At most one drainer runs at a time.
 *
 * <p>Events wait while there is no listener, at most {@code limit} of them: beyond that the oldest is dropped
 * (and the first drop of each backlog is logged), so that a receiver nobody listens to holds bounded memory
 * and never stops reading (which would block its senders).
 */
final class OrderedDelivery<T> implements EventLoop.InlineTask {
    private static final System.Logger LOG = LazyLogger.of("dev.forkd");
    /** Events one inline run delivers before giving the loop back to other I/O. */
    private static final int INLINE_BATCH = 256;

    private final String what;
    private final int limit;
    private final EventLoop loop;
    private final LoopBackoff backoff;
    private final ConcurrentLinkedQueue<T> queue = new ConcurrentLinkedQueue<>();
    private final AtomicInteger size = new AtomicInteger();
    private final CopyOnWriteArrayList<Consumer<? super T>> listeners = new CopyOnWriteArrayList<>();
    private final AtomicBoolean draining = new AtomicBoolean();
    private volatile boolean closed;
    private volatile boolean dropping;

    /** {@code what} names the source in log lines, e.g. "notify socket /run/app.sock". */
    OrderedDelivery(String what, int limit, EventLoop loop) {
        this.what = what;
        this.limit = limit;
        this.loop = loop;
        this.backoff = new LoopBackoff(what + ": listeners");
    }

    /** Queues an event; any thread, but one at a time (the loop thread in practice). */
    void add(T event) {
        if (closed) return;
        queue.add(event);
        if (size.incrementAndGet() > limit && queue.poll() != null) {
            size.decrementAndGet();
            if (!dropping) {
                dropping = true;
                LOG.log(System.Logger.Level.WARNING, what + ": " + limit + " messages are waiting for listeners;"
                        + " dropping the oldest until they catch up");
            }
        }
        kick();
    }

    Subscription subscribe(Consumer<? super T> listener) {
        Consumer<? super T> l = java.util.Objects.requireNonNull(listener, "listener");
        // A distinct wrapper per subscription: the same listener added twice is removed once per close.
        Consumer<T> entry = l::accept;
        listeners.add(entry);
        kick();
        AtomicBoolean once = new AtomicBoolean();
        return () -> {
            if (once.compareAndSet(false, true)) listeners.remove(entry);
        };
    }

    /** Drops what is queued; no delivery starts afterwards (one in progress is not interrupted). */
    void close() {
        closed = true;
        queue.clear();
        size.set(0);
    }

    private void kick() {
        if (!closed && !queue.isEmpty() && !listeners.isEmpty() && draining.compareAndSet(false, true)) {
            startDrainer(loop.inHandler());
        }
    }

    private void startDrainer(boolean onLoop) {
        if (onLoop && backoff.allowed()) {
            loop.runInline(this);
        } else {
            Thread.ofVirtual().name("forkd-notify-deliver").start(() -> drain(Long.MAX_VALUE));
        }
    }

    @Override
    public void run() {
        if (drain(INLINE_BATCH)) return;
        // More is queued: the loop's next turn, after I/O; off the loop if the watchdog moved it meanwhile.
        startDrainer(loop.inLoop());
    }

    @Override
    public void stalled() {
        backoff.stalled();
    }

    /** True when nothing was left (the drainer is done); false when {@code max} ran out first. */
    private boolean drain(long max) {
        long delivered = 0;
        try {
            while (true) {
                T e;
                while (!closed && !listeners.isEmpty() && (e = queue.poll()) != null) {
                    size.decrementAndGet();
                    for (Consumer<? super T> l : listeners) {
                        try {
                            l.accept(e);
                        } catch (Throwable t) {
                            // One failing listener breaks nothing else, the loop least of all.
                            LOG.log(System.Logger.Level.ERROR, what + ": a message listener failed", t);
                        }
                    }
                    if (++delivered >= max) return false;
                }
                if (queue.isEmpty()) dropping = false;
                draining.set(false);
                // Re-check after releasing: an event added in between would otherwise wait for the next one.
                if (closed || queue.isEmpty() || listeners.isEmpty() || !draining.compareAndSet(false, true)) {
                    return true;
                }
            }
        } catch (Throwable t) {
            draining.set(false);
            throw t;
        }
    }
}
