package dev.forkd.spring;

import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.List;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The server channel Reactor Netty binds when the app serves a {@link ForkdPort}: it is what
 * {@link ForkdLoopResources#onChannel} makes in place of an {@code NioServerSocketChannel}, Reactor Netty's one
 * hook for the server channel's creation (it has none that adopts a bound socket). Its bind binds nothing;
 * a virtual thread takes connections from the port and fires each into the pipeline as a child
 * {@link NioSocketChannel}, where Reactor Netty's acceptor registers it on the child event loops as it would
 * an accepted one. Reads follow Netty's rules: one connection per {@code read()}, so {@code autoRead=false}
 * (Reactor Netty's back-pressure on accept) holds connections back.
 *
 * <p>The JDK channel under the Netty one is an unbound placeholder, registered with the selector for no
 * events: the socket that connections come from (if there is one) stays in blocking mode in the port.
 */
final class ForkdServerChannel extends NioServerSocketChannel {
    private static final System.Logger LOG = System.getLogger("dev.forkd.spring");

    private final ForkdPort port;
    private final AtomicInteger children;
    private final Object reads = new Object();
    private boolean readRequested; // guarded by reads
    private volatile boolean bound;
    private volatile Thread acceptor;

    ForkdServerChannel(ForkdPort port, AtomicInteger children) {
        super(placeholder());
        this.port = port;
        this.children = children;
    }

    private static ServerSocketChannel placeholder() {
        try {
            return ServerSocketChannel.open();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @Override
    public boolean isActive() {
        return isOpen() && bound;
    }

    @Override
    protected SocketAddress localAddress0() {
        return port.localAddress();
    }

    @Override
    public InetSocketAddress localAddress() {
        return port.localAddress();
    }

    @Override
    protected void doBind(SocketAddress localAddress) {
        bound = true;
        acceptor = Thread.ofVirtual().name("forkd-netty-accept").start(this::acceptLoop);
    }

    @Override
    protected void doBeginRead() {
        synchronized (reads) {
            readRequested = true;
            reads.notifyAll();
        }
    }

    @Override
    protected int doReadMessages(List<Object> buf) {
        return 0; // the placeholder is never selected: connections arrive through acceptLoop
    }

    @Override
    protected void doClose() throws Exception {
        bound = false;
        port.refuse();
        port.wakeup();
        Thread t = acceptor;
        if (t != null) t.interrupt();
        super.doClose();
    }

    private void acceptLoop() {
        while (isOpen()) {
            synchronized (reads) {
                while (!readRequested && isOpen()) {
                    try {
                        reads.wait(100);
                    } catch (InterruptedException e) {
                        if (!isOpen()) return;
                    }
                }
                readRequested = false;
            }
            SocketChannel c;
            try {
                c = port.accept();
            } catch (ClosedChannelException e) {
                return;
            } catch (IOException e) {
                LOG.log(System.Logger.Level.WARNING, "accept on " + port + " failed", e);
                doBeginRead(); // try again after a pause
                sleep();
                continue;
            }
            if (c == null) {
                doBeginRead(); // woken: look at the state again
                continue;
            }
            deliver(c);
        }
    }

    private void deliver(SocketChannel c) {
        try {
            eventLoop().execute(() -> {
                NioSocketChannel child;
                try {
                    child = new NioSocketChannel(this, c);
                } catch (RuntimeException e) {
                    LOG.log(System.Logger.Level.WARNING, "cannot make a Netty channel of " + c, e);
                    closeQuietly(c);
                    doBeginRead();
                    return;
                }
                children.incrementAndGet();
                child.closeFuture().addListener(f -> children.decrementAndGet());
                pipeline().fireChannelRead(child);
                pipeline().fireChannelReadComplete(); // with autoRead, Netty asks for the next read here
            });
        } catch (RejectedExecutionException e) {
            closeQuietly(c); // the event loop is shutting down
        }
    }

    private static void sleep() {
        try {
            Thread.sleep(100);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void closeQuietly(SocketChannel c) {
        try {
            c.close();
        } catch (IOException ignored) {
            // dropping it
        }
    }
}
