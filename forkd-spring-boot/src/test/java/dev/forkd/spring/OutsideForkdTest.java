package dev.forkd.spring;

import static org.assertj.core.api.Assertions.assertThat;

import dev.forkd.spring.app.TestApp;
import org.apache.coyote.http11.Http11NioProtocol;
import org.junit.jupiter.api.Test;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.tomcat.TomcatWebServer;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;

/** Outside forkd (no cluster, no inherited listener) the starter leaves the app's server exactly as it was. */
class OutsideForkdTest {
    @Test
    void outsideForkdTheAppBindsItsOwnPortWithTomcatsOwnProtocol() throws Exception {
        try (ConfigurableApplicationContext context = SpringApplication.run(TestApp.class, "--server.port=0",
                "--server.address=127.0.0.1", "--spring.main.banner-mode=off", "--logging.level.root=WARN",
                "--spring.autoconfigure.exclude=org.springframework.boot.jetty.autoconfigure.servlet.JettyServletWebServerAutoConfiguration")) {
            assertThat(context.getBeanNamesForType(ForkdPort.class)).isEmpty();
            assertThat(context.getBeanNamesForType(DrainFilter.class)).isEmpty();
            TomcatWebServer server = (TomcatWebServer) ((WebServerApplicationContext) context).getWebServer();
            assertThat(server.getTomcat().getConnector().getProtocolHandler().getClass()).isEqualTo(Http11NioProtocol.class);
            int port = server.getPort();
            assertThat(port).isPositive();
            try (HttpLoad.Client c = new HttpLoad.Client(port)) {
                assertThat(c.get("/")).isEqualTo("hello from " + ProcessHandle.current().pid() + " on TomcatWebServer\n");
            }
        }
    }
}
