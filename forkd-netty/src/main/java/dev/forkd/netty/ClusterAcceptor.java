package dev.forkd.netty;

import dev.forkd.cluster.ClusterServer;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerAdapter;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoEventLoopGroup;
import io.netty.channel.ServerChannel;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.channel.nio.NioIoHandle;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.GlobalEventExecutor;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A forkd cluster port served by Netty: connections of a {@link ClusterServer} become Netty channels on an
 * NIO {@link EventLoopGroup}, each initialised by the same child handler a {@code ServerBootstrap} would take.
 * Made by {@link ForkdNetty#serve} and {@link ForkdNetty#start}.
 *
 * <p>SHARED and REUSEPORT: the worker's listening socket is wrapped in a {@link NioServerSocketChannel} and
 * Netty accepts on it. The socket is already bound, so it is registered, not bound: registration alone makes
 * it active and starts accepting. The wrapper sets the socket non-blocking, so {@link ClusterServer#accept()}
 * must not be used on it any more. ROUND_ROBIN and LOAD_AWARE: the primary accepts; a virtual thread takes
 * each handed-over connection from {@link ClusterServer#accept()} and registers it as a
 * {@link NioSocketChannel} (without a parent channel: there is no Netty listener).
 *
 * <p>The acceptor owns the cluster server and the connections it made; the event loop group stays the
 * caller's. {@link #close()} and {@link #drain(Duration)} block and must not run on an event loop thread.
 */
public final class ClusterAcceptor implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger("dev.forkd.netty");

    private final ClusterServer server;
    private final EventLoopGroup group;
    private final ChannelHandler childHandler;
    private final ChannelGroup connections = new DefaultChannelGroup("forkd-cluster", GlobalEventExecutor.INSTANCE);
    /** Connections accepted but not yet in {@link #connections}: a drain waits for them too. */
    private final AtomicInteger registering = new AtomicInteger();
    private final AtomicBoolean closing = new AtomicBoolean();
    private final CompletableFuture<Void> closed = new CompletableFuture<>();
    private volatile NioServerSocketChannel listener; // SHARED, REUSEPORT
    private volatile Thread acceptLoop; // ROUND_ROBIN, LOAD_AWARE
    private volatile boolean draining;

    private ClusterAcceptor(ClusterServer server, EventLoopGroup group, ChannelHandler childHandler) {
        this.server = server;
        this.group = group;
        this.childHandler = childHandler;
    }

    static ClusterAcceptor start(ClusterServer server, EventLoopGroup group, ChannelHandler childHandler)
            throws IOException {
        Objects.requireNonNull(server, "server");
        Objects.requireNonNull(group, "group");
        Objects.requireNonNull(childHandler, "childHandler");
        if (!(group instanceof IoEventLoopGroup io) || !io.isCompatible(NioIoHandle.class)) {
            throw new IllegalArgumentException("the event loop group must run NIO channels, as a "
                    + "MultiThreadIoEventLoopGroup(NioIoHandler.newFactory()) does: " + group.getClass().getName());
        }
        if (childHandler instanceof ChannelHandlerAdapter a && !a.isSharable()) {
            throw new IllegalArgumentException("the child handler goes into every connection's pipeline: use a "
                    + "ChannelInitializer or a @Sharable handler, not " + childHandler.getClass().getName());
        }
        ClusterAcceptor acceptor = new ClusterAcceptor(server, group, childHandler);
        Optional<ServerSocketChannel> listening = server.serverChannel();
        if (listening.isPresent()) {
            acceptor.listenOn(listening.get());
        } else {
            acceptor.acceptLoop = Thread.ofVirtual().name("forkd-netty-accept-" + server.localAddress().getPort())
                    .start(acceptor::acceptHandedOver);
        }
        return acceptor;
    }

    private void listenOn(ServerSocketChannel socket) throws IOException {
        NioServerSocketChannel channel = new NioServerSocketChannel(socket);
        // In the pipeline before registration, so it is there when registration makes the channel active
        // and it starts accepting (a ServerBootstrap adds its acceptor in a task queued after that point).
        channel.pipeline().addLast(new Acceptor());
        listener = channel;
        var registered = group.register(channel).awaitUninterruptibly();
        if (!registered.isSuccess()) {
            // A failed registration closes the Netty channel, and with it the socket.
            throw new IOException("cannot serve " + server.localAddress() + " with Netty", registered.cause());
        }
    }

    /** Round robin: every connection the primary hands to this worker. Ends when the server is closed. */
    private void acceptHandedOver() {
        while (true) {
            SocketChannel socket;
            try {
                socket = server.accept();
            } catch (ClosedChannelException | java.io.InterruptedIOException e) {
                return;
            } catch (IOException e) {
                if (!server.isOpen()) return;
                LOG.log(System.Logger.Level.WARNING, "accept on " + server + " failed", e);
                sleep(100);
                continue;
            }
            NioSocketChannel child;
            try {
                child = new NioSocketChannel(null, socket);
            } catch (RuntimeException e) {
                LOG.log(System.Logger.Level.WARNING, "cannot make a Netty channel of " + socket, e);
                closeQuietly(socket);
                continue;
            }
            adopt(child);
        }
    }

    /** Gives an accepted connection its pipeline and an event loop. Any thread. */
    private void adopt(Channel child) {
        registering.incrementAndGet();
        try {
            child.pipeline().addLast(childHandler);
            group.register(child).addListener(f -> {
                try {
                    if (!f.isSuccess()) {
                        LOG.log(System.Logger.Level.WARNING, "cannot register " + child, f.cause());
                        child.unsafe().closeForcibly();
                        return;
                    }
                    connections.add(child);
                    // A drain that started before the add above did not see this connection: tell it here.
                    if (draining) child.pipeline().fireUserEventTriggered(DrainEvent.INSTANCE);
                } finally {
                    registering.decrementAndGet();
                }
            });
        } catch (RuntimeException e) {
            registering.decrementAndGet();
            LOG.log(System.Logger.Level.WARNING, "cannot set up " + child, e);
            child.unsafe().closeForcibly();
        }
    }

    /** The cluster port this acceptor serves. */
    public ClusterServer clusterServer() {
        return server;
    }

    /** The address clients connect to (the real port, also when 0 was asked for). */
    public InetSocketAddress localAddress() {
        return server.localAddress();
    }

    /** The Netty listener: present for SHARED and REUSEPORT, empty for the round robin policies. */
    public Optional<ServerChannel> serverChannel() {
        return Optional.ofNullable(listener);
    }

    /** Connections open right now. */
    public int openConnections() {
        return connections.size();
    }

    /** Completes once {@link #close()} (or the end of a drain) closed the port and every connection. */
    public CompletableFuture<Void> onClose() {
        return closed.copy();
    }

    /**
     * Stops gracefully: takes no new connection (the primary routes new ones to other workers; connections
     * it had already handed here are still served), fires {@link DrainEvent} through every connection, waits
     * until they have all closed (at most {@code timeout}), then {@link #close() closes} what is left.
     * Returns when it is done.
     *
     * @throws IllegalStateException when called on one of the group's event loop threads
     */
    public void drain(Duration timeout) {
        requireNotOnEventLoop();
        long deadline = System.nanoTime() + timeout.toNanos();
        draining = true;
        for (Channel c : connections) c.pipeline().fireUserEventTriggered(DrainEvent.INSTANCE);
        stopAccepting();
        while (System.nanoTime() < deadline && (!connections.isEmpty() || registering.get() > 0)
                && !Thread.currentThread().isInterrupted()) {
            sleep(10);
        }
        close();
    }

    /**
     * Closes the port and every connection now, without waiting for exchanges in progress. Idempotent; a
     * second call waits for the first to finish.
     *
     * @throws IllegalStateException when called on one of the group's event loop threads
     */
    @Override
    public void close() {
        requireNotOnEventLoop();
        if (!closing.compareAndSet(false, true)) {
            closed.join();
            return;
        }
        try {
            stopAccepting();
            connections.close().awaitUninterruptibly();
        } finally {
            closed.complete(null);
        }
    }

    private void stopAccepting() {
        NioServerSocketChannel l = listener;
        // The Netty listener first: its event loop deregisters the socket before closing it.
        if (l != null) l.close().awaitUninterruptibly();
        closeQuietly(server);
        Thread loop = acceptLoop;
        if (loop != null) {
            try {
                // accept() notices a closed server within 50 ms, after the connections already handed over.
                loop.join(Duration.ofSeconds(2));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private void requireNotOnEventLoop() {
        for (EventExecutor e : group) {
            if (e.inEventLoop()) {
                throw new IllegalStateException("drain() and close() block: call them off the event loop");
            }
        }
    }

    @Override
    public String toString() {
        return "ClusterAcceptor[" + server + ", " + connections.size() + " connections]";
    }

    /** In the Netty listener's pipeline: hands each accepted connection to {@link #adopt}. */
    private final class Acceptor extends ChannelInboundHandlerAdapter {
        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            adopt((Channel) msg);
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            LOG.log(System.Logger.Level.WARNING, "accept on " + server + " failed", cause);
            if (cause instanceof IOException && ctx.channel().isOpen()) {
                // EMFILE and friends: retrying at once would spin; pause accepting for a second, as Netty's
                // ServerBootstrap does.
                ctx.channel().config().setAutoRead(false);
                ctx.channel().eventLoop().schedule(() -> ctx.channel().config().setAutoRead(true), 1, TimeUnit.SECONDS);
            }
        }
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void closeQuietly(java.io.Closeable c) {
        try {
            c.close();
        } catch (IOException ignored) {
            // closing anyway
        }
    }
}
