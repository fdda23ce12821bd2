package dev.forkd.internal.notify;

import java.time.Duration;
import java.time.temporal.ChronoUnit;
import java.util.Optional;

/** sd_watchdog_enabled(3): what {@code WATCHDOG_USEC} and {@code WATCHDOG_PID} say to one process. */
public final class WatchdogSettings {
    private WatchdogSettings() {}

    /**
     * The interval {@code watchdogUsec} asks for, if it is for the process {@code self}: empty when
     * {@code watchdogUsec} is absent, not a positive decimal number of microseconds, or when
     * {@code watchdogPid} is set and is not {@code self} (the variables were meant for another process, an
     * ancestor that passed its environment on).
     */
    public static Optional<Duration> interval(String watchdogUsec, String watchdogPid, long self) {
        if (watchdogUsec == null) return Optional.empty();
        long usec = decimal(watchdogUsec);
        if (usec <= 0) return Optional.empty();
        if (watchdogPid != null && decimal(watchdogPid) != self) return Optional.empty();
        return Optional.of(Duration.of(usec, ChronoUnit.MICROS));
    }

    /** The value of 1 to 18 decimal digits, else -1 (no sign, space or overflow). */
    private static long decimal(String s) {
        if (s.isEmpty() || s.length() > 18) return -1;
        long v = 0;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < '0' || c > '9') return -1;
            v = v * 10 + (c - '0');
        }
        return v;
    }
}
