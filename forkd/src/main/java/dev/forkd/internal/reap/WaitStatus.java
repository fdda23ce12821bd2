package dev.forkd.internal.reap;

/**
 * What waitid(2) reported for a child: {@code exited} with a code, or killed by {@code signal}.
 * Internal, so that the reaper does not depend on the public value types.
 */
public record WaitStatus(boolean exited, int code, int signal, boolean coreDumped) {}
