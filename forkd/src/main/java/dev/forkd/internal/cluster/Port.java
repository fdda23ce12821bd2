package dev.forkd.internal.cluster;

import dev.forkd.internal.io.LazyLogger;
import dev.forkd.cluster.SchedulingPolicy;
import java.io.IOException;
import java.net.InetSocketAddress;
import dev.forkd.internal.io.EventLoop;
import dev.forkd.internal.ipc.HandleAdoption;
import dev.forkd.internal.posix.LibC;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.NetworkChannel;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * One listening address of the cluster, in the primary. For ROUND_ROBIN and LOAD_AWARE the primary accepts
 * here (on the event loop, see {@code startAccepting}) and hands connections out; for SHARED the workers
 * accept on {@link #listener} themselves; for REUSEPORT with port 0 the socket only reserves the port every
 * worker binds. An adopted
 * listener (given in the settings, inherited from socket activation) is served the same way but never closed:
 * closing the port lets go of it.
 */
final class Port {
    private static final System.Logger LOG = LazyLogger.of("dev.forkd.cluster");
    /** Hand-offs a LOAD_AWARE worker may have in flight before it counts as saturated. */
    private static final int MAX_INFLIGHT = 8;

    final String key;
    final SchedulingPolicy policy;
    /** A listening ServerSocketChannel, or (REUSEPORT) a bound SocketChannel that only holds the port. */
    private final NetworkChannel socket;
    final InetSocketAddress address;
    final List<WorkerHandle> workers = new CopyOnWriteArrayList<>();
    /** Accepted connections no worker has taken yet, oldest first, each with the time it was queued. */
    private final ArrayDeque<Queued> backlog = new ArrayDeque<>();
    private final long queueTimeoutNanos;
    private boolean sweepScheduled; // guarded by this
    private int next;
    private volatile boolean closed;
    /** The socket was given to the cluster (settings, socket activation): never closed here, only let go. */
    private final boolean adopted;

    private record Queued(SocketChannel connection, long since) {}

    Port(String key, SchedulingPolicy policy, NetworkChannel socket, Duration queueTimeout, boolean adopted)
            throws IOException {
        this.key = key;
        this.adopted = adopted;
        this.policy = policy;
        this.socket = socket;
        this.address = (InetSocketAddress) socket.getLocalAddress();
        this.queueTimeoutNanos = queueTimeout.toNanos();
    }

    ServerSocketChannel listener() {
        return (ServerSocketChannel) socket;
    }

    boolean distributes() {
        return policy == SchedulingPolicy.ROUND_ROBIN || policy == SchedulingPolicy.LOAD_AWARE;
    }

    /** Registration of the listener on forkd's event loop (round robin policies). */
    private long acceptToken = -1;
    private int listenerFd = -1;

    /**
     * Starts accepting (round robin policies) on forkd's event loop: a readable listener is drained with
     * non-blocking accepts and each connection handed out right there, without waking another thread. On a
     * small VM every cross-thread wake-up costs tens of microseconds, and a hand-off already needs several.
     */
    void startAccepting() throws IOException {
        ServerSocketChannel l = listener();
        l.configureBlocking(false);
        listenerFd = HandleAdoption.fdOf(l);
        EventLoop loop = EventLoop.get();
        acceptToken = loop.newToken();
        if (!loop.register(listenerFd, LibC.EPOLLIN, acceptToken, ev -> acceptAll(loop))) {
            throw new IOException("cannot watch the listening socket " + address);
        }
    }

    /** Loop thread: accept what is pending (bounded, for fairness) and hand it out. */
    private void acceptAll(EventLoop loop) {
        for (int i = 0; i < 64 && !closed; i++) {
            SocketChannel c;
            try {
                c = listener().accept();
            } catch (ClosedChannelException e) {
                return;
            } catch (IOException e) {
                // EMFILE and friends: level-triggered epoll calls again; do not spin on this event
                return;
            }
            if (c == null) return;
            try {
                c.configureBlocking(true); // workers get the socket as accept(2) made it: blocking
                enqueue(c);
            } catch (IOException | RuntimeException e) {
                // This connection is lost (the client sees it end), not the loop or the listener.
                if (!(e instanceof IOException)) LOG.log(System.Logger.Level.ERROR, "queueing a connection failed", e);
                closeQuietly(c);
            }
        }
    }

    private static void closeQuietly(SocketChannel c) {
        try {
            c.close();
        } catch (IOException ignored) {
            // dropping it
        }
    }

    /**
     * A connection to hand out: now if a worker can take it, else when one can, but not after the queue
     * timeout: then it is closed (the client sees the connection end), so that a port no worker serves costs
     * no fd per waiting client.
     */
    void enqueue(SocketChannel c) {
        boolean rejected;
        boolean sweep = false;
        synchronized (this) {
            rejected = closed; // closed meanwhile: nobody will take it
            if (!rejected) {
                backlog.add(new Queued(c, System.nanoTime()));
                if (!sweepScheduled) sweepScheduled = sweep = true;
            }
        }
        if (rejected) {
            closeQuietly(c);
            return;
        }
        if (sweep) EventLoop.get().schedule(queueTimeoutNanos, this::sweep);
        pump();
    }

    /** Closes the connections that waited longer than the queue timeout; runs while any are queued. */
    private void sweep() {
        List<SocketChannel> expired = new ArrayList<>();
        long nextDue;
        synchronized (this) {
            long now = System.nanoTime();
            Queued q;
            while ((q = backlog.peek()) != null && now - q.since() >= queueTimeoutNanos) {
                expired.add(backlog.poll().connection());
            }
            sweepScheduled = q != null;
            nextDue = q == null ? 0 : queueTimeoutNanos - (now - q.since());
        }
        if (!expired.isEmpty()) {
            LOG.log(System.Logger.Level.WARNING, expired.size() + " connection(s) to " + address + " waited "
                    + queueTimeoutNanos / 1_000_000 + " ms for a worker: closed");
        }
        for (SocketChannel c : expired) closeQuietly(c);
        if (nextDue > 0) EventLoop.get().schedule(nextDue, this::sweep);
    }

    /** How many accepted connections wait for a worker. */
    synchronized int queued() {
        return backlog.size();
    }

    /** Hands queued connections to workers while there are workers that can take them. */
    void pump() {
        while (true) {
            WorkerHandle w;
            SocketChannel c;
            synchronized (this) {
                if (backlog.isEmpty()) return;
                w = choose();
                if (w == null) return;
                c = backlog.poll().connection();
                w.inflight.incrementAndGet();
            }
            w.core.handOff(w, this, c);
        }
    }

    /** Called with the monitor held. */
    private WorkerHandle choose() {
        List<WorkerHandle> candidates = new ArrayList<>(workers.size());
        for (WorkerHandle w : workers) if (w.available()) candidates.add(w);
        if (candidates.isEmpty()) return null;
        int n = candidates.size();
        if (policy == SchedulingPolicy.ROUND_ROBIN) {
            // Node's rule: one hand-off in flight per worker, rotate among the free ones.
            for (int i = 0; i < n; i++) {
                WorkerHandle w = candidates.get((next + i) % n);
                if (w.inflight.get() == 0) {
                    next = (next + i + 1) % n;
                    return w;
                }
            }
            return null;
        }
        // LOAD_AWARE: not busy before busy, then fewest in flight; rotation breaks ties.
        WorkerHandle best = null;
        int bestScore = Integer.MAX_VALUE;
        for (int i = 0; i < n; i++) {
            WorkerHandle w = candidates.get((next + i) % n);
            int inflight = w.inflight.get();
            if (inflight >= MAX_INFLIGHT) continue;
            int score = (w.busy ? 1_000 : 0) + inflight;
            if (score < bestScore) {
                best = w;
                bestScore = score;
            }
        }
        if (best != null) next = (candidates.indexOf(best) + 1) % n;
        return best;
    }

    void close() {
        closed = true;
        if (acceptToken >= 0) {
            long token = acceptToken;
            int fd = listenerFd;
            acceptToken = -1;
            // Unregister on the loop, then close there too: the fd number must not be reused while registered.
            EventLoop loop = EventLoop.get();
            loop.execute(() -> {
                loop.unregister(fd, token);
                closeSocket();
                drop();
            });
            return;
        }
        closeSocket();
        drop();
    }

    private void closeSocket() {
        if (adopted) return; // its owner closes it
        try {
            socket.close();
        } catch (IOException ignored) {
            // closing
        }
    }

    private void drop() {
        List<SocketChannel> left = new ArrayList<>();
        synchronized (this) {
            for (Queued q : backlog) left.add(q.connection());
            backlog.clear();
        }
        for (SocketChannel c : left) {
            try {
                c.close();
            } catch (IOException ignored) {
                // closing
            }
        }
    }
}
