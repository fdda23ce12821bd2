/**
 * JSON for the IPC channels, Node's serialization mode (one compact JSON text and {@code \n} per message):
 * {@link dev.forkd.internal.json.JsonCodec} is the one door, and alone decides, with one set of limits, whether
 * the hand-written writer ({@code PlainJson}, into a {@link dev.forkd.internal.json.LineBuffer}) and tree
 * reader ({@code TreeReader}) or Jackson's mapper handle a value or a line; the two fast paths are
 * package-private behind it. Used by {@code dev.forkd.internal.ipc} (the channels, the inbox, the received
 * message) and by nothing else; it depends on Jackson only and on no other forkd package, so framing, fds and
 * the Node protocol stay in {@code internal.ipc}.
 */
package dev.forkd.internal.json;
