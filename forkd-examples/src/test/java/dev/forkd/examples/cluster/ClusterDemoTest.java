package dev.forkd.examples.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import dev.forkd.ChildProcess;
import dev.forkd.ChildProcesses;
import dev.forkd.ExitStatus;
import dev.forkd.ForkOptions;
import dev.forkd.Signal;
import dev.forkd.examples.Main;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The README's main command, run as a user runs it: a primary JVM, two Jetty workers, real HTTP. */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class ClusterDemoTest {
    private static final Pattern URL = Pattern.compile("http://localhost:(\\d+)/");
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private String get(int port, String path) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString()).body().trim();
    }

    private static String nextLine(BlockingQueue<String> lines, String contains) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (System.nanoTime() < deadline) {
            String l = lines.poll(1, TimeUnit.SECONDS);
            if (l != null && l.contains(contains)) return l;
        }
        throw new AssertionError("no output line containing '" + contains + "'");
    }

    @Test
    void demoServesFromBothWorkersRespawnsACrashedOneAndStopsOnSigterm() throws Exception {
        ChildProcess primary = ChildProcesses.fork(ForkOptions.of(Main.class.getName(),
                "cluster", "--port", "0", "--workers", "2", "--policy", "load-aware").silent(true));
        BlockingQueue<String> lines = new LinkedBlockingQueue<>();
        Thread.ofVirtual().start(() -> new BufferedReader(new InputStreamReader(primary.stdout())).lines()
                .forEach(lines::add));
        try {
            Matcher m = URL.matcher(nextLine(lines, "http://localhost:"));
            assertThat(m.find()).isTrue();
            int port = Integer.parseInt(m.group(1));
            Set<String> pids = new HashSet<>();
            for (int i = 0; i < 50 && pids.size() < 2; i++) {
                HttpClient fresh = HttpClient.newHttpClient(); // new connections, so both workers get some
                pids.add(fresh.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/")).build(),
                        HttpResponse.BodyHandlers.ofString()).body().trim());
                fresh.close();
            }
            assertThat(pids).hasSize(2).allMatch(s -> s.matches("Handled by process \\d+"));
            // 0 + 1 + ... + 999 = 1000 * 999 / 2
            assertThat(get(port, "/sum?n=1000")).matches("Sum of i for 0 <= i < 1000 is 499500 \\(process \\d+\\)");

            String crashed = get(port, "/crash");
            assertThat(crashed).matches("Process \\d+ is crashing");
            assertThat(nextLine(lines, "crashed; starting a new worker")).isNotEmpty();
            String relisten = nextLine(lines, "listening on port " + port);
            assertThat(relisten).startsWith("worker 3 ");
            assertThat(get(port, "/")).startsWith("Handled by process ");
        } finally {
            primary.kill(Signal.SIGTERM);
        }
        ExitStatus st = primary.waitFor(Duration.ofSeconds(30));
        assertThat(st).isEqualTo(new ExitStatus.Exited(143));
        List<String> rest = List.copyOf(lines);
        assertThat(String.join("\n", rest)).contains("(asked to)");
    }

    @Test
    void theSameServerRunsAsOneProcessAndWorkersCanWarmUpFirst() throws Exception {
        // --standalone: the yardstick of the cluster benchmark
        ChildProcess single = ChildProcesses.fork(ForkOptions.of(Main.class.getName(),
                "cluster", "--standalone", "--port", "0").silent(true));
        BlockingQueue<String> lines = new LinkedBlockingQueue<>();
        Thread.ofVirtual().start(() -> new BufferedReader(new InputStreamReader(single.stdout())).lines().forEach(lines::add));
        try {
            Matcher m = URL.matcher(nextLine(lines, "standalone: one process (pid " + single.pid() + ")"));
            assertThat(m.find()).isTrue();
            int port = Integer.parseInt(m.group(1));
            assertThat(get(port, "/")).isEqualTo("Handled by process " + single.pid());
            assertThat(get(port, "/sum?n=1000")).isEqualTo("Sum of i for 0 <= i < 1000 is 499500 (process " + single.pid() + ")");
        } finally {
            single.kill(Signal.SIGKILL);
        }
        // --warm-up: the workers answer their own requests first, then serve as usual
        ChildProcess primary = ChildProcesses.fork(ForkOptions.of(Main.class.getName(),
                "cluster", "--port", "0", "--workers", "1", "--warm-up", "500").silent(true));
        BlockingQueue<String> out = new LinkedBlockingQueue<>();
        Thread.ofVirtual().start(() -> new BufferedReader(new InputStreamReader(primary.stdout())).lines().forEach(out::add));
        try {
            Matcher m = URL.matcher(nextLine(out, "http://localhost:"));
            assertThat(m.find()).isTrue();
            assertThat(get(Integer.parseInt(m.group(1)), "/")).startsWith("Handled by process ");
        } finally {
            primary.kill(Signal.SIGTERM);
        }
        assertThat(primary.waitFor(Duration.ofSeconds(30))).isEqualTo(new ExitStatus.Exited(143));
    }
}
