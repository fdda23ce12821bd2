/**
 * How forkd's processes talk: the control sockets (mode 0600, peer uid checked with SO_PEERCRED), JSON-line
 * requests and framed replies, the client's own small JSON writer (no JSON library on its start-up path), and
 * the process locks that keep one daemon per user and one supervisor per app.
 *
 * <p>Internal to forkd-cli.
 */
package dev.forkd.cli.wire;
