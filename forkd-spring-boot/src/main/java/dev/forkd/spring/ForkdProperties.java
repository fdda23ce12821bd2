package dev.forkd.spring;

import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * The starter's settings ({@code forkd.*}).
 *
 * @param enabled          serve forkd's port when there is one (default true); false leaves the app's own
 *                         connector alone even under a forkd primary
 * @param notifyReady      tell a supervisor that the app is ready: {@code READY=1} when {@code NOTIFY_SOCKET} is
 *                         set, {@code 'ready'} over IPC to the {@code forkd} command (default true)
 * @param drainTimeout     how long a stopping app waits for requests in flight and keep-alive connections
 *                         before Boot's graceful shutdown (default 5 s; keep it under the primary's
 *                         shutdown grace, also 10 s by default, after which a worker is killed)
 * @param drainQuietPeriod after this long with nothing in flight, connections still open count as idle and the
 *                         drain ends (default 500 ms)
 * @param listenerName     with several inherited sockets ({@code LISTEN_FDNAMES}), the one to serve (default:
 *                         the first listening socket)
 */
@ConfigurationProperties("forkd")
public record ForkdProperties(Boolean enabled, Boolean notifyReady, Duration drainTimeout, Duration drainQuietPeriod,
                              String listenerName) {
    public ForkdProperties {
        if (enabled == null) enabled = true;
        if (notifyReady == null) notifyReady = true;
        if (drainTimeout == null) drainTimeout = Duration.ofSeconds(5);
        if (drainQuietPeriod == null) drainQuietPeriod = Duration.ofMillis(500);
    }
}
