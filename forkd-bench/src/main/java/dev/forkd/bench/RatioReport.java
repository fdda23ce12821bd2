package dev.forkd.bench;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Summarises an IPC or cluster side-by-side log ({@code run-ipc.sh}, {@code run-cluster.sh}): {@code ROUND <n>}
 * lines and {@code RESULT <scenario> <impl> <metric> <value> <unit>} lines. For every scenario and metric it
 * prints each implementation's median with its per-round range, and every non-Node implementation's ratio
 * to Node: the ratio of the medians and, in brackets, the range of the ratios within each round (both
 * measured in the same round). Where the issue sets a target, the row says whether it is met. A cluster log
 * with a {@code standalone} implementation (the same server as one plain process) also gets every
 * implementation's ratio to it: what the cluster layer costs or gains.
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
        Stats.Results results = Stats.Results.read(Path.of(args[0]));
        Map<String, Map<String, Map<Integer, Double>>> data = results.data(); // "scenario metric" -> impl -> round -> value
        Map<String, String> units = results.units();

        boolean standalone = data.values().stream().anyMatch(byImpl -> byImpl.containsKey("standalone"));
        System.out.println("| scenario | metric | unit | implementation | median (per-round range) | / Node (per-round range) | target | met |"
                + (standalone ? " / standalone (per-round range) |" : ""));
        System.out.println("|---|---|---|---|---|---|---|---|" + (standalone ? "---|" : ""));
        data.forEach((key, byImpl) -> {
            String[] sm = key.split(" ");
            Target target = TARGETS.stream().filter(t -> t.scenario.equals(sm[0]) && t.metric.equals(sm[1]))
                    .findFirst().orElse(null);
            List<String> impls = new ArrayList<>(byImpl.keySet());
            if (impls.remove("node")) impls.add("node"); // last, when it ran
            for (String impl : impls) {
                Map<Integer, Double> v = byImpl.get(impl);
                Stats.Ratio r = impl.equals("node") ? null : Stats.ratio(v, byImpl.get("node"));
                String t = "";
                String met = "";
                if (target != null && r != null && !Double.isNaN(r.ofMedians()) && !impl.equals("jvm-bare")) {
                    t = target.text();
                    met = target.met(r.ofMedians()) ? "yes" : "**no**";
                }
                String vsStandalone = "";
                if (standalone) {
                    Map<Integer, Double> base = byImpl.get("standalone");
                    vsStandalone = (base == null || impl.equals("standalone") ? "" : Stats.ratio(v, base).toString()) + " |";
                }
                System.out.println("| " + sm[0] + " | " + sm[1] + " | " + units.get(key) + " | " + impl + " | "
                        + Stats.fmt(Stats.median(v)) + Stats.runs(v) + " | " + (r == null ? "" : r) + " | " + t + " | " + met + " |"
                        + (standalone ? " " + vsStandalone : ""));
            }
        });

        System.out.println();
        System.out.println("All runs (round: value):");
        data.forEach((key, byImpl) -> byImpl.forEach((impl, v) -> System.out.println("  " + key + " " + impl + ": " + v)));
    }
}
