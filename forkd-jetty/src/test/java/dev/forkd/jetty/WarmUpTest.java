package dev.forkd.jetty;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.eclipse.jetty.http.HttpStatus;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.LocalConnector;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.util.Callback;
import org.junit.jupiter.api.Test;

class WarmUpTest {
    @Test
    void theHandlerSeesEveryWarmUpRequestAndServesARealServerAfterwards() throws Exception {
        List<String> seen = new CopyOnWriteArrayList<>();
        Handler handler = new Handler.Abstract() {
            @Override
            public boolean handle(Request request, Response response, Callback callback) {
                String path = Request.getPathInContext(request);
                seen.add(path);
                if (path.equals("/missing")) response.setStatus(HttpStatus.NOT_FOUND_404);
                Content.Sink.write(response, true, "ok " + path + "\n", callback);
                return true;
            }
        };
        assertThat(ForkdJetty.warmUp(handler, 300, "/", "/a", "/missing")).isEqualTo(200);
        assertThat(seen).hasSize(300).startsWith("/", "/a", "/missing", "/");

        Server server = new Server();
        LocalConnector local = new LocalConnector(server);
        server.addConnector(local);
        server.setHandler(handler);
        server.start();
        try {
            assertThat(local.getResponse("GET /b HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"))
                    .startsWith("HTTP/1.1 200").contains("ok /b");
        } finally {
            server.stop();
        }
    }

    @Test
    void nothingToWarmUpIsRefused() {
        Handler handler = new Handler.Abstract() {
            @Override
            public boolean handle(Request request, Response response, Callback callback) {
                callback.succeeded();
                return true;
            }
        };
        assertThatThrownBy(() -> ForkdJetty.warmUp(handler, 10)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> ForkdJetty.warmUp(handler, -1, "/")).isInstanceOf(IllegalArgumentException.class);
    }
}
