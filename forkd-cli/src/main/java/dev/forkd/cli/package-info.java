/**
 * The {@code forkd} command: {@link dev.forkd.cli.Main} (picocli) and the thin client that sends each command to
 * the per-user daemon over its Unix socket; {@code logs}, which reads the log files without the daemon;
 * {@code startup}'s systemd unit; where forkd keeps its sockets, state and logs ({@link dev.forkd.cli.Home}).
 *
 * <p>The command's own code, not an API: nothing outside forkd-cli uses it.
 */
package dev.forkd.cli;
