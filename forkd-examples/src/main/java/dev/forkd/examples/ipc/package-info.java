/**
 * The fork and IPC examples: messages between a parent and a forked child, moving a computation to a child,
 * and sharing a listening server or an accepted socket with another process, as the Node article and Node's
 * documentation show them.
 *
 * <p>Example code for people to read and run.
 */
package dev.forkd.examples.ipc;
