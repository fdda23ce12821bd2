/**
 * The IPC channel's implementation: framing Node's JSON lines, the send queue, Node's internal messages
 * ({@code NODE_HANDLE} with its ACK/NACK, {@code NODE_SOCKET_*}), fds passed with SCM_RIGHTS and adopted as JDK
 * NIO channels, a forked child's early channel that sends before the native layer is up, and forkd's own JSON
 * writer and tree reader beside Jackson.
 *
 * <p>Internal, not exported: the implementation behind {@link dev.forkd.ipc.Channel}, used by the public
 * packages, {@code internal.spawn} (fork) and {@code internal.cluster}.
 */
package dev.forkd.internal.ipc;
