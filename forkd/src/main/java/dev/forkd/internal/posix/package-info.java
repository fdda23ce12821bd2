/**
 * The bottom floor: the Foreign Function &amp; Memory bindings to libc (downcall handles created on first use,
 * errno captured), struct layouts and constants, and the one mapping of an errno to a
 * {@link dev.forkd.internal.posix.PosixException} that names the call, the errno and the subject.
 *
 * <p>Internal, not exported: for forkd's other {@code internal} packages only. It depends on no other forkd
 * package, so a rewrite of it touches no public file.
 */
package dev.forkd.internal.posix;
