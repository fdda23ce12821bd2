package dev.forkd.examples.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import dev.forkd.ChildProcess;
import dev.forkd.ChildProcesses;
import dev.forkd.ForkOptions;
import dev.forkd.Signal;
import dev.forkd.examples.Main;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The Node multi-process article's cluster example, run as a user runs it: a primary JVM, two Jetty workers, real
 * HTTP, a worker killed from outside.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class ClusterRespawnTest {
    private static final Pattern SERVER_START = Pattern.compile("server start (\\d+)");

    @Test
    void workersAnswerWithTheirPidAndADeadOneIsReportedAndReplaced() throws Exception {
        int port = freePort();
        ChildProcess primary = ChildProcesses.fork(ForkOptions.of(Main.class.getName(),
                "cluster-respawn", "--port", Integer.toString(port), "--workers", "2").silent(true));
        BlockingQueue<String> lines = new LinkedBlockingQueue<>();
        List<String> seen = new ArrayList<>();
        Thread reader = Thread.ofVirtual().start(() -> new BufferedReader(new InputStreamReader(primary.stdout()))
                .lines().forEach(lines::add));
        List<Long> workers = new ArrayList<>();
        try {
            workers.add(serverStart(nextLine(lines, seen)));
            workers.add(serverStart(nextLine(lines, seen)));
            assertThat(get(port)).isIn(pids(workers));

            long killed = workers.getFirst();
            assertThat(ProcessHandle.of(killed).map(ProcessHandle::destroyForcibly)).hasValue(true);
            assertThat(nextLine(lines, seen)).isEqualTo(killed + " death");
            workers.add(serverStart(nextLine(lines, seen)));
            List<String> alive = pids(workers.subList(1, 3));
            for (int i = 0; i < 4; i++) assertThat(get(port)).isIn(alive); // round robin: both of them, in turn
        } finally {
            primary.kill(Signal.SIGTERM);
        }
        primary.waitFor(Duration.ofSeconds(60));
        for (long worker : workers) {
            Optional<ProcessHandle> left = ProcessHandle.of(worker);
            if (left.isPresent()) left.get().onExit().get(30, TimeUnit.SECONDS); // workers follow their primary
        }
        assertThat(reader.join(Duration.ofSeconds(30))).as("stdout closed by the primary and all workers").isTrue();
        assertThat(lines).as("lines after the replacement started (%s)", seen).isEmpty();
    }

    private static long serverStart(String line) {
        Matcher m = SERVER_START.matcher(line);
        assertThat(m.matches()).as("a 'server start <pid>' line: %s", line).isTrue();
        return Long.parseLong(m.group(1));
    }

    private static List<String> pids(List<Long> pids) {
        return pids.stream().map(String::valueOf).toList();
    }

    /** {@code GET /} on a new connection, so that the primary hands each request to the next worker. */
    private static String get(int port) throws Exception {
        try (HttpClient browser = HttpClient.newHttpClient()) {
            return browser.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/"))
                    .timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString()).body();
        }
    }

    private static String nextLine(BlockingQueue<String> lines, List<String> seen) throws InterruptedException {
        String line = lines.poll(60, TimeUnit.SECONDS);
        assertThat(line).as("a line within 60 s after %s", seen).isNotNull();
        seen.add(line);
        return line;
    }

    /** A port nobody listens on now (the article's 3000 may be taken by a demo running on this machine). */
    private static int freePort() throws Exception {
        try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return probe.getLocalPort();
        }
    }
}
