package dev.forkd.spring;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntSupplier;

/**
 * The requests in flight and the drain of one server. While draining, every response carries
 * {@code Connection: close}, so that a keep-alive client finishes its current request here and opens its next
 * connection elsewhere (to a worker the primary still routes to, or to another process sharing the listener).
 * Boot's graceful shutdown then finds nothing to cut: on its own it would answer a request that arrives on an
 * idle keep-alive connection with 503 (Tomcat) or close the connection under it (Jetty, Reactor Netty).
 */
public final class Drain {
    private final AtomicInteger inflight = new AtomicInteger();
    private volatile boolean draining;
    private volatile IntSupplier openConnections = () -> 0;

    /** Called by the server adapter that knows its connections. */
    void openConnections(IntSupplier count) {
        openConnections = count;
    }

    /** From now on responses close their connections. */
    public void begin() {
        draining = true;
    }

    /** Serving normally again (readiness came back). */
    public void end() {
        draining = false;
    }

    public boolean isDraining() {
        return draining;
    }

    public void requestStarted() {
        inflight.incrementAndGet();
    }

    public void requestEnded() {
        inflight.decrementAndGet();
    }

    /** Requests being handled now. */
    public int inflight() {
        return inflight.get();
    }

    /** Connections open now, as far as the server adapter knows (0 if it does not). */
    public int openConnections() {
        return openConnections.getAsInt();
    }

    /**
     * Waits until no request is in flight and every connection has closed, or until nothing was in flight for
     * {@code quiet} (what is still open then is idle: its client sent nothing for that long), at most
     * {@code timeout}. Returns at once when not draining.
     */
    void await(Duration timeout, Duration quiet) {
        long deadline = System.nanoTime() + timeout.toNanos();
        long quietSince = -1;
        while (draining && System.nanoTime() < deadline) {
            boolean idle = inflight.get() == 0;
            if (idle && openConnections() == 0) return;
            if (idle) {
                if (quietSince < 0) quietSince = System.nanoTime();
                if (System.nanoTime() - quietSince >= quiet.toNanos()) return;
            } else {
                quietSince = -1;
            }
            try {
                Thread.sleep(10);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }
}
