package dev.forkd.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * Summarises an IPC or cluster side-by-side log ({@code run-ipc.sh}, {@code run-cluster.sh}): {@code ROUND <n>}
 * lines and {@code RESULT <scenario> <impl> <metric> <value> <unit>} lines. For every scenario and metric it
 * prints each implementation's median with its per-round range, and every non-Node implementation's ratio
 * to Node: the ratio of the medians and, in brackets, the range of the ratios within each round (both
 * measured in the same round). Where the issue sets a target, the row says whether it is met.
 *
 * <p>Usage: {@code RatioReport <log file>}
 */
public final class RatioReport {
    /** A target on {@code impl / node}: at least {@code ratio} (higher is better) or at most (lower is better). */
    private record Target(String scenario, String metric, double ratio, boolean atLeast) {
        String text() {
            return (atLeast ? "≥ " : "≤ ") + ratio + "× Node";
        }

        boolean met(double r) {
            return atLeast ? r >= ratio : r <= ratio;
        }
    }

    private static final List<Target> TARGETS = List.of(
            new Target("ipc-p2c-small", "rate", 5, true),
            new Target("ipc-c2p-small", "rate", 5, true),
            new Target("ipc-rtt", "median", 0.5, false),
            new Target("ipc-p2c-1mib", "throughput", 1, true),
            new Target("ipc-c2p-1mib", "throughput", 1, true),
            new Target("fork-first", "median", 1, false),
            new Target("cluster-hello", "rate", 2, true));

    private RatioReport() {}

    public static void main(String[] args) throws IOException {
        if (args.length != 1) {
            System.err.println("usage: RatioReport <log file>");
            System.exit(2);
        }
        // "scenario metric" -> impl -> round -> value
        Map<String, Map<String, Map<Integer, Double>>> data = new LinkedHashMap<>();
        Map<String, String> units = new LinkedHashMap<>();
        int round = 0;
        for (String line : Files.readAllLines(Path.of(args[0]))) {
            String[] f = line.trim().split("\\s+");
            if (f.length == 2 && f[0].equals("ROUND")) round = Integer.parseInt(f[1]);
            if (f.length != 6 || !f[0].equals("RESULT")) continue;
            String key = f[1] + " " + f[3];
            data.computeIfAbsent(key, k -> new LinkedHashMap<>()).computeIfAbsent(f[2], k -> new TreeMap<>())
                    .put(round, Double.parseDouble(f[4]));
            units.put(key, f[5]);
        }

        System.out.println("| scenario | metric | unit | implementation | median (per-round range) | / Node (per-round range) | target | met |");
        System.out.println("|---|---|---|---|---|---|---|---|");
        data.forEach((key, byImpl) -> {
            String[] sm = key.split(" ");
            Target target = TARGETS.stream().filter(t -> t.scenario.equals(sm[0]) && t.metric.equals(sm[1]))
                    .findFirst().orElse(null);
            List<String> impls = new ArrayList<>(byImpl.keySet());
            impls.remove("node");
            impls.add("node");
            for (String impl : impls) {
                Map<Integer, Double> v = byImpl.get(impl);
                Ratio r = impl.equals("node") ? null : ratio(v, byImpl.get("node"));
                String t = "";
                String met = "";
                if (target != null && r != null && !Double.isNaN(r.ofMedians) && !impl.equals("jvm-bare")) {
                    t = target.text();
                    met = target.met(r.ofMedians) ? "yes" : "**no**";
                }
                System.out.println("| " + sm[0] + " | " + sm[1] + " | " + units.get(key) + " | " + impl + " | "
                        + fmt(median(v)) + runs(v) + " | " + (r == null ? "" : r) + " | " + t + " | " + met + " |");
            }
        });

        System.out.println();
        System.out.println("All runs (round: value):");
        data.forEach((key, byImpl) -> byImpl.forEach((impl, v) -> System.out.println("  " + key + " " + impl + ": " + v)));
    }

    private record Ratio(double ofMedians, double min, double max) {
        @Override
        public String toString() {
            if (Double.isNaN(ofMedians)) return "–";
            return String.format(Locale.ROOT, "**%.2f×** (%.2f–%.2f)", ofMedians, min, max);
        }
    }

    private static Ratio ratio(Map<Integer, Double> f, Map<Integer, Double> r) {
        if (f == null || r == null || !(median(r) > 0)) return new Ratio(Double.NaN, 0, 0);
        double min = Double.MAX_VALUE;
        double max = 0;
        for (var e : f.entrySet()) {
            Double other = r.get(e.getKey());
            if (other == null || other == 0) continue;
            double q = e.getValue() / other;
            min = Math.min(min, q);
            max = Math.max(max, q);
        }
        return new Ratio(median(f) / median(r), min, max);
    }

    private static double median(Map<Integer, Double> values) {
        if (values == null || values.isEmpty()) return Double.NaN;
        List<Double> v = new ArrayList<>(values.values());
        v.sort(null);
        int n = v.size();
        return n % 2 == 1 ? v.get(n / 2) : (v.get(n / 2 - 1) + v.get(n / 2)) / 2;
    }

    private static String runs(Map<Integer, Double> v) {
        if (v.size() < 2) return "";
        double min = v.values().stream().mapToDouble(Double::doubleValue).min().orElseThrow();
        double max = v.values().stream().mapToDouble(Double::doubleValue).max().orElseThrow();
        return min == max ? "" : " (" + fmt(min) + "–" + fmt(max) + ")";
    }

    private static String fmt(double d) {
        if (Double.isNaN(d)) return "–";
        if (d == Math.rint(d) && Math.abs(d) < 1e9) return Long.toString((long) d);
        return String.format(Locale.ROOT, Math.abs(d) >= 100 ? "%.0f" : Math.abs(d) >= 10 ? "%.1f" : "%.2f", d);
    }
}
