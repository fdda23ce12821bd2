package dev.forkd.spring;

import dev.forkd.Notify;
import dev.forkd.cluster.Cluster;
import dev.forkd.ipc.Channel;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import org.springframework.boot.availability.AvailabilityChangeEvent;
import org.springframework.boot.availability.ReadinessState;
import org.springframework.context.ApplicationListener;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.SmartLifecycle;

/**
 * Boot's readiness and shutdown, told to forkd. {@code ReadinessState.ACCEPTING_TRAFFIC} (published right
 * after {@code ApplicationReadyEvent}) opens the {@link ForkdPort} (a cluster worker's "listening": the
 * primary routes to it, and a reload moves on) and says {@code READY=1} on {@code NOTIFY_SOCKET} and
 * {@code 'ready'} over IPC to the {@code forkd} command; {@code REFUSING_TRAFFIC} (published when the
 * context starts closing, or by the app itself) refuses new connections and starts the {@link Drain}. The
 * drain is waited for in {@link #stop()}, which runs just before Boot's graceful shutdown of the web server;
 * by then keep-alive clients have been told {@code Connection: close}.
 *
 * <p>In a cluster worker, the primary's request to stop (a reload, a shutdown, {@code disconnect()}) closes
 * the application context, which does all of the above, and then the worker exits.
 */
final class ForkdLifecycle implements ApplicationListener<AvailabilityChangeEvent<?>>, SmartLifecycle {
    private static final System.Logger LOG = System.getLogger("dev.forkd.spring");

    private final ForkdPort port; // null: nothing to serve, readiness only
    private final Drain drain;
    private final ConfigurableApplicationContext context;
    private final ForkdProperties properties;
    private volatile boolean running;

    ForkdLifecycle(ForkdPort port, Drain drain, ConfigurableApplicationContext context, ForkdProperties properties) {
        this.port = port;
        this.drain = drain;
        this.context = context;
        this.properties = properties;
    }

    @Override
    public void onApplicationEvent(AvailabilityChangeEvent<?> event) {
        if (event.getState() == ReadinessState.ACCEPTING_TRAFFIC) ready();
        else if (event.getState() == ReadinessState.REFUSING_TRAFFIC) refusing();
    }

    private void ready() {
        drain.end();
        if (port != null) {
            try {
                port.open();
            } catch (IOException e) {
                throw new UncheckedIOException("cannot serve " + port, e);
            }
            LOG.log(System.Logger.Level.INFO, "forkd: serving " + port);
        }
        if (!properties.notifyReady() || Cluster.isWorker()) return;
        try {
            Notify.ready(); // nothing is sent without a NOTIFY_SOCKET
        } catch (IOException e) {
            LOG.log(System.Logger.Level.WARNING, "forkd: READY=1 not sent: " + e.getMessage());
        }
        // The forkd command's --wait-ready also takes PM2's process.send('ready') over its IPC channel; only
        // an instance it started gets one (another parent with a channel has a protocol of its own).
        if (System.getenv("FORKD_APP_NAME") != null) Channel.parent().ifPresent(ch -> ch.send("ready"));
    }

    private void refusing() {
        if (port == null) return;
        drain.begin();
        port.refuse();
    }

    @Override
    public void start() {
        running = true;
        if (Cluster.isWorker()) {
            // A reload or shutdown of the cluster: close the context (readiness, drain, graceful shutdown),
            // then the worker exits.
            Cluster.worker().orElseThrow().onDisconnect(context::close);
        }
    }

    @Override
    public void stop() {
        if (port != null) {
            refusing();
            Duration timeout = properties.drainTimeout();
            drain.await(timeout, properties.drainQuietPeriod());
        }
        if (properties.notifyReady() && !Cluster.isWorker()) {
            try {
                Notify.stopping();
            } catch (IOException e) {
                LOG.log(System.Logger.Level.DEBUG, "forkd: STOPPING=1 not sent", e);
            }
        }
        running = false;
    }

    @Override
    public boolean isRunning() {
        return running;
    }

    /**
     * Just before Boot's {@code WebServerGracefulShutdownLifecycle} (phase {@code DEFAULT_PHASE - 1024}; its
     * constant is deprecated for removal): lifecycles with higher phases stop first.
     */
    @Override
    public int getPhase() {
        return SmartLifecycle.DEFAULT_PHASE - 1024 + 1;
    }
}
