package dev.forkd.bench;

import dev.forkd.ChildProcess;
import dev.forkd.ChildProcesses;
import dev.forkd.Command;
import dev.forkd.ExecOptions;
import dev.forkd.Output;
import dev.forkd.Stdio;
import java.io.File;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * One measurement of one scenario with one implementation, in a fresh JVM; {@code run-side-by-side.sh}
 * interleaves these with the Node scripts in {@code node/} and {@link Report} summarises them.
 *
 * <p>Every run prints lines {@code RESULT <scenario> <impl> <metric> <value> <unit>} on stdout, the same
 * format the Node scripts print. Usage:
 * <pre>
 *   SideBySide spawn-true    forkd|pb &lt;warm-up calls&gt; &lt;measured calls&gt; [program, default true]
 *   SideBySide spawn-pipes   forkd|pb &lt;warm-up calls&gt; &lt;measured calls&gt; [program, default true]
 *   SideBySide execfile-echo forkd|pb &lt;warm-up calls&gt; &lt;measured calls&gt; [program, default echo]
 *   SideBySide capture       forkd|pb &lt;bytes&gt; &lt;warm-up calls&gt; &lt;measured calls&gt;
 *   SideBySide threads       forkd|pb &lt;children&gt; &lt;sleep seconds&gt;
 * </pre>
 */
public final class SideBySide {
    private static final File DEV_NULL = new File("/dev/null");

    private SideBySide() {}

    public static void main(String[] args) throws Exception {
        if (args.length < 2) usage();
        String scenario = args[0];
        String impl = args[1];
        if (!impl.equals("forkd") && !impl.equals("pb")) usage();
        boolean forkd = impl.equals("forkd");
        switch (scenario) {
            case "spawn-true" -> {
                if (args.length > 4) trueProgram = args[4];
                trueCommand = Command.of(trueProgram).stdio(Stdio.ignore(), Stdio.ignore(), Stdio.ignore());
                Call call = forkd ? SideBySide::forkdSpawnTrue : SideBySide::pbSpawnTrue;
                long ns = timed(call, intArg(args, 2), intArg(args, 3));
                result(scenario, impl, "rate", intArg(args, 3) * 1e9 / ns, "ops/s");
            }
            case "spawn-pipes" -> {
                if (args.length > 4) trueProgram = args[4];
                Call call = forkd ? SideBySide::forkdSpawnPipes : SideBySide::pbSpawnPipes;
                long ns = timed(call, intArg(args, 2), intArg(args, 3));
                result(scenario, impl, "rate", intArg(args, 3) * 1e9 / ns, "ops/s");
            }
            case "execfile-echo" -> {
                if (args.length > 4) echoProgram = args[4];
                Call call = forkd ? SideBySide::forkdEcho : SideBySide::pbEcho;
                long ns = timed(call, intArg(args, 2), intArg(args, 3));
                result(scenario, impl, "rate", intArg(args, 3) * 1e9 / ns, "ops/s");
            }
            case "capture" -> {
                long bytes = Long.parseLong(args[2]);
                Call call = forkd ? () -> forkdCapture(bytes) : () -> pbCapture(bytes);
                long ns = timed(call, intArg(args, 3), intArg(args, 4));
                result(scenario, impl, "throughput", (double) bytes * intArg(args, 4) / (1 << 20) / (ns / 1e9), "MiB/s");
            }
            case "threads" -> threads(forkd, impl, intArg(args, 2), intArg(args, 3));
            default -> usage();
        }
        System.out.flush();
        // forkd's loop thread is a daemon and ProcessBuilder's reapers idle out; nothing else keeps us alive,
        // but exit explicitly so a slow reaper pool does not add to the wall time of the script.
        System.exit(0);
    }

    private static void usage() {
        System.err.println("usage: SideBySide spawn-true|spawn-pipes|execfile-echo forkd|pb <warm-up> <count>\n"
                + "       SideBySide capture forkd|pb <bytes> <warm-up> <count>\n"
                + "       SideBySide threads forkd|pb <children> <sleep-seconds>");
        System.exit(2);
    }

    private static int intArg(String[] args, int i) {
        if (i >= args.length) usage();
        return Integer.parseInt(args[i]);
    }

    @FunctionalInterface
    private interface Call {
        void run() throws Exception;
    }

    /** Runs warm-up calls, then times {@code count} sequential calls; returns the nanoseconds they took. */
    private static long timed(Call call, int warmUp, int count) throws Exception {
        for (int i = 0; i < warmUp; i++) call.run();
        long t0 = System.nanoTime();
        for (int i = 0; i < count; i++) call.run();
        return System.nanoTime() - t0;
    }

    static void result(String scenario, String impl, String metric, double value, String unit) {
        System.out.printf(Locale.ROOT, "RESULT %s %s %s %.2f %s%n", scenario, impl, metric, value, unit);
    }

    // ---- spawn + wait of `true`, fds 0-2 on /dev/null (Node: stdio 'ignore') ----

    /** {@code true} unless a fifth argument names another do-nothing program (e.g. a static one). */
    private static String trueProgram = "true";
    private static Command trueCommand;

    private static void forkdSpawnTrue() throws Exception {
        check(ChildProcesses.spawn(trueCommand).waitFor().success(), "true failed");
    }

    private static void pbSpawnTrue() throws Exception {
        int code = new ProcessBuilder(trueProgram)
                .redirectInput(DEV_NULL)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .redirectError(ProcessBuilder.Redirect.DISCARD)
                .start().waitFor();
        check(code == 0, "true failed");
    }

    // ---- echo hello, stdout and stderr captured ----

    /** {@code echo} unless a fifth argument names another program that prints "hello\n" (e.g. c/echo0.c). */
    private static String echoProgram = "echo";

    private static void forkdEcho() {
        Output out = ChildProcesses.execFile(echoProgram, "hello").join();
        check(out.stdout().length == 6, "unexpected output");
    }

    private static void pbEcho() throws Exception {
        Process p = new ProcessBuilder(echoProgram, "hello").start();
        p.getOutputStream().close();
        byte[] out = p.getInputStream().readAllBytes();
        p.getErrorStream().readAllBytes();
        check(p.waitFor() == 0 && out.length == 6, "unexpected output");
    }

    // ---- spawn + 'close' of `true` with the default stdio: three pipes (Node's default too) ----

    private static void forkdSpawnPipes() throws Exception {
        ChildProcess child = ChildProcesses.spawn(Command.of(trueProgram));
        check(child.onClose().join().success(), "true failed");
        child.close(); // stdin: Node destroys it at exit
    }

    private static void pbSpawnPipes() throws Exception {
        Process p = new ProcessBuilder(trueProgram).start();
        int code = p.waitFor();
        p.getOutputStream().close();
        p.getInputStream().close();
        p.getErrorStream().close();
        check(code == 0, "true failed");
    }

    // ---- bulk capture of head -c N /dev/zero ----

    private static void forkdCapture(long bytes) {
        Output out = ChildProcesses.execFile(Command.of("head", "-c", Long.toString(bytes), "/dev/zero"),
                ExecOptions.defaults().maxBuffer(Long.MAX_VALUE)).join();
        check(out.stdout().length == bytes, "captured " + out.stdout().length + " bytes");
    }

    private static void pbCapture(long bytes) throws Exception {
        Process p = new ProcessBuilder("head", "-c", Long.toString(bytes), "/dev/zero")
                .redirectInput(DEV_NULL).start();
        byte[] out = p.getInputStream().readAllBytes();
        p.getErrorStream().readAllBytes();
        check(p.waitFor() == 0 && out.length == bytes, "captured " + out.length + " bytes");
    }

    private static void check(boolean ok, String message) {
        if (!ok) throw new IllegalStateException(message);
    }

    // ---- many concurrent children: threads and memory ----

    /**
     * Starts {@code n} {@code sleep <seconds>} children with stdin on /dev/null and stdout and stderr piped,
     * while they all run counts the JVM's platform threads and reads VmRSS, then waits for every child.
     * The baseline is taken before forkd (or ProcessBuilder) is first used, so the event loop thread and any
     * carrier threads of forkd's virtual threads count as "added".
     */
    private static void threads(boolean forkd, String impl, int n, int seconds) throws Exception {
        ThreadMXBean mx = ManagementFactory.getThreadMXBean();
        System.gc();
        int platformBefore = mx.getThreadCount();
        int osBefore = osThreads();
        long rssBefore = statusKb("VmRSS");
        Map<String, Integer> namesBefore = threadNames();
        mx.resetPeakThreadCount();
        // One child first, so that the library's one-off cost (classes, FFM linker, event loop) shows apart
        // from the cost per child. Its threads still count as "added".
        Command one = Command.of("true").stdio(Stdio.ignore(), Stdio.ignore(), Stdio.ignore());
        if (forkd) {
            check(ChildProcesses.spawn(one).waitFor().success(), "true failed");
        } else {
            check(new ProcessBuilder("true").redirectInput(DEV_NULL).start().waitFor() == 0, "true failed");
        }
        long rssFirst = statusKb("VmRSS");

        List<ChildProcess> children = new ArrayList<>(n);
        List<Process> processes = new ArrayList<>(n);
        Command sleep = Command.of("sleep", Integer.toString(seconds)).stdio(Stdio.ignore(), Stdio.pipe(), Stdio.pipe());
        long t0 = System.nanoTime();
        for (int i = 0; i < n; i++) {
            if (forkd) {
                children.add(ChildProcesses.spawn(sleep));
            } else {
                processes.add(new ProcessBuilder("sleep", Integer.toString(seconds)).redirectInput(DEV_NULL).start());
            }
        }
        long spawnNs = System.nanoTime() - t0;
        int platformDuring = mx.getThreadCount();
        int osDuring = osThreads();
        long rssDuring = statusKb("VmRSS");
        Map<String, Integer> namesDuring = threadNames();

        int failed = 0;
        for (ChildProcess c : children) {
            if (!c.waitFor().success()) failed++;
            c.close();
        }
        for (Process p : processes) {
            if (p.waitFor() != 0) failed++;
            p.getInputStream().close();
            p.getErrorStream().close();
        }
        long totalNs = System.nanoTime() - t0;
        int peak = mx.getPeakThreadCount();
        check(failed == 0, failed + " children failed");

        String s = "threads";
        result(s, impl, "children", n, "count");
        result(s, impl, "spawn_all_s", spawnNs / 1e9, "s");
        result(s, impl, "all_done_s", totalNs / 1e9, "s");
        result(s, impl, "platform_threads_before", platformBefore, "threads");
        result(s, impl, "platform_threads_during", platformDuring, "threads");
        result(s, impl, "platform_threads_added", platformDuring - platformBefore, "threads");
        result(s, impl, "platform_threads_peak_added", peak - platformBefore, "threads");
        result(s, impl, "os_threads_added", osDuring - osBefore, "threads");
        result(s, impl, "rss_before", rssBefore / 1024.0, "MiB");
        result(s, impl, "rss_during", rssDuring / 1024.0, "MiB");
        result(s, impl, "rss_after_first_child", rssFirst / 1024.0, "MiB");
        result(s, impl, "rss_added", (rssDuring - rssBefore) / 1024.0, "MiB");
        result(s, impl, "rss_per_child", (rssDuring - rssFirst) / (double) n, "KiB");
        result(s, impl, "rss_peak", statusKb("VmHWM") / 1024.0, "MiB");
        System.out.println("# new platform threads while the children ran, by name (digits folded): "
                + diff(namesBefore, namesDuring));
    }

    private static int osThreads() throws IOException {
        return (int) statusKb("Threads");
    }

    /** A numeric field of /proc/self/status ("VmRSS:  1234 kB" gives 1234). */
    private static long statusKb(String field) throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith(field + ":")) {
                return Long.parseLong(line.substring(field.length() + 1).trim().split("\\s+")[0]);
            }
        }
        throw new IllegalStateException("no " + field + " in /proc/self/status");
    }

    /** Live platform threads (getAllStackTraces omits virtual threads) counted by name with digits folded. */
    private static Map<String, Integer> threadNames() {
        Map<String, Integer> names = new TreeMap<>();
        for (Thread t : Thread.getAllStackTraces().keySet()) {
            names.merge(t.getName().replaceAll("[0-9]+", "#"), 1, Integer::sum);
        }
        return names;
    }

    private static Map<String, Integer> diff(Map<String, Integer> before, Map<String, Integer> after) {
        Map<String, Integer> d = new TreeMap<>();
        after.forEach((k, v) -> {
            int delta = v - before.getOrDefault(k, 0);
            if (delta != 0) d.put(k, delta);
        });
        return d;
    }
}
