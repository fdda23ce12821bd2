package dev.forkd.netty;

import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.SimpleChannelInboundHandler;
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
import io.netty.handler.codec.http.QueryStringDecoder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** A Netty worker for the tests: answers every request with this JVM's pid; {@code /slow?ms=N} waits first. */
public final class NettyWorker {
    public static void main(String[] args) throws Exception {
        ClusterAcceptor acceptor = ForkdNetty.start(Integer.parseInt(args[0]), new ChannelInitializer<SocketChannel>() {
            @Override
            protected void initChannel(SocketChannel ch) {
                ch.pipeline().addLast(new HttpServerCodec(), new HttpDrainHandler(), new PidHandler());
            }
        });
        acceptor.onClose().join();
    }

    static final class PidHandler extends SimpleChannelInboundHandler<HttpObject> {
        private static final long PID = ProcessHandle.current().pid();
        private HttpRequest request;

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, HttpObject msg) {
            if (msg instanceof HttpRequest r) request = r;
            if (!(msg instanceof LastHttpContent) || request == null) return;
            HttpRequest answered = request;
            request = null;
            long delay = new QueryStringDecoder(answered.uri()).parameters()
                    .getOrDefault("ms", List.of("0")).stream().mapToLong(Long::parseLong).findFirst().orElse(0);
            if (delay > 0) {
                ctx.executor().schedule(() -> respond(ctx, answered), delay, TimeUnit.MILLISECONDS);
            } else {
                respond(ctx, answered);
            }
        }

        private static void respond(ChannelHandlerContext ctx, HttpRequest request) {
            FullHttpResponse response = new DefaultFullHttpResponse(request.protocolVersion(), HttpResponseStatus.OK,
                    Unpooled.copiedBuffer("pid " + PID + "\n", StandardCharsets.UTF_8));
            response.headers().set(HttpHeaderNames.CONTENT_TYPE, "text/plain; charset=utf-8");
            HttpUtil.setContentLength(response, response.content().readableBytes());
            boolean keepAlive = HttpUtil.isKeepAlive(request);
            HttpUtil.setKeepAlive(response, keepAlive);
            var written = ctx.writeAndFlush(response);
            if (!keepAlive) written.addListener(ChannelFutureListener.CLOSE);
        }
    }
}
