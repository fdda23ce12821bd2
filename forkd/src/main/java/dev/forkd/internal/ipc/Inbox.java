package dev.forkd.internal.ipc;

import dev.forkd.internal.io.LazyLogger;
import dev.forkd.internal.io.EventLoop;
import dev.forkd.internal.io.LoopBackoff;
import dev.forkd.internal.json.JsonCodec;
import dev.forkd.internal.json.JsonFormatException;
import dev.forkd.ipc.Message;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import tools.jackson.databind.JsonNode;

/**
 * Delivers a channel's messages to its listeners in order, one at a time. Messages wait here while there is
 * no listener (Node queues them too). At most one drainer runs; it is started when work arrives and stops when
 * the queue is empty, so an idle channel costs no thread.
 *
 * <p>Where the drainer runs: messages read by the event loop are delivered on the loop thread itself, after
 * the loop's current batch of events ({@link EventLoop#runInline}), which saves two thread hand-offs per round
 * trip. When a listener blocks or runs long (the loop's watchdog reports it), this inbox delivers on virtual
 * threads for a while ({@link LoopBackoff}). Work that arrives from other threads (a new listener) starts a
 * virtual thread.
 */
final class Inbox implements EventLoop.InlineTask {
    private static final System.Logger LOG = LazyLogger.of("dev.forkd");

    /**
     * A message, or a line still to be parsed (then {@code message} is null); {@code unscanned}: a line that
     * may still turn out to be an internal message once parsed.
     */
    private record Entry(Message message, byte[] line, long bytes, boolean unscanned) {}

    private final ConcurrentLinkedQueue<Entry> queue = new ConcurrentLinkedQueue<>();
    private final CopyOnWriteArrayList<Consumer<Message>> listeners = new CopyOnWriteArrayList<>();
    private final AtomicBoolean draining = new AtomicBoolean();
    private final EventLoop loop = EventLoop.get();
    /**
     * Messages one inline run delivers before giving the loop back (about a millisecond of small messages):
     * a backlog is delivered over several loop turns, so that neither other I/O nor the watchdog, which would
     * take a long backlog for a stall, waits for it.
     */
    private static final int INLINE_BATCH = 1024;
    /** Off the loop for a while after a listener stalled it. */
    private final LoopBackoff backoff;
    private final AtomicLong pendingBytes = new AtomicLong();
    private final Runnable onDrained;
    private final Consumer<JsonNode> internal;
    private final String peer;

    /**
     * {@code onDrained} runs after each drain pass (the channel resumes reading from it); {@code internal}
     * takes the lines added as {@code unscanned} that parse to one of Node's internal messages (on the
     * delivering thread), which are then not delivered.
     */
    Inbox(String peer, Runnable onDrained, Consumer<JsonNode> internal) {
        this.peer = peer;
        this.onDrained = onDrained;
        this.internal = internal;
        this.backoff = new LoopBackoff("IPC channel to " + peer + ": message listeners");
    }

    void add(Message m, long bytes) {
        pendingBytes.addAndGet(bytes);
        queue.add(new Entry(m, null, bytes, false));
        kick();
    }

    /**
     * A user message's line, parsed when it is delivered (off the event loop). {@code unscanned}: the line was
     * not searched for {@code "cmd"}, so it may be an internal message; that is decided when it is parsed.
     */
    void addRaw(byte[] line, int len, boolean unscanned) {
        pendingBytes.addAndGet(len);
        queue.add(new Entry(null, line, len, unscanned));
        kick();
    }

    /** The entry's message, or null when there is none to deliver (a malformed line, an internal message). */
    private Message parse(Entry e) {
        if (e.message() != null) return e.message();
        JsonNode tree;
        try {
            tree = JsonCodec.shared().parse(e.line(), (int) e.bytes());
        } catch (JsonFormatException x) {
            LOG.log(System.Logger.Level.WARNING, "IPC channel to " + peer + ": dropped a line: " + x.getMessage());
            return null;
        } catch (RuntimeException | StackOverflowError x) {
            LOG.log(System.Logger.Level.ERROR, "IPC channel to " + peer + ": cannot read a message", x);
            return null;
        }
        if (e.unscanned() && NodeProtocol.isInternal(tree)) {
            internal.accept(tree);
            return null;
        }
        return new ReceivedMessage(tree, JsonCodec.shared(), null, null);
    }

    long pendingBytes() {
        return pendingBytes.get();
    }

    boolean isEmpty() {
        return queue.isEmpty();
    }

    /** Waits until nothing is queued or being delivered, or no listener is there to deliver to. */
    void awaitIdle(long maxNanos) {
        long deadline = System.nanoTime() + maxNanos;
        while ((draining.get() || (!queue.isEmpty() && !listeners.isEmpty())) && System.nanoTime() < deadline) {
            try {
                Thread.sleep(1);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    void subscribe(Consumer<Message> listener) {
        listeners.add(listener);
        kick();
    }

    void unsubscribe(Consumer<Message> listener) {
        listeners.remove(listener);
    }

    void kick() {
        if (!queue.isEmpty() && !listeners.isEmpty() && draining.compareAndSet(false, true)) {
            startDrainer(loop.inHandler());
        }
    }

    @Override
    public void run() {
        if (drain(INLINE_BATCH)) return;
        // More is queued: deliver it on the loop's next turn, after I/O has had its chance; off the loop if
        // the watchdog has moved the loop on meanwhile or a stall keeps this inbox off it.
        startDrainer(loop.inLoop());
    }

    /** The drainer runs inline on the loop if {@code onLoop} and no stall keeps this inbox off it, else on a virtual thread. */
    private void startDrainer(boolean onLoop) {
        if (onLoop && backoff.allowed()) {
            loop.runInline(this);
        } else {
            Thread.ofVirtual().name("forkd-ipc-deliver").start(this::drain);
        }
    }

    @Override
    public void stalled() {
        backoff.stalled();
    }

    private void drain() {
        drain(Long.MAX_VALUE);
    }

    /**
     * Delivers up to {@code max} messages. True when it stopped because nothing was left (this drainer is
     * done), false when {@code max} ran out first (it still holds the draining flag and must go on).
     */
    private boolean drain(long max) {
        long delivered = 0;
        try {
            while (true) {
                Entry e;
                while (!listeners.isEmpty() && (e = queue.poll()) != null) {
                    Message m = parse(e);
                    for (Consumer<Message> l : m == null ? List.<Consumer<Message>>of() : listeners) {
                        try {
                            l.accept(m);
                        } catch (Throwable t) {
                            // Like Node's nextTick dispatch: one failing listener breaks nothing else.
                            LOG.log(System.Logger.Level.ERROR, "IPC message listener failed", t);
                        }
                    }
                    pendingBytes.addAndGet(-e.bytes());
                    if (++delivered >= max) {
                        onDrained.run();
                        return false;
                    }
                }
                onDrained.run();
                draining.set(false);
                // Re-check after releasing: work that arrived in between would otherwise wait for the next add.
                if (queue.isEmpty() || listeners.isEmpty() || !draining.compareAndSet(false, true)) return true;
            }
        } catch (Throwable t) {
            draining.set(false);
            throw t;
        }
    }
}
