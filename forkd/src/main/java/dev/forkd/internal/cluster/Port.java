package dev.forkd.internal.cluster;

import dev.forkd.cluster.SchedulingPolicy;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.NetworkChannel;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * One listening address of the cluster, in the primary. For ROUND_ROBIN and LOAD_AWARE the primary accepts
 * here (one virtual thread) and hands connections out; for SHARED the workers accept on {@link #listener}
 * themselves; for REUSEPORT with port 0 the socket only reserves the port every worker binds.
 */
final class Port {
    /** Hand-offs a LOAD_AWARE worker may have in flight before it counts as saturated. */
    private static final int MAX_INFLIGHT = 8;

    final String key;
    final SchedulingPolicy policy;
    /** A listening ServerSocketChannel, or (REUSEPORT) a bound SocketChannel that only holds the port. */
    private final NetworkChannel socket;
    final InetSocketAddress address;
    final List<WorkerHandle> workers = new CopyOnWriteArrayList<>();
    private final ArrayDeque<SocketChannel> backlog = new ArrayDeque<>();
    private int next;
    private volatile boolean closed;

    Port(String key, SchedulingPolicy policy, NetworkChannel socket) throws IOException {
        this.key = key;
        this.policy = policy;
        this.socket = socket;
        this.address = (InetSocketAddress) socket.getLocalAddress();
    }

    ServerSocketChannel listener() {
        return (ServerSocketChannel) socket;
    }

    boolean distributes() {
        return policy == SchedulingPolicy.ROUND_ROBIN || policy == SchedulingPolicy.LOAD_AWARE;
    }

    /** Starts the accept loop (round robin policies). */
    void startAccepting() {
        Thread.ofVirtual().name("forkd-accept-" + address.getPort()).start(() -> {
            while (!closed) {
                try {
                    SocketChannel c = listener().accept();
                    enqueue(c);
                } catch (ClosedChannelException e) {
                    return;
                } catch (IOException e) {
                    if (closed) return;
                    // EMFILE and friends: back off briefly rather than spin
                    try {
                        Thread.sleep(10);
                    } catch (InterruptedException ie) {
                        return;
                    }
                }
            }
        });
    }

    /** A connection to hand out: now if a worker can take it, else when one can. */
    void enqueue(SocketChannel c) {
        synchronized (this) {
            backlog.add(c);
        }
        pump();
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
                c = backlog.poll();
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
        try {
            socket.close();
        } catch (IOException ignored) {
            // closing
        }
        List<SocketChannel> left;
        synchronized (this) {
            left = new ArrayList<>(backlog);
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
