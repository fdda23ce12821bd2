package dev.forkd.spring;

import jakarta.servlet.AsyncEvent;
import jakarta.servlet.AsyncListener;
import jakarta.servlet.Filter;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;

/** Servlet apps (Tomcat, Jetty): counts requests in flight for the {@link Drain}; closes connections while it runs. */
final class DrainFilter implements Filter, org.springframework.core.Ordered {
    private final Drain drain;

    DrainFilter(Drain drain) {
        this.drain = drain;
    }

    @Override
    public int getOrder() {
        return org.springframework.core.Ordered.HIGHEST_PRECEDENCE; // outside every other filter: count it all
    }

    @Override
    public void doFilter(ServletRequest request, ServletResponse response, FilterChain chain)
            throws IOException, ServletException {
        if (request.getDispatcherType() != jakarta.servlet.DispatcherType.REQUEST) {
            chain.doFilter(request, response); // an async or error dispatch of a request already counted
            return;
        }
        drain.requestStarted();
        boolean async = false;
        try {
            if (drain.isDraining() && response instanceof HttpServletResponse http) http.setHeader("Connection", "close");
            chain.doFilter(request, response);
            if (request.isAsyncStarted()) {
                async = true;
                request.getAsyncContext().addListener(new AsyncListener() {
                    @Override
                    public void onComplete(AsyncEvent event) {
                        drain.requestEnded();
                    }

                    @Override
                    public void onTimeout(AsyncEvent event) {
                    }

                    @Override
                    public void onError(AsyncEvent event) {
                    }

                    @Override
                    public void onStartAsync(AsyncEvent event) {
                        event.getAsyncContext().addListener(this);
                    }
                });
            }
        } finally {
            if (!async) drain.requestEnded();
        }
    }
}
