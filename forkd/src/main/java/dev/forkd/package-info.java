/**
 * Node's {@code child_process} for the JVM, and the values around it: {@link dev.forkd.ChildProcesses}
 * (spawn, exec, execFile, fork and the sync variants), {@link dev.forkd.Command}, {@link dev.forkd.Stdio},
 * {@link dev.forkd.ChildProcess}, {@link dev.forkd.ExitStatus}, {@link dev.forkd.Signal}, {@link dev.forkd.Output},
 * the exceptions, and systemd's notify and socket-activation protocols ({@link dev.forkd.Notify},
 * {@link dev.forkd.NotifySocket}, {@link dev.forkd.SocketActivation}).
 *
 * <p>Public API, exported by the module {@code dev.forkd}: for any application. It reaches the operating system
 * only through {@code dev.forkd.internal.*}.
 */
package dev.forkd;
