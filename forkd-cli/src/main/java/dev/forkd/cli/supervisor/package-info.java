/**
 * The process that keeps one app alive: its instances (restarted with backoff, given up after a crash loop),
 * their rotating logs, the listener it binds and shares in cluster mode (socket activation or Node's cluster
 * protocol), readiness through {@code NOTIFY_SOCKET}, and {@code forkd run}'s foreground supervision.
 *
 * <p>Internal to forkd-cli. A supervisor outlives the daemon, so that a daemon crash or upgrade takes no app
 * down.
 */
package dev.forkd.cli.supervisor;
