package dev.forkd.spring;

import java.io.File;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * The three servers the starter supports, each as an app would have it: the test class path has all three,
 * and a worker JVM gets it with the other two servers' jars taken out, so that Boot picks this one as it
 * would in an app that depends on one web starter.
 */
enum BootServer {
    TOMCAT("TomcatWebServer", "(jetty|spring-boot-jetty|reactor-netty|spring-boot-reactor-netty|spring-boot-starter-reactor-netty|spring-webflux"
            + "|spring-boot-webflux|spring-boot-starter-webflux|spring-boot-starter-jetty|spring-boot-starter-jetty-runtime)-.*"),
    JETTY("JettyServletWebServer", "(tomcat|spring-boot-tomcat|spring-boot-starter-tomcat|spring-boot-starter-tomcat-runtime"
            + "|reactor-netty|spring-boot-reactor-netty|spring-boot-starter-reactor-netty|spring-webflux|spring-boot-webflux"
            + "|spring-boot-starter-webflux)-.*"),
    WEBFLUX("NettyWebServer", "(tomcat|spring-boot-tomcat|spring-boot-starter-tomcat|spring-boot-starter-tomcat-runtime"
            + "|jetty|spring-boot-jetty|spring-boot-starter-jetty|spring-boot-starter-jetty-runtime|spring-webmvc"
            + "|spring-boot-webmvc|spring-boot-starter-webmvc)-.*");

    /** The simple name of Boot's WebServer class for this server, as the test app reports it. */
    final String webServer;
    private final Pattern others;

    BootServer(String webServer, String others) {
        this.webServer = webServer;
        this.others = Pattern.compile(others);
    }

    /** This JVM's class path without the other servers. */
    String classPath() {
        List<String> entries = Arrays.asList(System.getProperty("java.class.path").split(File.pathSeparator));
        return entries.stream().filter(e -> !others.matcher(new File(e).getName()).matches())
                .collect(Collectors.joining(File.pathSeparator));
    }
}
