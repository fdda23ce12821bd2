package dev.forkd.spring.app;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.ApplicationContext;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;

/** A Boot app with no forkd code: the starter on its class path is all. Runs on Tomcat, Jetty or Reactor Netty. */
@SpringBootApplication
@RestController
public class TestApp {
    private final ApplicationContext context;

    public TestApp(ApplicationContext context) {
        this.context = context;
    }

    @GetMapping("/")
    public String hello() {
        String server = ((WebServerApplicationContext) context).getWebServer().getClass().getSimpleName();
        return "hello from " + ProcessHandle.current().pid() + " on " + server + "\n";
    }

    public static void main(String[] args) {
        SpringApplication.run(TestApp.class, args);
    }
}
