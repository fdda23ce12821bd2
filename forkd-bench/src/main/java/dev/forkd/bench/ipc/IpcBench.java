package dev.forkd.bench.ipc;

import dev.forkd.ChildProcess;
import dev.forkd.ChildProcesses;
import dev.forkd.Command;
import dev.forkd.ForkOptions;
import dev.forkd.Stdio;
import dev.forkd.ipc.Channel;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import tools.jackson.databind.JsonNode;

/**
 * One IPC measurement in a fresh JVM: this JVM forks {@link IpcChild} with forkd and talks to it over the
 * Node-compatible channel. {@code node/ipc.js} does the same with Node's {@code fork()} and
 * {@code node/ipc-child.js}; {@code run-ipc.sh} interleaves both and {@code RatioReport} summarises.
 *
 * <pre>
 * IpcBench p2c   &lt;warm-up&gt; &lt;count&gt; &lt;size&gt;   parent → child, N data messages {"seq":i,"msg":size × "x"}
 * IpcBench c2p   &lt;warm-up&gt; &lt;count&gt; &lt;size&gt;   child → parent, the same messages
 * IpcBench rtt   &lt;warm-up&gt; &lt;count&gt;          sequential {"ping":i} → {"pong":i}
 * IpcBench first &lt;variant&gt; &lt;count&gt; [aot dir] fork → first message; variants: default, c1, aot, aot-c1, bare
 * IpcBench probe &lt;count&gt; [child JVM options]  forks {@link StartupProbe} (start-up breakdown on stderr)
 * </pre>
 */
public final class IpcBench {
    private static final String[] C1 = {"-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC"};

    private IpcBench() {}

    public static void main(String[] args) throws Exception {
        switch (args[0]) {
            case "p2c", "c2p" -> oneWay(args[0], Integer.parseInt(args[1]), Integer.parseInt(args[2]),
                    Integer.parseInt(args[3]));
            case "rtt" -> rtt(Integer.parseInt(args[1]), Integer.parseInt(args[2]));
            case "first" -> first(args[1], Integer.parseInt(args[2]), args.length > 3 ? Path.of(args[3]) : Path.of("."));
            case "probe" -> {
                // StartupProbe prints its PROBE line on the stderr it shares with this JVM.
                for (int i = 0; i < Integer.parseInt(args[1]); i++) {
                    ChildProcess c = ChildProcesses.fork(ForkOptions.of(StartupProbe.class.getName())
                            .execArgv(Arrays.copyOfRange(args, 2, args.length)));
                    c.waitFor();
                    c.close();
                }
            }
            default -> throw new IllegalArgumentException("unknown scenario " + args[0]);
        }
        System.exit(0);
    }

    /** A forked IpcChild whose messages go to whatever handler is current. */
    private static final class Peer implements AutoCloseable {
        final ChildProcess child;
        final Channel channel;
        volatile Consumer<JsonNode> handler = b -> { };

        Peer() throws Exception {
            child = ChildProcesses.fork(ForkOptions.of(IpcChild.class.getName()));
            channel = child.channel().orElseThrow();
            channel.onMessage(m -> handler.accept(m.body()));
        }

        @Override
        public void close() throws Exception {
            channel.send(Map.of("op", "exit"));
            child.waitFor();
            child.close();
        }
    }

    private static void oneWay(String direction, int warmUp, int count, int size) throws Exception {
        String scenario = "ipc-" + direction + "-" + (size >= 1 << 20 ? "1mib" : "small");
        try (Peer p = new Peer()) {
            if (warmUp > 0) oneWayRun(p, direction, warmUp, size);
            double secs = oneWayRun(p, direction, count, size);
            if (size >= 1 << 20) {
                result(scenario, "throughput", (double) count * size / (1 << 20) / secs, "MiB/s");
            } else {
                result(scenario, "rate", count / secs, "msgs/s");
            }
        }
    }

    private static double oneWayRun(Peer p, String direction, int n, int size) throws Exception {
        CompletableFuture<Void> done = new CompletableFuture<>();
        long t0;
        if (direction.equals("p2c")) {
            p.handler = b -> {
                if (b.path("op").asString("").equals("done")) done.complete(null);
            };
            p.channel.send(Map.of("op", "expect", "n", n));
            String msg = "x".repeat(size);
            t0 = System.nanoTime();
            for (int i = 0; i < n; i++) p.channel.send(new IpcChild.Data(i, msg));
        } else {
            long[] seen = {0};
            p.handler = b -> {
                if (b.has("seq") && ++seen[0] == n) done.complete(null);
            };
            t0 = System.nanoTime();
            p.channel.send(Map.of("op", "emit", "n", n, "size", size));
        }
        done.get(10, TimeUnit.MINUTES);
        return (System.nanoTime() - t0) / 1e9;
    }

    private static void rtt(int warmUp, int count) throws Exception {
        try (Peer p = new Peer()) {
            if (warmUp > 0) pingPong(p, warmUp);
            long[] samples = pingPong(p, count);
            Arrays.sort(samples);
            double total = 0;
            for (long s : samples) total += s;
            result("ipc-rtt", "median", samples[samples.length / 2] / 1e3, "us");
            result("ipc-rtt", "mean", total / samples.length / 1e3, "us");
            result("ipc-rtt", "p99", samples[(int) (samples.length * 0.99)] / 1e3, "us");
        }
    }

    /** {@code n} sequential round trips, each sent from the listener that received the previous answer. */
    private static long[] pingPong(Peer p, int n) throws Exception {
        long[] samples = new long[n];
        long[] sentAt = {0};
        CompletableFuture<Void> done = new CompletableFuture<>();
        p.handler = b -> {
            long now = System.nanoTime();
            int i = b.get("pong").asInt();
            samples[i] = now - sentAt[0];
            if (i + 1 == n) {
                done.complete(null);
                return;
            }
            sentAt[0] = System.nanoTime();
            p.channel.send(Map.of("ping", i + 1));
        };
        sentAt[0] = System.nanoTime();
        p.channel.send(Map.of("ping", 0));
        done.get(10, TimeUnit.MINUTES);
        return samples;
    }

    // ---- fork → first message ----

    private static void first(String variant, int count, Path aotDir) throws Exception {
        String impl = variant.equals("bare") ? "jvm-bare" : variant.equals("default") ? "forkd" : "forkd-" + variant;
        // total; the fork call; fork → child's main; Channel.parent(); child's first send → parent's listener (ms)
        List<double[]> runs = new ArrayList<>();
        for (int i = 0; i <= count; i++) {
            double[] r = variant.equals("bare") ? bareOnce() : firstOnce(variant, aotDir);
            if (i > 0) runs.add(r); // run 0 warms the parent (and, for the AOT variants, may train the cache)
        }
        String[] metrics = {"median", "fork_call", "to_main", "open_channel", "first_send"};
        for (int m = 0; m < metrics.length; m++) {
            final int k = m;
            double[] v = runs.stream().mapToDouble(r -> r[k]).filter(d -> !Double.isNaN(d)).sorted().toArray();
            if (v.length > 0) result("fork-first", impl, metrics[m], v[v.length / 2], "ms");
        }
    }

    private static double[] firstOnce(String variant, Path aotDir) throws Exception {
        List<String> execArgv = new ArrayList<>();
        ForkOptions options = ForkOptions.of(IpcChild.class.getName(), "first");
        if (variant.contains("c1")) execArgv.addAll(List.of(C1));
        if (variant.contains("aot")) {
            options = options.aotCache(aotDir.resolve("ipc-child-" + variant + ".aot").toAbsolutePath());
        }
        options = options.execArgv(execArgv.toArray(String[]::new));
        CompletableFuture<long[]> first = new CompletableFuture<>();
        long t0 = System.nanoTime();
        ChildProcess child = ChildProcesses.fork(options);
        long tFork = System.nanoTime();
        child.channel().orElseThrow().onMessage(m -> {
            long now = System.nanoTime();
            JsonNode b = m.body();
            first.complete(new long[] {now, b.get("tMain").asLong(), b.get("tOpen").asLong()});
        });
        long[] t = first.get(2, TimeUnit.MINUTES);
        if (!child.waitFor().success()) throw new IllegalStateException("child failed");
        child.close();
        return new double[] {ms(t[0] - t0), ms(tFork - t0), ms(t[1] - t0), ms(t[2] - t[1]), ms(t[0] - t[2])};
    }

    /** A bare JVM ({@link BareHello}) spawned with forkd, until its line arrives on the stdout pipe. */
    private static double[] bareOnce() throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        long t0 = System.nanoTime();
        ChildProcess child = ChildProcesses.spawn(Command.of(java, "-cp", System.getProperty("java.class.path"),
                BareHello.class.getName()).stdio(Stdio.ignore(), Stdio.pipe(), Stdio.inherit()));
        long tFork = System.nanoTime();
        String line = new BufferedReader(new InputStreamReader(child.stdout(), StandardCharsets.UTF_8)).readLine();
        long now = System.nanoTime();
        long tMain = Long.parseLong(line.substring("hello ".length()).trim());
        child.waitFor();
        child.close();
        return new double[] {ms(now - t0), ms(tFork - t0), ms(tMain - t0), Double.NaN, ms(now - tMain)};
    }

    private static double ms(long nanos) {
        return nanos / 1e6;
    }

    private static void result(String scenario, String metric, double value, String unit) {
        result(scenario, "forkd", metric, value, unit);
    }

    static void result(String scenario, String impl, String metric, double value, String unit) {
        System.out.println(String.format(Locale.ROOT, "RESULT %s %s %s %.2f %s", scenario, impl, metric, value, unit));
    }
}
