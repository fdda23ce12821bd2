package dev.forkd.spring;

import io.netty.channel.Channel;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.socket.ServerSocketChannel;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import reactor.core.publisher.Mono;
import reactor.netty.resources.LoopResources;

/**
 * Reactor Netty's loop resources, with the server channel made by forkd: a {@link ForkdServerChannel} on the
 * {@link ForkdPort}. Event loops are the delegate's NIO ones (the forkd channel is an NIO channel: epoll or
 * io_uring loops cannot run it); clients made from the same resources are untouched.
 */
final class ForkdLoopResources implements LoopResources {
    private final LoopResources delegate;
    private final ForkdPort port;
    private final AtomicInteger children;

    ForkdLoopResources(LoopResources delegate, ForkdPort port, AtomicInteger children) {
        this.delegate = delegate;
        this.port = port;
        this.children = children;
    }

    @Override
    public <C extends Channel> C onChannel(Class<C> channelType, EventLoopGroup group) {
        if (channelType == ServerSocketChannel.class) return channelType.cast(new ForkdServerChannel(port, children));
        return delegate.onChannel(channelType, group);
    }

    @Override
    public <C extends Channel> Class<? extends C> onChannelClass(Class<C> channelType, EventLoopGroup group) {
        if (channelType == ServerSocketChannel.class) return ForkdServerChannel.class.asSubclass(channelType);
        return delegate.onChannelClass(channelType, group);
    }

    @Override
    public EventLoopGroup onServer(boolean useNative) {
        return delegate.onServer(false);
    }

    @Override
    public EventLoopGroup onServerSelect(boolean useNative) {
        return delegate.onServerSelect(false);
    }

    @Override
    public EventLoopGroup onClient(boolean useNative) {
        return delegate.onClient(useNative);
    }

    @Override
    public boolean daemon() {
        return delegate.daemon();
    }

    @Override
    public void dispose() {
        // the delegate is Boot's (or Reactor Netty's global) resources: theirs to dispose
    }

    @Override
    public Mono<Void> disposeLater(Duration quietPeriod, Duration timeout) {
        return Mono.empty();
    }
}
