package dev.forkd.cluster;

import dev.forkd.ipc.Channel;
import java.io.IOException;
import java.net.InetSocketAddress;

/** Inside a worker: who it is, how it listens on cluster ports, and how it tells the primary its load. */
public interface WorkerContext {
    /** This worker's id (Node's {@code cluster.worker.id}). */
    int id();

    /** The channel to the primary, for user messages. */
    Channel channel();

    /** Listens on {@code port} on every interface, shared with the other workers. */
    default ClusterServer listen(int port) throws IOException {
        return listen(new InetSocketAddress(port));
    }

    /**
     * Listens on a cluster port. Port 0 gives one ephemeral port that every worker shares, as in Node.
     *
     * @throws java.net.BindException if the primary (or, for REUSEPORT, this worker) cannot bind the address:
     *                                EADDRINUSE, EACCES...
     */
    ClusterServer listen(InetSocketAddress address) throws IOException;

    /**
     * Marks this worker busy until the returned handle is closed: the LOAD_AWARE policy sends no new
     * connections to a busy worker while another is free. Nestable; cheap.
     *
     * {@snippet :
     * try (var busy = Cluster.worker().orElseThrow().busy()) {
     *     computeSomethingLong();
     * }
     * }
     */
    Busy busy();

    /** Runs {@code hook} (on a virtual thread) when the primary asks this worker to stop, before it exits. */
    void onDisconnect(Runnable hook);

    /** A busy period; close it when the work is done. */
    interface Busy extends AutoCloseable {
        @Override
        void close();
    }
}
