package dev.forkd.spring;

import dev.forkd.cluster.ClusterServer;
import dev.forkd.cluster.WorkerContext;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.InetSocketAddress;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.Objects;

/**
 * Where a Boot app's connections come from under forkd, whatever the server: a forkd cluster port (the app is
 * a worker of a {@code Cluster} primary) or the listener it inherited by socket activation (the {@code forkd}
 * command's cluster mode, systemd). One acceptor thread of the server calls {@link #accept()} in a loop.
 *
 * <p>Readiness is Boot's: the port takes no connection until {@link #open()} (on
 * {@code ReadinessState.ACCEPTING_TRAFFIC}); a cluster worker asks the primary for the port only then, and
 * that is when the primary counts it as listening. {@link #refuse()} (on {@code REFUSING_TRAFFIC}) stops
 * taking connections: a cluster worker gives the port up (the primary routes elsewhere), an inherited listener
 * stays open but unused (the other processes that share it take what arrives). Both can happen again.
 */
public final class ForkdPort implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger("dev.forkd.spring");

    private final WorkerContext worker; // cluster, else null
    private final InetSocketAddress address; // cluster: what to listen on
    private final ServerSocketChannel inherited; // socket activation, else null
    private final Object lock = new Object();
    private boolean accepting; // guarded by lock
    private boolean closed; // guarded by lock
    private boolean woken; // guarded by lock
    private ClusterServer server; // cluster, while accepting; guarded by lock
    private Selector selector; // the acceptor thread's
    private ServerSocketChannel registered; // the channel registered with selector
    private Thread inClusterAccept; // guarded by lock

    private ForkdPort(WorkerContext worker, InetSocketAddress address, ServerSocketChannel inherited) {
        this.worker = worker;
        this.address = address;
        this.inherited = inherited;
    }

    /** A cluster port: {@code address} is Boot's {@code server.address} and {@code server.port}. */
    public static ForkdPort cluster(WorkerContext worker, InetSocketAddress address) {
        return new ForkdPort(Objects.requireNonNull(worker, "worker"), Objects.requireNonNull(address, "address"), null);
    }

    /** An inherited listening socket (socket activation). This port owns it from now on. */
    public static ForkdPort inherited(ServerSocketChannel channel) {
        return new ForkdPort(null, null, Objects.requireNonNull(channel, "channel"));
    }

    /** True for a cluster port, false for an inherited listener. */
    public boolean isCluster() {
        return worker != null;
    }

    /**
     * The address clients connect to. For a cluster port asked for as port 0, the real port is known only
     * once the port is {@link #open() open}; before that this is the configured address.
     */
    public InetSocketAddress localAddress() {
        if (inherited != null) {
            try {
                return (InetSocketAddress) inherited.getLocalAddress();
            } catch (IOException e) {
                return new InetSocketAddress(0);
            }
        }
        synchronized (lock) {
            return server != null ? server.localAddress() : address;
        }
    }

    /**
     * Starts taking connections. A cluster worker asks the primary for the port here (its "listening"),
     * blocking until the primary answers.
     *
     * @throws java.net.BindException if the primary cannot listen on the address
     */
    public void open() throws IOException {
        synchronized (lock) {
            if (closed || accepting) return;
            if (worker != null) server = worker.listen(address);
            accepting = true;
            lock.notifyAll();
        }
    }

    /** Stops taking connections (see the class comment); connections already taken are the server's. */
    public void refuse() {
        ClusterServer giveUp;
        synchronized (lock) {
            accepting = false;
            giveUp = server;
            server = null;
        }
        if (giveUp != null) {
            try {
                giveUp.close(); // the primary sends no more; handed-over ones still come out of accept()
            } catch (IOException e) {
                LOG.log(System.Logger.Level.DEBUG, "closing " + giveUp + " failed", e);
            }
        }
        Selector s = selector;
        if (s != null) s.wakeup();
    }

    /** Makes the thread in {@link #accept()} (or the next caller) return {@code null} at once. */
    public void wakeup() {
        synchronized (lock) {
            woken = true;
            lock.notifyAll();
            // Under the lock: accept() clears inClusterAccept under it too, so no interrupt lands after the
            // thread has left ClusterServer.accept (it would hit whatever the thread blocks on next).
            if (inClusterAccept != null) inClusterAccept.interrupt();
        }
        Selector s = selector;
        if (s != null) s.wakeup();
    }

    /**
     * The next connection, in blocking mode: waits while the port is not open. Returns {@code null} when
     * {@link #wakeup() woken} or interrupted.
     *
     * @throws ClosedChannelException once the port is {@link #close() closed}
     */
    public SocketChannel accept() throws IOException {
        while (true) {
            ServerSocketChannel channel;
            ClusterServer cluster;
            synchronized (lock) {
                while (!accepting && !closed && !woken) {
                    try {
                        lock.wait();
                    } catch (InterruptedException e) {
                        return null;
                    }
                }
                if (closed) {
                    closeSelector();
                    throw new ClosedChannelException();
                }
                if (woken) {
                    woken = false;
                    return null;
                }
                cluster = server;
                channel = inherited != null ? inherited : cluster.serverChannel().orElse(null);
            }
            if (channel != null) {
                SocketChannel c = selectAndAccept(channel);
                if (c != null) return c;
                if (Thread.interrupted()) return null;
                continue; // woken, refused, or another process took the connection: look at the state again
            }
            // Round robin: the primary hands connections over.
            synchronized (lock) {
                if (woken) continue;
                inClusterAccept = Thread.currentThread();
            }
            try {
                return cluster.accept();
            } catch (ClosedChannelException refused) {
                // refuse() closed it and its queue is empty: wait at the gate
            } catch (InterruptedIOException e) {
                Thread.interrupted();
                synchronized (lock) {
                    woken = false;
                }
                return null;
            } finally {
                synchronized (lock) {
                    inClusterAccept = null;
                    if (woken) Thread.interrupted(); // an interrupt of ours that came after the accept
                }
            }
        }
    }

    /**
     * One selection on a listening socket. Non-blocking, so that {@link #refuse()} and {@link #wakeup()} can
     * stop the wait without closing the socket (other processes share it). Null if nothing was accepted.
     */
    private SocketChannel selectAndAccept(ServerSocketChannel channel) throws IOException {
        if (selector == null) selector = Selector.open();
        if (registered != channel) {
            if (registered != null) {
                SelectionKey old = registered.keyFor(selector);
                if (old != null) old.cancel();
                selector.selectNow();
            }
            channel.configureBlocking(false);
            channel.register(selector, SelectionKey.OP_ACCEPT);
            registered = channel;
        }
        try {
            SocketChannel c = channel.accept();
            if (c == null) {
                selector.select();
                selector.selectedKeys().clear();
                c = channel.accept(); // null if another process took it first
            }
            if (c != null) c.configureBlocking(true);
            return c;
        } catch (ClosedChannelException e) {
            synchronized (lock) {
                if (closed) throw e;
            }
            return null; // a cluster server refuse() closed under us
        }
    }

    private void closeSelector() {
        Selector s = selector;
        if (s == null) return;
        selector = null;
        registered = null;
        try {
            s.close();
        } catch (IOException ignored) {
            // nothing registered matters any more
        }
    }

    /** Stops for good and closes what this port owns (the inherited socket: this process's copy only). */
    @Override
    public void close() {
        synchronized (lock) {
            if (closed) return;
            closed = true;
            lock.notifyAll();
        }
        refuse();
        wakeup();
        if (inherited != null) {
            try {
                inherited.close();
            } catch (IOException ignored) {
                // closing anyway
            }
        }
    }

    @Override
    public String toString() {
        return "ForkdPort[" + (isCluster() ? "cluster " : "inherited ") + localAddress() + "]";
    }
}
