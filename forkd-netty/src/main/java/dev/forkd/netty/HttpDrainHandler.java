package dev.forkd.netty;

import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpStatusClass;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.concurrent.ScheduledFuture;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * Ends an HTTP/1.1 connection cleanly when its worker drains ({@link DrainEvent}): a request in progress is
 * answered as usual but with {@code Connection: close}, and the connection closes once that response is
 * written; an idle keep-alive connection gets {@code idleGrace} to send one more request (answered the same
 * way), then closes. No request is refused: a drain loses nothing, unlike a server that answers 503.
 *
 * <p>Put one in every connection's pipeline, right after the {@code HttpServerCodec} (or after the
 * aggregator, if there is one), before the handlers that answer requests:
 *
 * {@snippet :
 * ForkdNetty.start(8080, new ChannelInitializer<SocketChannel>() {
 *     protected void initChannel(SocketChannel ch) {
 *         ch.pipeline().addLast(new HttpServerCodec(), new HttpDrainHandler(), new MyHttpHandler());
 *     }
 * });
 * }
 *
 * <p>Not {@code @Sharable}: it keeps the state of one connection. The drain event is passed on, so handlers
 * behind it see it too. Needs {@code io.netty:netty-codec-http}, which forkd-netty does not bring itself.
 */
public final class HttpDrainHandler extends ChannelDuplexHandler {
    private final long idleGraceNanos;
    // All state below is confined to the connection's event loop.
    private int inflight; // requests read whose response is not completely written
    private boolean informational; // writing a 1xx response, whose end is not the end of the exchange
    private boolean draining;
    private ScheduledFuture<?> idleClose;

    /** With half a second for an idle connection's next request. */
    public HttpDrainHandler() {
        this(Duration.ofMillis(500));
    }

    public HttpDrainHandler(Duration idleGrace) {
        if (idleGrace.isNegative()) throw new IllegalArgumentException("negative idle grace: " + idleGrace);
        this.idleGraceNanos = idleGrace.toNanos();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) throws Exception {
        if (msg instanceof HttpRequest) {
            inflight++;
            cancelIdleClose();
        }
        super.channelRead(ctx, msg);
    }

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) throws Exception {
        if (msg instanceof HttpResponse response) {
            informational = response.status().codeClass() == HttpStatusClass.INFORMATIONAL;
            if (draining && !informational) HttpUtil.setKeepAlive(response, false);
        }
        boolean endOfExchange = false;
        if (msg instanceof LastHttpContent) {
            if (informational) {
                informational = false; // 100 Continue: the real response follows
            } else {
                inflight = Math.max(0, inflight - 1);
                endOfExchange = true;
            }
        }
        if (endOfExchange && draining && inflight == 0) {
            ctx.write(msg, promise.unvoid()).addListener(ChannelFutureListener.CLOSE);
        } else {
            ctx.write(msg, promise);
        }
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
        if (evt == DrainEvent.INSTANCE && !draining) {
            draining = true;
            if (inflight == 0) scheduleIdleClose(ctx);
        }
        super.userEventTriggered(ctx, evt);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        cancelIdleClose();
        super.channelInactive(ctx);
    }

    private void scheduleIdleClose(ChannelHandlerContext ctx) {
        idleClose = ctx.executor().schedule(() -> {
            if (inflight == 0) ctx.close();
        }, idleGraceNanos, TimeUnit.NANOSECONDS);
    }

    private void cancelIdleClose() {
        if (idleClose != null) {
            idleClose.cancel(false);
            idleClose = null;
        }
    }
}
