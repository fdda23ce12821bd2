package dev.forkd.jetty;

import java.util.concurrent.atomic.AtomicInteger;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpHeaderValue;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;

/**
 * Counts requests in flight and, once {@link #drain()} was called, answers every request with
 * {@code Connection: close}, so that keep-alive clients of a stopping worker finish their current request
 * here and open their next connection to another worker (which the primary routes elsewhere). Unlike
 * Jetty's GracefulHandler it never answers 503: a drain loses no request.
 */
public final class DrainingHandler extends Handler.Wrapper {
    private final AtomicInteger inflight = new AtomicInteger();
    private volatile boolean draining;

    public DrainingHandler(Handler handler) {
        super(handler);
    }

    @Override
    public boolean handle(Request request, Response response, Callback callback) throws Exception {
        if (draining) response.getHeaders().put(HttpHeader.CONNECTION, HttpHeaderValue.CLOSE.asString());
        inflight.incrementAndGet();
        Callback counted = Callback.from(callback, inflight::decrementAndGet);
        boolean handled;
        try {
            handled = super.handle(request, response, counted);
        } catch (Throwable t) {
            inflight.decrementAndGet();
            throw t;
        }
        if (!handled) inflight.decrementAndGet();
        return handled;
    }

    /** From now on, responses close their connections. */
    public void drain() {
        draining = true;
    }

    public boolean isDraining() {
        return draining;
    }

    /** Requests being handled right now. */
    public int inflight() {
        return inflight.get();
    }
}
