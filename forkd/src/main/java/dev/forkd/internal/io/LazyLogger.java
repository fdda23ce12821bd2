package dev.forkd.internal.io;

import java.util.ResourceBundle;

/**
 * A {@link System.Logger} that looks its logger up when it first logs. The first {@link System#getLogger}
 * of a JVM starts the logging back end (about 25 ms on a fresh JVM here), which a program that spawns once
 * and never logs should not pay; forkd's classes hold one of these in their {@code LOG} field instead.
 */
public final class LazyLogger implements System.Logger {
    private final String name;
    private volatile System.Logger delegate;

    private LazyLogger(String name) {
        this.name = name;
    }

    public static System.Logger of(String name) {
        return new LazyLogger(name);
    }

    private System.Logger delegate() {
        System.Logger d = delegate;
        if (d == null) delegate = d = System.getLogger(name);
        return d;
    }

    @Override
    public String getName() {
        return name;
    }

    @Override
    public boolean isLoggable(Level level) {
        return delegate().isLoggable(level);
    }

    @Override
    public void log(Level level, ResourceBundle bundle, String msg, Throwable thrown) {
        delegate().log(level, bundle, msg, thrown);
    }

    @Override
    public void log(Level level, ResourceBundle bundle, String format, Object... params) {
        delegate().log(level, bundle, format, params);
    }
}
