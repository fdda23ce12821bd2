package dev.forkd.internal.io;

/**
 * Whether one source of inline work (an IPC inbox, future completions) may use the event loop's thread now.
 * After the source stalled the loop ({@link EventLoop.InlineTask#stalled()}), it stays off the loop for 50 ms,
 * doubling with each further stall up to about a minute; after 10 s back on the loop without a stall the
 * count starts over. So work that was slow once (class loading, JIT, a GC pause) soon gets the fast path
 * back, and work that always blocks costs the loop a hand-over about once a minute.
 */
public final class LoopBackoff {
    private static final System.Logger LOG = LazyLogger.of("dev.forkd");
    private static final long FIRST_NANOS = 50_000_000;
    private static final int MAX_SHIFT = 10;
    private static final long QUIET_NANOS = 10_000_000_000L;

    private final String what;
    private volatile long offUntil = System.nanoTime();
    private int stalls; // guarded by this

    /** {@code what} names the work in the debug log, e.g. "IPC channel to parent: listeners". */
    public LoopBackoff(String what) {
        this.what = what;
    }

    /** True unless a recent stall keeps this work off the loop. */
    public boolean allowed() {
        return System.nanoTime() - offUntil >= 0;
    }

    /** Records a stall; returns how long (ns) the work now stays off the loop. */
    public synchronized long stalled() {
        long now = System.nanoTime();
        if (now - offUntil > QUIET_NANOS) stalls = 0;
        long off = FIRST_NANOS << Math.min(stalls++, MAX_SHIFT);
        offUntil = now + off;
        LOG.log(System.Logger.Level.DEBUG, what + " blocked or ran long on forkd's event loop; they run on virtual"
                + " threads for the next " + off / 1_000_000 + " ms");
        return off;
    }
}
