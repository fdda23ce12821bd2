package dev.forkd;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.OptionalLong;

/**
 * One sd_notify(3) datagram that a {@link NotifySocket} received, split into its {@code KEY=VALUE} fields.
 *
 * <p>The accessors read the fields systemd defines ({@code READY=1}, {@code STATUS=...}, {@code MAINPID=...},
 * sd_notify(3) lists them all); {@link #field} reads any other. A field that is absent, or whose value is not
 * what its accessor expects (a {@code MAINPID} that is not a number), reads as absent or false.
 *
 * @param fields the fields in the order they came; when a key repeated, its first value (as systemd reads
 *               it). Unmodifiable.
 * @param pid    the sending process, as the kernel reported it (SCM_CREDENTIALS), whatever the message says;
 *               absent when the kernel could not name it in this process's pid namespace. A short-lived
 *               helper may report on behalf of another process: {@code systemd-notify} run as root sends
 *               with its parent's pid.
 */
public record NotifyMessage(Map<String, String> fields, OptionalLong pid) {
    public NotifyMessage {
        Objects.requireNonNull(pid, "pid");
        fields = Collections.unmodifiableMap(new LinkedHashMap<>(Objects.requireNonNull(fields, "fields")));
    }

    /** The value of {@code key}, if the message has it. */
    public Optional<String> field(String key) {
        return Optional.ofNullable(fields.get(key));
    }

    /** {@code READY=1}: start-up (or a reload) is finished. */
    public boolean isReady() {
        return "1".equals(fields.get("READY"));
    }

    /** {@code RELOADING=1}: reloading its configuration; {@code READY=1} follows when done. */
    public boolean isReloading() {
        return "1".equals(fields.get("RELOADING"));
    }

    /** {@code STOPPING=1}: shutting down. */
    public boolean isStopping() {
        return "1".equals(fields.get("STOPPING"));
    }

    /** {@code WATCHDOG=1}: the keep-alive ping a watchdog expects within {@code WATCHDOG_USEC}. */
    public boolean isWatchdogPing() {
        return "1".equals(fields.get("WATCHDOG"));
    }

    /** {@code STATUS=...}: a one-line status text for people. */
    public Optional<String> status() {
        return field("STATUS");
    }

    /** {@code MAINPID=...}: the process the sender names as the service's main process. */
    public OptionalLong mainPid() {
        String v = fields.get("MAINPID");
        if (v == null) return OptionalLong.empty();
        try {
            long pid = Long.parseLong(v);
            return pid > 0 ? OptionalLong.of(pid) : OptionalLong.empty();
        } catch (NumberFormatException e) {
            return OptionalLong.empty();
        }
    }

    /** {@code ERRNO=...}: the errno-style reason for a failure the sender reports. */
    public OptionalInt errno() {
        String v = fields.get("ERRNO");
        if (v == null) return OptionalInt.empty();
        try {
            int errno = Integer.parseInt(v);
            return errno >= 0 ? OptionalInt.of(errno) : OptionalInt.empty();
        } catch (NumberFormatException e) {
            return OptionalInt.empty();
        }
    }
}
