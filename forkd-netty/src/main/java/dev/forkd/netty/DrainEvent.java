package dev.forkd.netty;

/**
 * The user event {@link ClusterAcceptor#drain(java.time.Duration)} fires through the pipeline of every open
 * connection (and of every connection it still takes afterwards): this worker is stopping, so finish the
 * exchange in progress and close the connection. The client's next connection goes to another worker.
 *
 * <p>{@link HttpDrainHandler} does this for HTTP/1.1; a handler of another protocol reacts to it in
 * {@code userEventTriggered}. A connection whose pipeline ignores it stays open until its peer closes it
 * or the drain times out. It may arrive more than once on one connection; treat it as idempotent.
 */
public enum DrainEvent {
    INSTANCE
}
