package dev.forkd.cluster;

import dev.forkd.ExitStatus;
import dev.forkd.ipc.Message;
import java.net.InetSocketAddress;
import java.time.Duration;

/**
 * What happens in a cluster, in Node's order for each worker: {@link Forked}, {@link Online},
 * {@link Listening}, {@link Disconnected}, {@link Exited}; plus forkd's {@link Respawning} and {@link GaveUp}.
 */
public sealed interface ClusterEvent {
    /** The worker concerned (for {@link GaveUp}: the last one that died). */
    Worker worker();

    /** The worker JVM was started. */
    record Forked(Worker worker) implements ClusterEvent {}

    /** The worker's runtime is up and talking to the primary. */
    record Online(Worker worker) implements ClusterEvent {}

    /** The worker listens on {@code address} (the real port, also for port 0). */
    record Listening(Worker worker, InetSocketAddress address) implements ClusterEvent {}

    /** The worker's IPC channel closed. */
    record Disconnected(Worker worker) implements ClusterEvent {}

    /** The worker exited. */
    record Exited(Worker worker, ExitStatus status) implements ClusterEvent {}

    /** A message from the worker's user code. */
    record MessageReceived(Worker worker, Message message) implements ClusterEvent {}

    /** The worker died unasked; a replacement is forked after {@code delay}. */
    record Respawning(Worker worker, Duration delay) implements ClusterEvent {}

    /** Too many deaths in the crash-loop window: the primary stopped respawning. */
    record GaveUp(Worker worker, String reason) implements ClusterEvent {}
}
