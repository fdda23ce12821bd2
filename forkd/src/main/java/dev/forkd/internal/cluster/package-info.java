/**
 * The cluster's two sides: the primary's core (forks workers, owns the listening sockets, hands connections
 * out per policy, respawns, reloads, shuts down) and the worker's runtime (says online, turns {@code listen} into
 * {@code queryServer}, takes handed-over connections), both speaking Node's cluster protocol over the IPC
 * channel.
 *
 * <p>Internal, not exported: the implementation behind {@link dev.forkd.cluster.Cluster}.
 */
package dev.forkd.internal.cluster;
