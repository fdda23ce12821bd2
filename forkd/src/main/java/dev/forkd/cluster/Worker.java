package dev.forkd.cluster;

import dev.forkd.ChildProcess;
import dev.forkd.ExitStatus;
import dev.forkd.Signal;
import dev.forkd.ipc.Message;
import dev.forkd.ipc.Subscription;
import java.nio.channels.SelectableChannel;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;

/**
 * A worker process (a forkd JVM, or any command such as a Node app) as the primary sees it: Node's
 * {@code cluster.Worker}.
 */
public interface Worker {
    /** The worker's id: 1, 2, ... in fork order; a respawned worker gets a new id. */
    int id();

    /** The worker's process. */
    ChildProcess process();

    /** Sends a message to the worker's {@code Channel.parent()}. */
    CompletableFuture<Void> send(Object message);

    /** Sends a message with a socket handle. */
    CompletableFuture<Void> send(Object message, SelectableChannel handle);

    /** Messages from the worker's user code. */
    Subscription onMessage(Consumer<Message> listener);

    /** SIGTERM to the worker (Node's {@code worker.kill()}); see {@link #kill(Signal)}. */
    boolean kill();

    /** Sends {@code signal} to the worker process. A worker killed this way is respawned by the restart policy. */
    boolean kill(Signal signal);

    /**
     * Asks the worker to stop: it closes its listening sockets, finishes what it is doing and exits; after the
     * cluster's shutdown grace it is killed. It is not respawned. Completes when it has exited.
     */
    CompletableFuture<ExitStatus> disconnect();

    /** True once the worker process has exited. */
    boolean isDead();

    /** True while the IPC channel to the worker is open. */
    boolean isConnected();

    /** True if the worker exited (or is exiting) because it was asked to: disconnect, reload, shutdown. */
    boolean exitedAfterDisconnect();
}
