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
 * Summarises a side-by-side log: {@code ROUND <n>} lines followed by {@code RESULT <scenario> <impl> <metric>
 * <value> <unit>} lines. Prints Markdown tables: the median of every metric per implementation, the ratio
 * of the medians, and the range of the per-round ratios (forkd and its rival measured in the same round).
 *
 * <p>Usage: {@code Report <log file>}
 */
public final class Report {
    private static final List<String> IMPLS = List.of("forkd", "pb", "node");

    /** Throughput scenarios with the acceptance targets: minimum forkd/pb and forkd/node ratios (0: none). */
    private record Target(String scenario, String metric, double vsPb, double vsNode) {}

    private static final List<Target> TARGETS = List.of(
            new Target("spawn-true", "rate", 1.7, 2.0),
            new Target("execfile-echo", "rate", 0, 2.0),
            new Target("capture", "throughput", 0, 1.0));

    private Report() {}

    public static void main(String[] args) throws IOException {
        if (args.length != 1) {
            System.err.println("usage: Report <side-by-side log>");
            System.exit(2);
        }
        // key "scenario metric" -> impl -> round -> value
        Map<String, Map<String, Map<Integer, Double>>> data = new LinkedHashMap<>();
        Map<String, String> units = new LinkedHashMap<>();
        int round = 0;
        for (String line : Files.readAllLines(Path.of(args[0]))) {
            String[] f = line.trim().split("\\s+");
            if (f.length == 2 && f[0].equals("ROUND")) round = Integer.parseInt(f[1]);
            if (f.length != 6 || !f[0].equals("RESULT")) continue;
            String key = f[1] + " " + f[3];
            data.computeIfAbsent(key, k -> new LinkedHashMap<>())
                    .computeIfAbsent(f[2], k -> new TreeMap<>())
                    .put(round, Double.parseDouble(f[4]));
            units.put(key, f[5]);
        }

        System.out.println("| scenario | unit | forkd | ProcessBuilder | Node | forkd/PB | forkd/Node | target | met |");
        System.out.println("|---|---|---|---|---|---|---|---|---|");
        for (Target t : TARGETS) {
            String key = t.scenario + " " + t.metric;
            Map<String, Map<Integer, Double>> byImpl = data.get(key);
            if (byImpl == null) continue;
            StringBuilder row = new StringBuilder("| " + t.scenario + " | " + units.get(key));
            for (String impl : IMPLS) row.append(" | ").append(fmt(median(byImpl.get(impl))));
            Ratio pb = ratio(byImpl, "pb");
            Ratio node = ratio(byImpl, "node");
            row.append(" | ").append(pb).append(" | ").append(node).append(" | ");
            List<String> targets = new ArrayList<>();
            boolean met = true;
            if (t.vsPb > 0) {
                targets.add("≥ " + t.vsPb + "× PB");
                met &= pb.ofMedians >= t.vsPb;
            }
            if (t.vsNode > 0) {
                targets.add("≥ " + t.vsNode + "× Node");
                met &= node.ofMedians >= t.vsNode;
            }
            row.append(String.join(", ", targets)).append(" | ").append(met ? "yes" : "**no**").append(" |");
            System.out.println(row);
        }
        // Reference implementations (e.g. the C posix_spawn loop): forkd as a fraction of them.
        for (Target t : TARGETS) {
            String key = t.scenario + " " + t.metric;
            Map<String, Map<Integer, Double>> byImpl = data.get(key);
            if (byImpl == null) continue;
            byImpl.forEach((impl, v) -> {
                if (IMPLS.contains(impl)) return;
                System.out.println();
                System.out.println("Reference for " + t.scenario + ": " + impl + " " + fmt(median(v)) + " " + units.get(key)
                        + runs(v) + "; forkd / " + impl + " = " + ratio(byImpl, impl));
            });
        }

        if (data.keySet().stream().anyMatch(k -> k.startsWith("threads "))) {
            System.out.println();
            System.out.println("| metric | unit | forkd | ProcessBuilder | Node |");
            System.out.println("|---|---|---|---|---|");
        }
        data.forEach((key, byImpl) -> {
            if (!key.startsWith("threads ")) return;
            StringBuilder row = new StringBuilder("| " + key.substring(8) + " | " + units.get(key));
            for (String impl : IMPLS) {
                Map<Integer, Double> v = byImpl.get(impl);
                row.append(" | ").append(v == null ? "–" : fmt(median(v)) + runs(v));
            }
            System.out.println(row.append(" |"));
        });

        System.out.println();
        System.out.println("All runs (round: value):");
        data.forEach((key, byImpl) -> byImpl.forEach((impl, v) ->
                System.out.println("  " + key + " " + impl + ": " + v)));
    }

    /** forkd's median over the rival's, and the min-max of forkd/rival within each round. */
    private record Ratio(double ofMedians, double min, double max) {
        @Override
        public String toString() {
            if (Double.isNaN(ofMedians)) return "–";
            return String.format(Locale.ROOT, "**%.2f×** (%.2f–%.2f)", ofMedians, min, max);
        }
    }

    private static Ratio ratio(Map<String, Map<Integer, Double>> byImpl, String rival) {
        Map<Integer, Double> f = byImpl.get("forkd");
        Map<Integer, Double> r = byImpl.get(rival);
        if (f == null || r == null) return new Ratio(Double.NaN, 0, 0);
        double min = Double.MAX_VALUE;
        double max = 0;
        for (var e : f.entrySet()) {
            Double other = r.get(e.getKey());
            if (other == null) continue;
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
        return String.format(Locale.ROOT, Math.abs(d) >= 100 ? "%.0f" : "%.1f", d);
    }
}
