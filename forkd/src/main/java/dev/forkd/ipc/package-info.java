/**
 * The IPC channel between a parent and a child, wire-compatible with Node's ({@code NODE_CHANNEL_FD}, JSON
 * lines): {@link dev.forkd.ipc.Channel} (a child's own through {@code Channel.parent()}, a forked child's through
 * {@code ChildProcess.channel()}), {@link dev.forkd.ipc.Message}, and {@link dev.forkd.ipc.Handle} for the
 * sockets passed with a message.
 *
 * <p>Public API, exported by the module {@code dev.forkd}: for any application, Java or Node on the other end.
 */
package dev.forkd.ipc;
