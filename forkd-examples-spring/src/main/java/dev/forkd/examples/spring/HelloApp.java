package dev.forkd.examples.spring;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/**
 * A plain Spring Boot REST app (Tomcat): nothing in it knows forkd. With forkd-spring-boot on its class path
 * it serves a forkd cluster port when {@link ClusterMain} forks it, and its own {@code server.port} when run
 * alone ({@code java -cp ... dev.forkd.examples.spring.HelloApp --server.port=8080}).
 */
@SpringBootApplication
@RestController
public class HelloApp {
    @GetMapping("/")
    public String hello() {
        return "hello from " + ProcessHandle.current().pid() + "\n";
    }

    /** The article's CPU-bound request: 1 + 2 + ... + n. */
    @GetMapping("/sum")
    public String sum(@RequestParam(name = "n", defaultValue = "1000") long n) {
        long sum = 0;
        for (long i = 1; i <= n; i++) sum += i;
        return sum + "\n";
    }

    /** Answers, then kills this process: the primary respawns it. */
    @GetMapping("/crash")
    public String crash() {
        Thread.ofPlatform().start(() -> {
            try {
                Thread.sleep(100); // the answer goes out first
            } catch (InterruptedException ignored) {
                // crash anyway
            }
            Runtime.getRuntime().halt(1);
        });
        return "crashing " + ProcessHandle.current().pid() + "\n";
    }

    public static void main(String[] args) {
        SpringApplication.run(HelloApp.class, args);
    }
}
