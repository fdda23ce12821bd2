/**
 * Reaping: one pidfd per child on the event loop, {@code waitid(P_PIDFD)} for exactly that child (never
 * {@code waitpid(-1)}, which would steal the JDK's own children), signals through the pidfd, and the orphan
 * reaper a PID 1 or subreaper needs.
 *
 * <p>Internal, not exported: used by {@code internal.spawn} and the public {@code ChildProcesses}; depends on
 * {@code internal.io} and {@code internal.posix}.
 */
package dev.forkd.internal.reap;
