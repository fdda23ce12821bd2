package dev.forkd.spring;

import org.springframework.core.Ordered;
import org.springframework.http.HttpHeaders;
import org.springframework.web.server.ServerWebExchange;
import org.springframework.web.server.WebFilter;
import org.springframework.web.server.WebFilterChain;
import reactor.core.publisher.Mono;

/** Reactive apps (Reactor Netty): counts exchanges in flight for the {@link Drain}; closes connections while it runs. */
final class DrainWebFilter implements WebFilter, Ordered {
    private final Drain drain;

    DrainWebFilter(Drain drain) {
        this.drain = drain;
    }

    @Override
    public Mono<Void> filter(ServerWebExchange exchange, WebFilterChain chain) {
        drain.requestStarted();
        exchange.getResponse().beforeCommit(() -> {
            if (drain.isDraining()) exchange.getResponse().getHeaders().set(HttpHeaders.CONNECTION, "close");
            return Mono.empty();
        });
        return chain.filter(exchange).doFinally(signal -> drain.requestEnded());
    }

    @Override
    public int getOrder() {
        return Ordered.HIGHEST_PRECEDENCE;
    }
}
