package dev.forkd.spring;

import dev.forkd.SocketActivation;
import dev.forkd.cluster.Cluster;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.util.concurrent.atomic.AtomicInteger;
import org.eclipse.jetty.server.Connector;
import org.eclipse.jetty.server.ServerConnector;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.jetty.JettyWebServerFactory;
import org.springframework.boot.reactor.netty.NettyReactiveWebServerFactory;
import org.springframework.boot.tomcat.TomcatWebServerFactory;
import org.springframework.boot.web.server.WebServerFactoryCustomizer;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Conditional;
import org.springframework.context.annotation.Condition;
import org.springframework.context.annotation.ConditionContext;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.Ordered;
import org.springframework.core.env.Environment;
import org.springframework.core.type.AnnotatedTypeMetadata;
import org.springframework.http.client.ReactorResourceFactory;
import reactor.netty.http.HttpResources;
import reactor.netty.resources.LoopResources;

/**
 * The forkd starter: when this JVM is a forkd cluster worker or was handed a listener by socket activation,
 * Boot's web server (Tomcat, Jetty or Reactor Netty) serves that port instead of binding {@code server.port}
 * itself; readiness and shutdown go through {@link ForkdLifecycle}. Otherwise it changes nothing but, when a
 * supervisor asks for it ({@code NOTIFY_SOCKET}), says when the app is ready.
 */
@AutoConfiguration
@ConditionalOnWebApplication
@EnableConfigurationProperties(ForkdProperties.class)
public class ForkdAutoConfiguration {
    @Bean
    Drain forkdDrain() {
        return new Drain();
    }

    @Bean
    ForkdLifecycle forkdLifecycle(ObjectProvider<ForkdPort> port, Drain drain, ConfigurableApplicationContext context,
                                  ForkdProperties properties) {
        return new ForkdLifecycle(port.getIfAvailable(), drain, context, properties);
    }

    /** Matches in a cluster worker and in a socket-activated process, unless {@code forkd.enabled=false}. */
    static final class OnForkdPort implements Condition {
        @Override
        public boolean matches(ConditionContext context, AnnotatedTypeMetadata metadata) {
            if (!context.getEnvironment().getProperty("forkd.enabled", Boolean.class, true)) return false;
            return Cluster.isWorker() || socketActivated();
        }

        /** As SocketActivation reads it, without adopting anything yet. */
        static boolean socketActivated() {
            String pid = System.getenv("LISTEN_PID");
            String fds = System.getenv("LISTEN_FDS");
            return pid != null && fds != null && pid.trim().equals(Long.toString(ProcessHandle.current().pid()))
                    && !fds.trim().equals("0");
        }
    }

    @Configuration(proxyBeanMethods = false)
    @Conditional(OnForkdPort.class)
    static class Serving {
        @Bean(destroyMethod = "close")
        ForkdPort forkdPort(Environment env, ForkdProperties properties) throws IOException {
            if (Cluster.isWorker()) {
                int port = env.getProperty("server.port", Integer.class, 8080);
                String host = env.getProperty("server.address");
                InetSocketAddress address = host == null || host.isBlank() ? new InetSocketAddress(port)
                        : new InetSocketAddress(InetAddress.getByName(host), port);
                return ForkdPort.cluster(Cluster.worker().orElseThrow(), address);
            }
            String name = properties.listenerName();
            ServerSocketChannel inherited = (name == null ? SocketActivation.server() : SocketActivation.server(name))
                    .orElseThrow(() -> new IllegalStateException("socket activation (LISTEN_FDS) handed this process no "
                            + "listening socket" + (name == null ? "" : " named " + name + " (LISTEN_FDNAMES)")));
            return ForkdPort.inherited(inherited);
        }

        @Bean
        @ConditionalOnWebApplication(type = ConditionalOnWebApplication.Type.SERVLET)
        DrainFilter forkdDrainFilter(Drain drain) {
            return new DrainFilter(drain);
        }

        @Bean
        @ConditionalOnWebApplication(type = ConditionalOnWebApplication.Type.REACTIVE)
        DrainWebFilter forkdDrainWebFilter(Drain drain) {
            return new DrainWebFilter(drain);
        }
    }

    @Configuration(proxyBeanMethods = false)
    @Conditional(OnForkdPort.class)
    @ConditionalOnClass(name = {"org.springframework.boot.tomcat.TomcatWebServerFactory", "org.apache.catalina.startup.Tomcat"})
    static class TomcatServing {
        @Bean
        WebServerFactoryCustomizer<TomcatWebServerFactory> forkdTomcatCustomizer(ForkdPort port, Drain drain) {
            return new Last<>() {
                @Override
                public void customize(TomcatWebServerFactory factory) {
                    ForkdHttp11NioProtocol.TomcatPort.set(port, drain);
                    factory.setProtocol(ForkdHttp11NioProtocol.class.getName());
                }
            };
        }
    }

    @Configuration(proxyBeanMethods = false)
    @Conditional(OnForkdPort.class)
    @ConditionalOnClass(name = {"org.springframework.boot.jetty.JettyWebServerFactory", "org.eclipse.jetty.server.Server"})
    static class JettyServing {
        @Bean
        WebServerFactoryCustomizer<JettyWebServerFactory> forkdJettyCustomizer(ForkdPort port, Drain drain) {
            return new Last<>() {
                @Override
                public void customize(JettyWebServerFactory factory) {
                    factory.addServerCustomizers(server -> {
                        Connector[] connectors = server.getConnectors();
                        for (int i = 0; i < connectors.length; i++) {
                            if (connectors[i] instanceof ServerConnector boots) {
                                ForkdJettyConnector forkd = new ForkdJettyConnector(server, boots, port);
                                drain.openConnections(() -> forkd.getConnectedEndPoints().size());
                                connectors[i] = forkd;
                                server.setConnectors(connectors);
                                return; // the main connector only; more are the app's own
                            }
                        }
                        throw new IllegalStateException("no Jetty ServerConnector to serve " + port + " with");
                    });
                }
            };
        }
    }

    @Configuration(proxyBeanMethods = false)
    @Conditional(OnForkdPort.class)
    @ConditionalOnClass(name = {"org.springframework.boot.reactor.netty.NettyReactiveWebServerFactory",
            "reactor.netty.http.server.HttpServer"})
    static class NettyServing {
        @Bean
        WebServerFactoryCustomizer<NettyReactiveWebServerFactory> forkdNettyCustomizer(
                ForkdPort port, Drain drain, ObjectProvider<ReactorResourceFactory> resources) {
            return new Last<>() {
                @Override
                public void customize(NettyReactiveWebServerFactory factory) {
                    AtomicInteger connections = new AtomicInteger();
                    drain.openConnections(connections::get);
                    // NettyWebServer would set the resource factory's loops after every customizer, and with
                    // them Reactor Netty's own server channel: the loops are set here instead, forkd's channel
                    // and all.
                    factory.setResourceFactory(null);
                    factory.addServerCustomizers(server -> {
                        ReactorResourceFactory r = resources.getIfAvailable();
                        LoopResources loops = r != null && r.getLoopResources() != null ? r.getLoopResources()
                                : HttpResources.get();
                        return server.runOn(new ForkdLoopResources(loops, port, connections), false);
                    });
                }
            };
        }
    }

    /** A customizer that runs after Boot's own ones. */
    private abstract static class Last<T extends org.springframework.boot.web.server.WebServerFactory>
            implements WebServerFactoryCustomizer<T>, Ordered {
        @Override
        public int getOrder() {
            return Ordered.LOWEST_PRECEDENCE;
        }
    }
}
