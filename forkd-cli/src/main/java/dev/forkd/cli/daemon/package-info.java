/**
 * The per-user daemon: the registry of apps, saved to the state directory; the one place commands are carried
 * out; one supervisor process started per app; re-adoption of live supervisors after a daemon restart and
 * clean-up of what a dead one left; {@code forkd ls}'s table.
 *
 * <p>Internal to forkd-cli.
 */
package dev.forkd.cli.daemon;
