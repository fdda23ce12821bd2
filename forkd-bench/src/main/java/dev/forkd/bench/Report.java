package dev.forkd.bench;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

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
            new Target("spawn-pipes", "rate", 1.7, 2.0),
            new Target("execfile-echo", "rate", 0, 2.0),
            new Target("capture", "throughput", 0, 1.0));

    private Report() {}

    public static void main(String[] args) throws IOException {
        if (args.length != 1) {
            System.err.println("usage: Report <side-by-side log>");
            System.exit(2);
        }
        Stats.Results results = Stats.Results.read(Path.of(args[0]));
        Map<String, Map<String, Map<Integer, Double>>> data = results.data(); // "scenario metric" -> impl -> round -> value
        Map<String, String> units = results.units();

        System.out.println("| scenario | unit | forkd | ProcessBuilder | Node | forkd/PB | forkd/Node | target | met |");
        System.out.println("|---|---|---|---|---|---|---|---|---|");
        for (Target t : TARGETS) {
            String key = t.scenario + " " + t.metric;
            Map<String, Map<Integer, Double>> byImpl = data.get(key);
            if (byImpl == null) continue;
            StringBuilder row = new StringBuilder("| " + t.scenario + " | " + units.get(key));
            for (String impl : IMPLS) row.append(" | ").append(Stats.fmt(Stats.median(byImpl.get(impl))));
            Stats.Ratio pb = Stats.ratio(byImpl.get("forkd"), byImpl.get("pb"));
            Stats.Ratio node = Stats.ratio(byImpl.get("forkd"), byImpl.get("node"));
            row.append(" | ").append(pb).append(" | ").append(node).append(" | ");
            List<String> targets = new ArrayList<>();
            boolean met = true;
            if (t.vsPb > 0) {
                targets.add("≥ " + t.vsPb + "× PB");
                met &= pb.ofMedians() >= t.vsPb;
            }
            if (t.vsNode > 0) {
                targets.add("≥ " + t.vsNode + "× Node");
                met &= node.ofMedians() >= t.vsNode;
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
                System.out.println("Reference for " + t.scenario + ": " + impl + " " + Stats.fmt(Stats.median(v)) + " " + units.get(key)
                        + Stats.runs(v) + "; forkd / " + impl + " = " + Stats.ratio(byImpl.get("forkd"), byImpl.get(impl)));
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
                row.append(" | ").append(v == null ? "–" : Stats.fmt(Stats.median(v)) + Stats.runs(v));
            }
            System.out.println(row.append(" |"));
        });

        System.out.println();
        System.out.println("All runs (round: value):");
        data.forEach((key, byImpl) -> byImpl.forEach((impl, v) ->
                System.out.println("  " + key + " " + impl + ": " + v)));
    }
}
