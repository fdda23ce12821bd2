package dev.forkd.bench.cluster;

import dev.forkd.ForkOptions;
import dev.forkd.cluster.Cluster;
import dev.forkd.cluster.ClusterEvent;
import dev.forkd.cluster.ClusterSettings;
import dev.forkd.cluster.SchedulingPolicy;
import dev.forkd.netty.ClusterAcceptor;
import dev.forkd.netty.ForkdNetty;
import dev.forkd.netty.HttpDrainHandler;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.LastHttpContent;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.CountDownLatch;

/**
 * The cluster hello-world on Netty 4.2 workers (forkd-netty) instead of the demo's Jetty: {@code /} answers
 * {@code Handled by process <pid>}, like the demo and {@code node/cluster.js}. Used by {@code run-cluster.sh}
 * as the {@code forkd-netty-<policy>} implementations.
 *
 * <p>{@code java -cp forkd-bench.jar dev.forkd.bench.cluster.NettyHello PORT [WORKERS [POLICY [LOOP_THREADS]]]}
 */
public final class NettyHello {
    private NettyHello() {}

    public static void main(String[] args) throws Exception {
        int port = Integer.parseInt(args[0]);
        if (Cluster.isWorker()) {
            worker(port, Integer.parseInt(args[1]));
            return;
        }
        int workers = args.length > 1 ? Integer.parseInt(args[1]) : 2;
        SchedulingPolicy policy = SchedulingPolicy.valueOf((args.length > 2 ? args[2] : "load_aware")
                .toUpperCase(Locale.ROOT).replace('-', '_'));
        int threads = args.length > 3 ? Integer.parseInt(args[3]) : 1;
        Cluster cluster = Cluster.setupPrimary(ClusterSettings.of(
                        ForkOptions.of(NettyHello.class.getName(), Integer.toString(port), Integer.toString(threads))
                                .execArgv("-XX:+UseSerialGC", "-Xms64m", "-Xmx256m",
                                        // a benchmark server: no sampling of buffers for leak reports
                                        "-Dio.netty.leakDetection.level=disabled"))
                .workers(workers).schedulingPolicy(policy).shutdownGrace(Duration.ofSeconds(10)));
        int[] listening = {0};
        cluster.onEvent(e -> {
            if (e instanceof ClusterEvent.Listening && ++listening[0] == workers) {
                System.out.printf("netty cluster: %d workers, policy %s, port %d, %d loop thread(s) each%n",
                        workers, policy, port, threads);
                System.out.flush();
            }
        });
        cluster.start();
        new CountDownLatch(1).await();
    }

    private static void worker(int port, int threads) throws Exception {
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(threads, NioIoHandler.newFactory());
        ChannelHandler hello = new Hello();
        ClusterAcceptor acceptor = ForkdNetty.start(new InetSocketAddress(port), group, new ChannelInitializer<SocketChannel>() {
            @Override
            protected void initChannel(SocketChannel ch) {
                ch.pipeline().addLast(new HttpServerCodec(), new HttpDrainHandler(), hello);
            }
        }, Duration.ofSeconds(10));
        acceptor.onClose().join();
        group.shutdownGracefully();
    }

    @ChannelHandler.Sharable
    static final class Hello extends SimpleChannelInboundHandler<HttpObject> {
        private static final byte[] BODY = ("Handled by process " + ProcessHandle.current().pid() + "\n")
                .getBytes(StandardCharsets.UTF_8);

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, HttpObject msg) {
            if (msg instanceof HttpRequest r) ctx.channel().attr(KEY).set(r);
            if (!(msg instanceof LastHttpContent)) return;
            HttpRequest request = ctx.channel().attr(KEY).getAndSet(null);
            if (request == null) return;
            ByteBuf body = Unpooled.wrappedBuffer(BODY);
            FullHttpResponse response = new DefaultFullHttpResponse(request.protocolVersion(), HttpResponseStatus.OK, body);
            response.headers().set(HttpHeaderNames.CONTENT_TYPE, "text/plain; charset=utf-8");
            HttpUtil.setContentLength(response, BODY.length);
            boolean keepAlive = HttpUtil.isKeepAlive(request);
            HttpUtil.setKeepAlive(response, keepAlive);
            var written = ctx.writeAndFlush(response);
            if (!keepAlive) written.addListener(ChannelFutureListener.CLOSE);
        }

        private static final io.netty.util.AttributeKey<HttpRequest> KEY = io.netty.util.AttributeKey.valueOf("request");
    }
}
