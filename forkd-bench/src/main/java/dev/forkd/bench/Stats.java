package dev.forkd.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** Medians, per-round ratio ranges and number formatting shared by the benchmark reports. */
final class Stats {
    private Stats() {}

    /** The ratio of medians, and the range of the per-round ratios. */
    record Ratio(double ofMedians, double min, double max) {
        @Override
        public String toString() {
            if (Double.isNaN(ofMedians)) return "–";
            return String.format(Locale.ROOT, "**%.2f×** (%.2f–%.2f)", ofMedians, min, max);
        }
    }

    /** {@code f} over {@code r}, both by round; rounds missing (or zero) on either side are skipped. */
    static Ratio ratio(Map<Integer, Double> f, Map<Integer, Double> r) {
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

    static double median(Map<Integer, Double> values) {
        if (values == null || values.isEmpty()) return Double.NaN;
        List<Double> v = new ArrayList<>(values.values());
        v.sort(null);
        int n = v.size();
        return n % 2 == 1 ? v.get(n / 2) : (v.get(n / 2 - 1) + v.get(n / 2)) / 2;
    }

    /** " (min–max)" over the rounds, or "" with fewer than two distinct values. */
    static String runs(Map<Integer, Double> v) {
        if (v.size() < 2) return "";
        double min = v.values().stream().mapToDouble(Double::doubleValue).min().orElseThrow();
        double max = v.values().stream().mapToDouble(Double::doubleValue).max().orElseThrow();
        return min == max ? "" : " (" + fmt(min) + "–" + fmt(max) + ")";
    }

    static String fmt(double d) {
        if (Double.isNaN(d)) return "–";
        if (d == Math.rint(d) && Math.abs(d) < 1e9) return Long.toString((long) d);
        return String.format(Locale.ROOT, Math.abs(d) >= 100 ? "%.0f" : Math.abs(d) >= 10 ? "%.1f" : "%.2f", d);
    }

    /** The RESULT lines of a runner's log: "scenario metric" -> implementation -> round -> value, and units. */
    record Results(Map<String, Map<String, Map<Integer, Double>>> data, Map<String, String> units) {
        static Results read(java.nio.file.Path log) throws java.io.IOException {
            Map<String, Map<String, Map<Integer, Double>>> data = new java.util.LinkedHashMap<>();
            Map<String, String> units = new java.util.LinkedHashMap<>();
            int round = 0;
            for (String line : java.nio.file.Files.readAllLines(log)) {
                String[] f = line.trim().split("\\s+");
                if (f.length == 2 && f[0].equals("ROUND")) round = Integer.parseInt(f[1]);
                if (f.length != 6 || !f[0].equals("RESULT")) continue;
                String key = f[1] + " " + f[3];
                data.computeIfAbsent(key, k -> new java.util.LinkedHashMap<>())
                        .computeIfAbsent(f[2], k -> new java.util.TreeMap<>())
                        .put(round, Double.parseDouble(f[4]));
                units.put(key, f[5]);
            }
            return new Results(data, units);
        }
    }
}
