/**
 * File descriptors and the one event loop: {@link dev.forkd.internal.io.Fd} (owned, CLOEXEC, closed once),
 * pipes and socketpairs, the {@link dev.forkd.internal.io.EventLoop} thread ({@code forkd-loop}) that waits on
 * epoll for every pidfd, pipe and socket, the blocking streams it feeds, and where user-visible futures are
 * completed ({@link dev.forkd.internal.io.Dispatch}).
 *
 * <p>Internal, not exported: used by the reap, spawn, ipc, notify and cluster packages; depends only on
 * {@code internal.posix}.
 */
package dev.forkd.internal.io;
