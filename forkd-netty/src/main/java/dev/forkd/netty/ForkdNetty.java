package dev.forkd.netty;

import dev.forkd.cluster.Cluster;
import dev.forkd.cluster.ClusterServer;
import dev.forkd.cluster.WorkerContext;
import io.netty.channel.ChannelHandler;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * A Netty server on a forkd cluster port in one call.
 *
 * <p>{@link #start} is for a cluster worker: it listens on the port, serves it, and drains when the primary
 * asks the worker to stop (reload, shutdown): no new connections, {@link DrainEvent} to every open one (with
 * {@link HttpDrainHandler} in the pipeline, HTTP clients get their current response with
 * {@code Connection: close}), a bounded wait for them to close, then the rest is closed. A reload therefore
 * drops nothing. {@link #serve} only connects a {@link ClusterServer} to Netty; stopping is the caller's.
 *
 * {@snippet :
 * ClusterAcceptor acceptor = ForkdNetty.start(8080, new ChannelInitializer<SocketChannel>() {
 *     protected void initChannel(SocketChannel ch) {
 *         ch.pipeline().addLast(new HttpServerCodec(), new HttpDrainHandler(), new MyHttpHandler());
 *     }
 * });
 * acceptor.onClose().join();
 * }
 *
 * <p>The child handler is what {@code ServerBootstrap.childHandler} would take: a {@code ChannelInitializer}
 * or another {@code @Sharable} handler. Socket options of the connections are set there
 * ({@code ch.config()}); there is no {@code childOption}.
 */
public final class ForkdNetty {
    private ForkdNetty() {}

    /**
     * Serves {@code server} with Netty: its connections are registered on {@code group}, each with
     * {@code childHandler} in its pipeline. Returns once connections are being taken.
     *
     * @param group an NIO group, such as {@code new MultiThreadIoEventLoopGroup(NioIoHandler.newFactory())}
     *              (or the deprecated {@code NioEventLoopGroup}); it stays the caller's to shut down
     * @return the acceptor, which now owns {@code server}: closing it closes the server
     * @throws IllegalArgumentException if the group does not run NIO channels or the handler is not sharable
     * @throws IOException if Netty cannot register the listening socket
     */
    public static ClusterAcceptor serve(ClusterServer server, EventLoopGroup group, ChannelHandler childHandler)
            throws IOException {
        return ClusterAcceptor.start(server, group, childHandler);
    }

    /**
     * Serves cluster port {@code port} (all interfaces) on an event loop group of its own, which is shut down
     * when the acceptor closes; drains for at most 10 s when the worker is asked to stop.
     *
     * @throws IllegalStateException if this JVM is not a cluster worker
     * @throws java.net.BindException if the port cannot be bound
     */
    public static ClusterAcceptor start(int port, ChannelHandler childHandler) throws IOException {
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(NioIoHandler.newFactory());
        try {
            ClusterAcceptor acceptor = start(new InetSocketAddress(port), group, childHandler, Duration.ofSeconds(10));
            acceptor.onClose().whenComplete((ok, failure) -> group.shutdownGracefully(0, 2, TimeUnit.SECONDS));
            return acceptor;
        } catch (IOException | RuntimeException e) {
            group.shutdownGracefully(0, 2, TimeUnit.SECONDS);
            throw e;
        }
    }

    /**
     * Serves a cluster port on {@code group} and drains, for at most {@code drainTimeout}, when the primary
     * asks this worker to stop. The worker exits after its disconnect hooks, so the drain is the last thing
     * the connections see; the group stays the caller's.
     *
     * @throws IllegalStateException if this JVM is not a cluster worker
     * @throws java.net.BindException if the port cannot be bound
     * @throws IllegalArgumentException as {@link #serve} does
     */
    public static ClusterAcceptor start(InetSocketAddress address, EventLoopGroup group, ChannelHandler childHandler,
                                        Duration drainTimeout) throws IOException {
        WorkerContext worker = Cluster.worker().orElseThrow(() ->
                new IllegalStateException("not a cluster worker: fork this JVM with Cluster.fork()"));
        ClusterServer server = worker.listen(address);
        ClusterAcceptor acceptor;
        try {
            acceptor = serve(server, group, childHandler);
        } catch (IOException | RuntimeException e) {
            server.close();
            throw e;
        }
        worker.onDisconnect(() -> acceptor.drain(drainTimeout));
        return acceptor;
    }
}
