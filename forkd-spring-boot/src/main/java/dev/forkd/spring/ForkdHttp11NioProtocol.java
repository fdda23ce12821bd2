package dev.forkd.spring;

import org.apache.coyote.http11.Http11NioProtocol;

/**
 * Tomcat's HTTP/1.1 NIO protocol on a {@link ForkdPort}: the starter sets it as the protocol of Boot's main
 * connector ({@code TomcatWebServerFactory.setProtocol}), and Tomcat makes it by class name, which is why the
 * port comes from the starter and not from a constructor argument.
 */
public class ForkdHttp11NioProtocol extends Http11NioProtocol {
    public ForkdHttp11NioProtocol() {
        super(new ForkdNioEndpoint(TomcatPort.take()));
    }

    /** The port for the next protocol Tomcat makes; set by the starter right before Boot creates the connector. */
    static final class TomcatPort {
        private static volatile ForkdPort port;
        private static volatile Drain drain;

        private TomcatPort() {}

        static void set(ForkdPort p, Drain d) {
            port = p;
            drain = d;
        }

        static ForkdPort take() {
            ForkdPort p = port;
            if (p == null) {
                throw new IllegalStateException(ForkdHttp11NioProtocol.class.getName() + " serves the port of a forkd "
                        + "cluster or an inherited listener: it is set by the forkd Spring Boot starter only");
            }
            return p;
        }

        static Drain drain() {
            return drain;
        }
    }
}
