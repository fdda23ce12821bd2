/**
 * Starting children: {@link dev.forkd.internal.spawn.StdioPlan} (the one place stdio options are normalised),
 * {@link dev.forkd.internal.spawn.SpawnRequest}, the posix_spawn call with a dense child fd table
 * ({@link dev.forkd.internal.spawn.Spawner}), the {@link dev.forkd.ChildProcess} it returns, the exec family's
 * capture, timeout and maxBuffer ({@link dev.forkd.internal.spawn.ExecRunner}) and pipelines.
 *
 * <p>Internal, not exported: the implementation behind {@link dev.forkd.ChildProcesses}; it implements the
 * public interfaces and uses the public value types.
 */
package dev.forkd.internal.spawn;
