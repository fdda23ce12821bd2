package dev.forkd;

import dev.forkd.internal.notify.NotifyProtocol;
import dev.forkd.internal.notify.NotifySender;
import dev.forkd.internal.notify.WatchdogSettings;
import dev.forkd.internal.posix.Posix;
import dev.forkd.internal.posix.UnixAddress;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * The sending side of systemd's notify protocol (sd_notify(3)): tells the service manager that started this
 * process (systemd with {@code Type=notify}, {@code forkd}, or any supervisor that hands out a
 * {@link NotifySocket}) that it is ready, reloading, stopping, alive, or what its status is.
 *
 * {@snippet :
 * Notify.status("loading 3 modules");
 * startServer();
 * Notify.ready();        // false when no notify-aware supervisor started this process: nothing was sent
 * Notify.watchdogInterval().ifPresent(every -> pingEvery(every.dividedBy(2)));   // pingEvery sends watchdog()
 *
 * Notify.reloading();    // on SIGHUP, say
 * reloadConfiguration();
 * Notify.ready();
 * }
 *
 * <p><b>Where messages go.</b> Each call sends one datagram to the AF_UNIX datagram socket named by this
 * process's {@code NOTIFY_SOCKET} environment variable: an absolute path, or {@code @name} for the abstract
 * namespace. When the variable is absent or empty, nothing is sent and the methods return {@code false}, like
 * sd_notify returning 0: a program can call them unconditionally. They return {@code true} once the kernel
 * has queued the datagram for the receiver, not when the receiver has read it. The variable is read on every
 * call and is not removed from what this process's children inherit; a systemd unit with
 * {@code NotifyAccess=main} ignores messages from them anyway.
 *
 * <p><b>Blocking.</b> A send blocks while the receiver's queue is full (as sd_notify does); a supervisor that
 * reads its socket makes that a brief wait.
 *
 * <p><b>Errors.</b> A malformed message is an {@link IllegalArgumentException}, thrown before anything is sent
 * and whether or not {@code NOTIFY_SOCKET} is set. A {@code NOTIFY_SOCKET} that is not an address, or a send
 * that fails, is an {@link IOException} whose message names the variable's value and, for a failed send, the
 * errno: {@code "sendmsg failed: ECONNREFUSED (Connection refused): NOTIFY_SOCKET=/run/app/notify"}
 * (ENOENT: no such socket file; ECONNREFUSED: nobody bound to it any more).
 *
 * <p>Uses forkd's native layer: the JVM needs {@code --enable-native-access} (see {@link ChildProcesses}).
 */
public final class Notify {
    /** The environment variable naming the socket. */
    public static final String NOTIFY_SOCKET = "NOTIFY_SOCKET";

    private Notify() {}

    /**
     * Sends {@code lines}, each {@code KEY=VALUE}, as one message ({@code "READY=1"}, {@code "STATUS=..."},
     * {@code "MAINPID=4711"}, {@code "ERRNO=2"}, ...; sd_notify(3) lists the keys).
     *
     * @return false if {@code NOTIFY_SOCKET} is absent or empty (nothing sent), true once sent
     * @throws IllegalArgumentException for no lines, a line without {@code =} or with an empty key, or a line
     *                                  holding a newline or NUL
     * @throws IOException              if {@code NOTIFY_SOCKET} is not an address or the send fails
     */
    public static boolean send(String... lines) throws IOException {
        return sendText(NotifyProtocol.format(List.of(lines)));
    }

    /**
     * Sends {@code fields} as one message, in the map's iteration order.
     *
     * @return false if {@code NOTIFY_SOCKET} is absent or empty (nothing sent), true once sent
     * @throws IllegalArgumentException for an empty map, an empty key or one holding {@code =}, or a key or
     *                                  value holding a newline or NUL
     * @throws IOException              if {@code NOTIFY_SOCKET} is not an address or the send fails
     */
    public static boolean send(Map<String, String> fields) throws IOException {
        List<String> lines = new ArrayList<>(fields.size());
        fields.forEach((k, v) -> {
            if (k.indexOf('=') >= 0) throw new IllegalArgumentException("a notify key cannot contain '=': " + k);
            lines.add(k + "=" + Objects.requireNonNull(v, () -> "value of " + k));
        });
        return sendText(NotifyProtocol.format(lines));
    }

    /** {@code READY=1}: start-up is finished (again after a reload); systemd's {@code Type=notify} waits for it. */
    public static boolean ready() throws IOException {
        return send("READY=1");
    }

    /**
     * {@code RELOADING=1} with {@code MONOTONIC_USEC=} this moment's CLOCK_MONOTONIC in microseconds, as
     * {@code Type=notify-reload} requires; send {@link #ready()} when the reload is done.
     */
    public static boolean reloading() throws IOException {
        if (socketVariable() == null) return false; // spares a process without one the native layer's start-up
        return send("RELOADING=1", "MONOTONIC_USEC=" + Posix.monotonicMicros());
    }

    /** {@code STOPPING=1}: shutting down. */
    public static boolean stopping() throws IOException {
        return send("STOPPING=1");
    }

    /**
     * {@code STATUS=text}: a one-line status for people ({@code systemctl status} shows it).
     *
     * @throws IllegalArgumentException if {@code text} holds a newline or NUL
     */
    public static boolean status(String text) throws IOException {
        return send("STATUS=" + text);
    }

    /** {@code WATCHDOG=1}: the keep-alive ping; send it more often than {@link #watchdogInterval()}. */
    public static boolean watchdog() throws IOException {
        return send("WATCHDOG=1");
    }

    /**
     * How often the supervisor expects {@link #watchdog()}, from {@code WATCHDOG_USEC}, as sd_watchdog_enabled(3)
     * reads it: absent when the variable is absent or not a positive number of microseconds, or when
     * {@code WATCHDOG_PID} is set to another process's pid (an ancestor's setting, inherited). systemd
     * recommends pinging at half this interval.
     */
    public static Optional<Duration> watchdogInterval() {
        return WatchdogSettings.interval(System.getenv("WATCHDOG_USEC"), System.getenv("WATCHDOG_PID"),
                ProcessHandle.current().pid());
    }

    /** NOTIFY_SOCKET's value, or null if it is absent or empty. */
    private static String socketVariable() {
        String value = System.getenv(NOTIFY_SOCKET);
        return value == null || value.isEmpty() ? null : value;
    }

    private static boolean sendText(String message) throws IOException {
        String value = socketVariable();
        if (value == null) return false;
        String subject = NOTIFY_SOCKET + "=" + value;
        UnixAddress to;
        try {
            to = UnixAddress.parse(value);
        } catch (IllegalArgumentException e) {
            throw new IOException(subject + ": " + e.getMessage(), e);
        }
        NotifySender.send(to, message.getBytes(StandardCharsets.UTF_8), subject);
        return true;
    }
}
