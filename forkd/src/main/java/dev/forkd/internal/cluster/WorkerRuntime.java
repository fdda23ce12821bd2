package dev.forkd.internal.cluster;

import dev.forkd.internal.io.LazyLogger;
import dev.forkd.cluster.ClusterServer;
import dev.forkd.cluster.SchedulingPolicy;
import dev.forkd.cluster.WorkerContext;
import dev.forkd.internal.ipc.IpcChannel;
import dev.forkd.internal.ipc.ParentChannel;
import dev.forkd.ipc.Channel;
import dev.forkd.ipc.Handle;
import java.io.IOException;
import java.net.BindException;
import java.net.Inet6Address;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * The worker's side of the cluster protocol. Started by the first {@code Cluster.worker()} call: says
 * 'online', turns listen() into queryServer, takes handed-over connections, and exits when the primary asks
 * it to stop (after closing its ports and running the disconnect hooks) or when the primary is gone.
 */
public final class WorkerRuntime implements WorkerContext {
    private static final System.Logger LOG = LazyLogger.of("dev.forkd.cluster");
    private static Optional<WorkerContext> instance;

    private record Reply(JsonNode message, Optional<Handle> handle) {}

    private final int id;
    /**
     * The channel to the primary, once attached to forkd's event loop and announced ("online"). Attaching runs
     * in the background from the first {@link #get()}, so that it overlaps the server's start-up (Jetty's takes
     * ~0.3 s of class loading here); {@link #listen} and the like wait for it.
     */
    private final CompletableFuture<IpcChannel> channel;
    /** The same channel as {@link Channel#parent()} returns it (sends before the loop is up). */
    private final Channel userChannel;
    private final AtomicLong seq = new AtomicLong();
    private final Map<Long, CompletableFuture<Reply>> replies = new ConcurrentHashMap<>();
    private final Map<String, ClusterServerImpl> servers = new ConcurrentHashMap<>();
    private final List<Runnable> hooks = new CopyOnWriteArrayList<>();
    private final AtomicInteger busy = new AtomicInteger();
    private volatile boolean stopping;

    private WorkerRuntime(int id, CompletableFuture<IpcChannel> attaching, Channel userChannel) {
        this.id = id;
        this.userChannel = userChannel;
        this.channel = attaching.thenApply(this::start); // last: start may run right here if already attached
    }

    /** The worker context when this JVM is a cluster worker; started on first call. */
    public static synchronized Optional<WorkerContext> get() {
        if (instance != null) return instance;
        String idText = System.getenv(Protocol.WORKER_ID_VARIABLE);
        Optional<CompletableFuture<IpcChannel>> ch = idText == null ? Optional.empty() : ParentChannel.attaching();
        if (ch.isEmpty()) {
            instance = Optional.empty();
            return instance;
        }
        instance = Optional.of(new WorkerRuntime(Integer.parseInt(idText.trim()), ch.get(), Channel.parent().orElseThrow()));
        return instance;
    }

    /** Runs once the channel is attached, before anyone else may use it. */
    private IpcChannel start(IpcChannel ch) {
        ch.onInternalMessage(this::onInternal);
        ch.onDisconnect().thenRun(this::onChannelClosed);
        // "forkd": this worker's channel accepts pipelined handles (Node's primary ignores the field).
        send(ch, Protocol.message("online").put("forkd", 1));
        return ch;
    }

    /** The attached channel; waits for the attachment and rethrows its failure. */
    private IpcChannel ipc() {
        try {
            return channel.join();
        } catch (CompletionException e) {
            if (e.getCause() instanceof RuntimeException re) throw re;
            throw e;
        }
    }

    private long send(ObjectNode m) {
        return send(ipc(), m);
    }

    private long send(IpcChannel ch, ObjectNode m) {
        long s = seq.getAndIncrement();
        m.put("seq", s);
        ch.sendInternal(m);
        return s;
    }

    @Override
    public int id() {
        return id;
    }

    @Override
    public Channel channel() {
        return userChannel;
    }

    @Override
    public ClusterServer listen(InetSocketAddress address) throws IOException {
        if (stopping) throw new IllegalStateException("this worker is stopping");
        boolean wildcard = address.getAddress() == null || address.getAddress().isAnyLocalAddress();
        String host = wildcard ? null : address.getAddress().getHostAddress();
        int addressType = address.getAddress() instanceof Inet6Address ? 6 : 4;
        String key = Protocol.key(host, address.getPort(), addressType);
        if (servers.containsKey(key)) throw new BindException("this worker already listens on " + address);
        ObjectNode q = Protocol.message("queryServer").put("index", 0);
        q.putNull("data");
        if (host == null) q.putNull("address");
        else q.put("address", host);
        q.put("port", address.getPort()).put("addressType", addressType).put("flags", 0).put("backlog", 511);
        long s = seq.getAndIncrement();
        q.put("seq", s);
        CompletableFuture<Reply> pending = new CompletableFuture<>();
        replies.put(s, pending);
        ipc().sendInternal(q);
        Reply reply;
        try {
            reply = pending.get(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new java.io.InterruptedIOException("interrupted while asking the primary for " + address);
        } catch (ExecutionException | TimeoutException e) {
            throw new IOException("the primary did not answer the listen request for " + address, e);
        } finally {
            replies.remove(s);
        }
        JsonNode r = reply.message();
        if (r.hasNonNull("errno") && r.get("errno").asInt() != 0) {
            throw new BindException("cannot listen on " + address + ": " + r.path("error").asString(
                    "the primary reported errno " + r.get("errno").asInt()));
        }
        SchedulingPolicy policy = r.has("policy") ? SchedulingPolicy.valueOf(r.get("policy").asString())
                : reply.handle().isPresent() ? SchedulingPolicy.SHARED : SchedulingPolicy.ROUND_ROBIN;
        // The primary's key names the port from now on (newconn, close): a port it serves with a listener
        // it was given may answer to several addresses a worker can ask for.
        key = r.path("key").isString() ? r.get("key").stringValue() : key;
        ClusterServerImpl server;
        if (reply.handle().isPresent()) {
            ServerSocketChannel shared = ((Handle.Server) reply.handle().get()).channel();
            server = new ClusterServerImpl(key, policy, (InetSocketAddress) shared.getLocalAddress(), shared, this);
        } else if (r.path("reuseport").asBoolean(false)) {
            InetSocketAddress bindTo = new InetSocketAddress(address.getAddress(), r.get("sockname").get("port").asInt());
            ServerSocketChannel own = ServerSocketChannel.open();
            try {
                own.setOption(StandardSocketOptions.SO_REUSEADDR, true);
                own.setOption(StandardSocketOptions.SO_REUSEPORT, true);
                own.bind(bindTo, 511);
            } catch (IOException e) {
                own.close();
                throw e;
            }
            server = new ClusterServerImpl(key, policy, (InetSocketAddress) own.getLocalAddress(), own, this);
        } else {
            JsonNode sn = r.get("sockname");
            InetSocketAddress actual = new InetSocketAddress(address.getAddress(), sn.path("port").asInt());
            server = new ClusterServerImpl(key, policy, actual, null, this);
        }
        servers.put(key, server);
        ObjectNode listening = Protocol.message("listening").put("index", 0);
        listening.putNull("data");
        if (host == null) listening.putNull("address");
        else listening.put("address", host);
        listening.put("port", server.localAddress().getPort()).put("addressType", addressType).put("flags", 0);
        send(listening);
        return server;
    }

    /** A server was closed by the user: the primary stops sending its connections here. */
    void closed(ClusterServerImpl server) {
        servers.remove(server.key());
        if (!stopping) send(Protocol.message("close").put("key", server.key()));
    }

    @Override
    public Busy busy() {
        if (busy.getAndIncrement() == 0) send(Protocol.message("load").put("busy", true));
        return new Busy() {
            private boolean closed;

            @Override
            public void close() {
                if (closed) return;
                closed = true;
                if (busy.decrementAndGet() == 0) send(Protocol.message("load").put("busy", false));
            }
        };
    }

    @Override
    public void onDisconnect(Runnable hook) {
        hooks.add(hook);
    }

    // ------------------------------------------------------------------ protocol (loop thread)

    private void onInternal(JsonNode m, Optional<Handle> handle) {
        if (!Protocol.isCluster(m)) return;
        if (m.has("ack")) {
            CompletableFuture<Reply> r = replies.get(m.get("ack").asLong());
            if (r != null) {
                r.complete(new Reply(m, handle));
                return;
            }
        }
        switch (Protocol.act(m)) {
            case "newconn" -> {
                ClusterServerImpl server = servers.get(m.path("key").asString(""));
                boolean accepted = false;
                if (handle.isPresent() && handle.get() instanceof Handle.Socket(SocketChannel c)) {
                    accepted = server != null && !stopping && server.offer(c);
                    if (!accepted) closeQuietly(c);
                }
                ObjectNode reply = Protocol.message(null).put("ack", m.path("seq").asLong()).put("accepted", accepted);
                send(reply);
            }
            case "disconnect" -> Thread.ofVirtual().name("forkd-worker-stop").start(this::stopRequested);
            default -> LOG.log(System.Logger.Level.DEBUG, "unknown cluster message " + m);
        }
    }

    /** The primary asked this worker to stop: finish what was handed over, close, run hooks, exit. */
    private void stopRequested() {
        stopping = true;
        // Connections already handed over were promised to this worker: let the accept loops take them.
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(2);
        for (ClusterServerImpl s : servers.values()) {
            while (!s.drained() && System.nanoTime() < deadline) sleep(5);
        }
        // Hooks first: a server adapter stops its own listener in its own way (Netty on its event loop, Jetty
        // after Connection: close drains); whatever is still open afterwards is closed here.
        for (Runnable hook : hooks) {
            try {
                hook.run();
            } catch (Throwable t) {
                LOG.log(System.Logger.Level.ERROR, "worker disconnect hook failed", t);
            }
        }
        for (ClusterServerImpl s : List.copyOf(servers.values())) closeQuietly(s);
        ipc().disconnect();
        System.exit(0);
    }

    /** The channel closed without a stop request: the primary is gone. Workers never outlive it. */
    private void onChannelClosed() {
        if (stopping) return;
        stopping = true;
        LOG.log(System.Logger.Level.WARNING, "worker " + id + ": the primary is gone; exiting");
        Thread.ofPlatform().name("forkd-worker-exit").start(() -> System.exit(0));
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
            // closing
        }
    }
}
