/**
 * systemd's notify protocol (sd_notify(3)) both ways: the datagram format, a sender, a receiving socket on the
 * event loop that knows each sender's pid, and the watchdog settings.
 *
 * <p>Internal, not exported: the implementation behind {@link dev.forkd.Notify} and
 * {@link dev.forkd.NotifySocket}, also used by the cluster primary as a {@code Type=notify} service.
 */
package dev.forkd.internal.notify;
