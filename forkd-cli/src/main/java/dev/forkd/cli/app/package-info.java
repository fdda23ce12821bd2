/**
 * What an app is: {@link dev.forkd.cli.app.AppSpec} (command, instances, restarts, logs, cluster mode),
 * made from {@code forkd start}'s options or from an ecosystem file (YAML or JSON, typed, errors naming file,
 * line, column and field).
 *
 * <p>Internal to forkd-cli: shared by the client, the daemon and the supervisors.
 */
package dev.forkd.cli.app;
