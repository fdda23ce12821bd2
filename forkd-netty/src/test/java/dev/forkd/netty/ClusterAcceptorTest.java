package dev.forkd.netty;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.forkd.cluster.ClusterServer;
import dev.forkd.cluster.SchedulingPolicy;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.DefaultEventLoopGroup;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The acceptor in one JVM, on a stand-in for a worker's cluster server that is backed by a real loopback
 * listener: SHARED hands Netty the listener, ROUND_ROBIN hands over what {@code accept()} returns.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class ClusterAcceptorTest {
    private final EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());

    @AfterEach
    void shutDown() {
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }

    /** Echoes bytes; closes on {@link DrainEvent}. */
    @ChannelHandler.Sharable
    static final class Echo extends ChannelInboundHandlerAdapter {
        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ctx.writeAndFlush((ByteBuf) msg);
        }

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
            if (evt == DrainEvent.INSTANCE) ctx.close();
        }
    }

    @ParameterizedTest
    @EnumSource(value = SchedulingPolicy.class, names = {"SHARED", "ROUND_ROBIN"})
    void servesConnectionsAndDrainEndsThem(SchedulingPolicy policy) throws Exception {
        LoopbackServer server = new LoopbackServer(policy);
        ClusterAcceptor acceptor = ForkdNetty.serve(server, group, new Echo());
        assertThat(acceptor.serverChannel().isPresent()).isEqualTo(policy == SchedulingPolicy.SHARED);
        try (Socket client = new Socket(InetAddress.getLoopbackAddress(), server.localAddress().getPort())) {
            client.getOutputStream().write("ping".getBytes());
            assertThat(client.getInputStream().readNBytes(4)).isEqualTo("ping".getBytes());
            acceptor.drain(Duration.ofSeconds(5));
            assertThat(client.getInputStream().read()).as("end of stream after the drain").isEqualTo(-1);
        }
        assertThat(server.isOpen()).isFalse();
        assertThat(acceptor.openConnections()).isZero();
        assertThat(acceptor.onClose()).isDone();
    }

    @Test
    void closeEndsConnectionsThatIgnoreTheDrain() throws Exception {
        LoopbackServer server = new LoopbackServer(SchedulingPolicy.ROUND_ROBIN);
        ClusterAcceptor acceptor = ForkdNetty.serve(server, group, new ChannelInboundHandlerAdapter() {
            @Override
            public boolean isSharable() {
                return true;
            }
        });
        try (Socket client = new Socket(InetAddress.getLoopbackAddress(), server.localAddress().getPort())) {
            while (acceptor.openConnections() == 0) Thread.sleep(5);
            long start = System.nanoTime();
            acceptor.drain(Duration.ofMillis(300));
            assertThat(System.nanoTime() - start).as("the drain waited its timeout").isGreaterThan(250_000_000L);
            assertThat(client.getInputStream().read()).as("closed when the drain timed out").isEqualTo(-1);
        }
        acceptor.close(); // idempotent
    }

    @Test
    void rejectsAGroupThatDoesNotRunNioChannels() throws Exception {
        EventLoopGroup local = new DefaultEventLoopGroup(1);
        try (LoopbackServer server = new LoopbackServer(SchedulingPolicy.SHARED)) {
            assertThatThrownBy(() -> ForkdNetty.serve(server, local, new Echo()))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("NIO");
        } finally {
            local.shutdownGracefully(0, 1, TimeUnit.SECONDS);
        }
    }

    @Test
    void rejectsAChildHandlerThatCannotBeShared() throws Exception {
        try (LoopbackServer server = new LoopbackServer(SchedulingPolicy.SHARED)) {
            assertThatThrownBy(() -> ForkdNetty.serve(server, group, new ChannelInboundHandlerAdapter()))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("@Sharable");
        }
    }

    /** A cluster server without a cluster: a loopback listener, shared or accepted on for the acceptor. */
    static final class LoopbackServer implements ClusterServer {
        private final SchedulingPolicy policy;
        private final ServerSocketChannel listener;

        LoopbackServer(SchedulingPolicy policy) throws IOException {
            this.policy = policy;
            this.listener = ServerSocketChannel.open().bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        }

        @Override
        public SocketChannel accept() throws IOException {
            return listener.accept(); // closing the listener ends it with AsynchronousCloseException
        }

        @Override
        public Optional<ServerSocketChannel> serverChannel() {
            return policy == SchedulingPolicy.SHARED ? Optional.of(listener) : Optional.empty();
        }

        @Override
        public InetSocketAddress localAddress() {
            try {
                return (InetSocketAddress) listener.getLocalAddress();
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }

        @Override
        public SchedulingPolicy policy() {
            return policy;
        }

        @Override
        public boolean isOpen() {
            return listener.isOpen();
        }

        @Override
        public void close() throws IOException {
            listener.close();
        }
    }
}
