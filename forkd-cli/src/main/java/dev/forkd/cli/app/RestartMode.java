package dev.forkd.cli.app;

import java.util.Locale;

/** When an instance that ended by itself is started again. */
public enum RestartMode {
    /** Whatever its exit status (PM2's autorestart). */
    ALWAYS,
    /** Only after a non-zero exit status or a signal (systemd's Restart=on-failure). */
    ON_FAILURE,
    /** Never: the instance stays stopped. */
    NEVER;

    public static RestartMode parse(String s) {
        return switch (s.toLowerCase(Locale.ROOT)) {
            case "always" -> ALWAYS;
            case "on-failure", "on_failure" -> ON_FAILURE;
            case "never", "no" -> NEVER;
            default -> throw new IllegalArgumentException("unknown restart mode '" + s + "' (always, on-failure, never)");
        };
    }

    public String label() {
        return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }
}
