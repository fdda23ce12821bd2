package dev.forkd.internal.cluster;

import dev.forkd.cluster.ClusterServer;
import dev.forkd.cluster.SchedulingPolicy;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.Optional;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A worker's cluster port. Round robin: connections the primary handed over wait in a queue for
 * {@link #accept()}. SHARED/REUSEPORT: {@link #accept()} accepts on the worker's own listening socket.
 */
final class ClusterServerImpl implements ClusterServer {
    private final String key;
    private final SchedulingPolicy policy;
    private final InetSocketAddress address;
    private final ServerSocketChannel listener; // null for round robin
    private final LinkedBlockingQueue<SocketChannel> handedOver = new LinkedBlockingQueue<>();
    private final WorkerRuntime runtime;
    private volatile boolean closed;

    ClusterServerImpl(String key, SchedulingPolicy policy, InetSocketAddress address, ServerSocketChannel listener,
                      WorkerRuntime runtime) {
        this.key = key;
        this.policy = policy;
        this.address = address;
        this.listener = listener;
        this.runtime = runtime;
    }

    String key() {
        return key;
    }

    /** A connection from the primary; false if this server no longer takes any. */
    boolean offer(SocketChannel c) {
        if (closed) return false;
        handedOver.add(c);
        return true;
    }

    /** True when no handed-over connection waits for accept(). */
    boolean drained() {
        return handedOver.isEmpty();
    }

    @Override
    public SocketChannel accept() throws IOException {
        if (listener != null) return listener.accept();
        try {
            while (true) {
                // Queued connections are still served after close(): they were promised to this worker.
                SocketChannel c = handedOver.poll(50, TimeUnit.MILLISECONDS);
                if (c != null) return c;
                if (closed) throw new ClosedChannelException();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new java.io.InterruptedIOException("interrupted while waiting for a connection");
        }
    }

    @Override
    public Optional<ServerSocketChannel> serverChannel() {
        return Optional.ofNullable(listener);
    }

    @Override
    public InetSocketAddress localAddress() {
        return address;
    }

    @Override
    public SchedulingPolicy policy() {
        return policy;
    }

    @Override
    public boolean isOpen() {
        return !closed;
    }

    @Override
    public void close() throws IOException {
        if (closed) return;
        closed = true;
        runtime.closed(this);
        if (listener != null) listener.close();
    }

    @Override
    public String toString() {
        return "ClusterServer[" + address + ", " + policy + (closed ? ", closed]" : "]");
    }
}
