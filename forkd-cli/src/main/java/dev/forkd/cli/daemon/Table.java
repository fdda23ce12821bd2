package dev.forkd.cli.daemon;

import dev.forkd.cli.app.Units;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/** {@code forkd ls}'s table (one row per instance, fits 80 columns) and {@code forkd describe}'s page. */
final class Table {
    private static final String[] HEAD = {"id", "name", "mode", "#", "pid", "status", "uptime", "restarts", "cpu", "memory"};

    private Table() {}

    static String render(List<ObjectNode> apps, int columns) {
        List<String[]> rows = new ArrayList<>();
        rows.add(HEAD);
        for (ObjectNode app : apps) {
            for (JsonNode i : app.path("instances")) {
                String status = i.path("status").asString("?");
                boolean running = i.hasNonNull("pid");
                rows.add(new String[] {
                        app.path("id").asString(""),
                        app.path("name").asString(""),
                        app.path("mode").asString("fork"),
                        i.path("id").asString(""),
                        running ? i.get("pid").asString() : "-",
                        status,
                        running && i.hasNonNull("startedAt") ? Units.formatAge(Commands.since(i.get("startedAt").asString())) : "-",
                        i.path("restarts").asString("0"),
                        running ? String.format(Locale.ROOT, "%.1f%%", i.path("cpu").asDouble(0)) : "-",
                        running && i.path("memory").asLong(0) > 0 ? Units.formatSize(i.path("memory").asLong(0)) : "-"});
            }
        }
        if (rows.size() == 1) return "no apps (forkd start -- <command...> starts one)";
        int[] width = new int[HEAD.length];
        for (String[] r : rows) for (int c = 0; c < r.length; c++) width[c] = Math.max(width[c], r[c].length());
        // Too wide for the terminal: shorten the name column, which is the only free-form one.
        int total = 0;
        for (int w : width) total += w + 2;
        if (total > columns) width[1] = Math.max(4, width[1] - (total - columns));
        StringBuilder sb = new StringBuilder();
        for (String[] r : rows) {
            StringBuilder line = new StringBuilder();
            for (int c = 0; c < r.length; c++) {
                String cell = r[c].length() > width[c] ? r[c].substring(0, width[c] - 1) + "~" : r[c];
                line.append(cell).append(" ".repeat(width[c] - cell.length() + (c == r.length - 1 ? 0 : 2)));
            }
            sb.append(line.toString().stripTrailing()).append('\n');
        }
        return sb.toString();
    }

    static String describe(ObjectNode app) {
        StringBuilder sb = new StringBuilder();
        JsonNode spec = app.path("spec");
        line(sb, "name", app.path("name").asString());
        line(sb, "id", app.path("id").asString());
        line(sb, "mode", app.path("mode").asString("fork"));
        line(sb, "command", String.join(" ", strings(spec.path("command"))));
        line(sb, "cwd", spec.path("cwd").asString());
        line(sb, "environment", spec.path("envVariables").asString("?") + " variables");
        line(sb, "instances", spec.path("instances").asString());
        line(sb, "restart", spec.path("restart").asString().toLowerCase(Locale.ROOT).replace('_', '-')
                + ", at most " + spec.path("maxRestarts").asString() + " within " + seconds(spec.path("window"))
                + (spec.hasNonNull("restartDelay") ? ", " + seconds(spec.get("restartDelay")) + " apart" : ", with backoff"));
        line(sb, "kill timeout", seconds(spec.path("killTimeout")));
        long maxMemory = spec.path("maxMemory").asLong(0);
        line(sb, "max memory", maxMemory > 0 ? Units.formatSize(maxMemory) : "no limit");
        line(sb, "logs", Units.formatSize(spec.path("logMaxBytes").asLong()) + " x " + spec.path("logFiles").asString()
                + " files" + (spec.path("timestamps").asBoolean(false) ? ", timestamped" : ""));
        if (app.hasNonNull("supervisor")) {
            line(sb, "supervisor pid", app.get("supervisor").asString() + " (forkd " + app.path("version").asString("?") + ")");
        }
        if (app.hasNonNull("error")) line(sb, "error", app.get("error").asString());
        if (app.hasNonNull("listen")) line(sb, "listens on", app.get("listen").asString());
        if (app.hasNonNull("reloadError")) line(sb, "last reload stopped", app.get("reloadError").asString());
        for (JsonNode i : app.path("instances")) {
            sb.append('\n').append("instance ").append(i.path("id").asString()).append('\n');
            line(sb, "  status", i.path("status").asString());
            line(sb, "  pid", i.hasNonNull("pid") ? i.get("pid").asString() : "-");
            if (i.hasNonNull("startedAt")) line(sb, "  started", i.get("startedAt").asString());
            line(sb, "  restarts", i.path("restarts").asString("0"));
            if (i.hasNonNull("lastExit")) line(sb, "  last exit", i.get("lastExit").asString());
            if (i.hasNonNull("error")) line(sb, "  error", i.get("error").asString());
            if (i.hasNonNull("notifyStatus")) line(sb, "  STATUS=", i.get("notifyStatus").asString());
            if (i.hasNonNull("memory") && i.hasNonNull("pid")) {
                line(sb, "  cpu, memory", String.format(Locale.ROOT, "%.1f%%, %s", i.path("cpu").asDouble(0),
                        Units.formatSize(i.path("memory").asLong(0))));
            }
            long dropped = i.path("logDroppedLines").asLong(0);
            if (i.has("logDroppedLines")) {
                line(sb, "  log lines dropped", dropped + " (" + Units.formatSize(i.path("logDroppedBytes").asLong(0))
                        + "), write errors " + i.path("logWriteErrors").asLong(0));
            }
            for (JsonNode l : i.path("logs")) line(sb, "  log", l.asString());
            for (JsonNode r : i.path("restartReasons")) {
                line(sb, "  restarted", r.path("at").asString() + ": " + r.path("reason").asString());
            }
        }
        return sb.toString();
    }

    private static void line(StringBuilder sb, String key, String value) {
        sb.append(key).append(' ').append(".".repeat(Math.max(1, 20 - key.length()))).append(' ').append(value).append('\n');
    }

    /** A duration as Jackson writes it (ISO-8601, "PT1M30S"), shown as people write it. */
    private static String seconds(JsonNode duration) {
        try {
            java.time.Duration d = java.time.Duration.parse(duration.asString());
            return d.toMillis() % 1000 == 0 ? d.toSeconds() + "s" : d.toMillis() + "ms";
        } catch (RuntimeException e) {
            return duration.asString();
        }
    }

    private static List<String> strings(JsonNode array) {
        List<String> out = new ArrayList<>();
        for (JsonNode n : array) out.add(n.asString());
        return out;
    }
}
