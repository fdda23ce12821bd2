package dev.forkd.cli.daemon;

import dev.forkd.cli.Main;
import dev.forkd.cli.app.AppSpec;
import dev.forkd.cli.app.Ecosystem;
import dev.forkd.cli.app.EcosystemException;
import dev.forkd.cli.app.SpecBuilder;
import dev.forkd.cli.wire.Frames;
import dev.forkd.cli.wire.SupervisorClient;
import dev.forkd.cli.wire.Wire;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import tools.jackson.core.type.TypeReference;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/** One client request, carried out by the daemon: {@code req.op} is the command. */
final class Commands {
    private final Daemon d;
    private final Frames out;
    private final JsonNode req;

    Commands(Daemon d, Frames out, JsonNode req) {
        this.d = d;
        this.out = out;
        this.req = req;
    }

    int run() throws CommandException, IOException, InterruptedException {
        String op = req.path("op").asString("");
        if (op.equals("argv")) return argv();
        return switch (op) {
            case "ping" -> {
                out.out("forkd daemon pid " + ProcessHandle.current().pid());
                yield 0;
            }
            case "ls" -> ls();
            case "describe" -> describe();
            case "start" -> changing(this::start);
            case "stop" -> changing(() -> each("stop"));
            case "restart" -> changing(() -> each("restart"));
            case "reload" -> changing(() -> each("reload"));
            case "delete" -> changing(() -> each("delete"));
            case "save" -> save();
            case "resurrect" -> changing(this::resurrect);
            case "kill" -> changing(this::kill);
            case "handover" -> handOverDaemon();
            case "update" -> changing(this::updateSupervisors);
            default -> throw new CommandException("unknown command '" + op + "'", 2);
        };
    }

    /** A client's raw arguments: parsed here, then carried out as the request they make. */
    private int argv() throws CommandException, IOException, InterruptedException {
        List<String> argv = Wire.MAPPER.convertValue(req.path("argv"), new TypeReference<List<String>>() {});
        Main.Parsed p = Main.parseRemote(argv, Path.of(req.path("cwd").asString("/")));
        if (p.request() == null) {
            if (!p.out().isEmpty()) out.out(p.out());
            if (!p.err().isEmpty()) out.err(p.err());
            return p.status();
        }
        ObjectNode full = Wire.MAPPER.valueToTree(p.request());
        for (String k : List.of("cwd", "env", "columns")) if (req.has(k)) full.set(k, req.get(k));
        return new Commands(d, out, full).run();
    }

    private interface Change {
        int run() throws CommandException, IOException, InterruptedException;
    }

    private int changing(Change c) throws CommandException, IOException, InterruptedException {
        d.changes.lock();
        try {
            return c.run();
        } finally {
            d.changes.unlock();
        }
    }

    // ------------------------------------------------------------------ start

    private int start() throws CommandException, IOException, InterruptedException {
        Map<String, String> env = Wire.MAPPER.convertValue(req.path("env"), new TypeReference<Map<String, String>>() {});
        List<AppSpec> specs;
        if (req.hasNonNull("file")) {
            try {
                specs = Ecosystem.load(Path.of(req.get("file").asString()), env);
            } catch (EcosystemException e) {
                throw new CommandException(e.getMessage());
            }
        } else {
            specs = List.of(spec(req.path("app"), env));
        }
        for (AppSpec s : specs) {
            Registry.Entry e = d.registry.get(s.name());
            if (e != null && e.started()) {
                throw new CommandException("an app named '" + s.name() + "' is already running: forkd restart "
                        + s.name() + ", or forkd delete " + s.name() + " first");
            }
        }
        int status = 0;
        for (AppSpec s : specs) {
            Registry.Entry before = d.registry.get(s.name());
            d.registry.put(s, true);
            JsonNode st;
            try {
                st = d.startSupervisor(s);
            } catch (IOException e) {
                restore(s.name(), before);
                throw new CommandException(e.getMessage());
            }
            List<String> failures = new ArrayList<>();
            for (JsonNode i : st.path("instances")) {
                if (i.path("status").asString("").equals("errored")) failures.add(i.path("error").asString(""));
            }
            if (st.hasNonNull("error")) failures = List.of(st.get("error").asString()); // the port, for one
            if (!failures.isEmpty() && (st.hasNonNull("error") || failures.size() == s.instances())) {
                // Nothing runs: the command is wrong (a missing executable, a bad cwd). Leave no trace.
                stopSupervisor(s.name());
                restore(s.name(), before);
                out.err("forkd: cannot start " + s.name() + ": " + failures.getFirst());
                status = 1;
                continue;
            }
            out.out("started " + s.name() + " (" + s.instances() + (s.instances() == 1 ? " instance" : " instances")
                    + (s.clustered() ? " sharing " + s.host() + ":" + s.port() : "") + ")");
        }
        table(statuses());
        return status;
    }

    private void restore(String name, Registry.Entry before) throws IOException {
        if (before == null) d.registry.remove(name);
        else d.registry.put(before.spec(), before.started());
    }

    /** The spec of {@code forkd start [options] -- command...}. */
    private AppSpec spec(JsonNode a, Map<String, String> env) throws CommandException {
        try {
            return SpecBuilder.build(a, Path.of(req.path("cwd").asString("/")), env);
        } catch (IllegalArgumentException e) {
            throw new CommandException(e.getMessage(), 2);
        }
    }

    // ------------------------------------------------------------------ stop, restart, reload, delete

    private int each(String op) throws CommandException, IOException, InterruptedException {
        List<Registry.Entry> targets = targets();
        for (Registry.Entry e : targets) {
            String name = e.spec().name();
            switch (op) {
                case "stop" -> {
                    stopSupervisor(name);
                    d.registry.put(e.spec(), false);
                    out.out("stopped " + name);
                }
                case "delete" -> {
                    stopSupervisor(name);
                    d.registry.remove(name);
                    Files.deleteIfExists(d.home.supervisorSpec(name));
                    out.out("deleted " + name);
                }
                case "restart", "reload" -> {
                    if (e.started() && supervisorAnswers(name)) {
                        JsonNode r = SupervisorClient.call(d.home.supervisorSocket(name), Map.of("op", op,
                                "reason", "manual " + op));
                        if (r.hasNonNull("reloadFailed")) {
                            throw new CommandException("reload of " + name + " stopped: " + r.get("reloadFailed").asString());
                        }
                    } else {
                        d.registry.put(e.spec(), true);
                        try {
                            d.startSupervisor(e.spec());
                        } catch (IOException failed) {
                            d.registry.put(e.spec(), false);
                            throw new CommandException(failed.getMessage());
                        }
                    }
                    out.out((op.equals("reload") ? "reloaded " : "restarted ") + name);
                }
                default -> throw new IllegalStateException(op);
            }
        }
        if (!op.equals("delete")) table(statuses());
        return 0;
    }

    private List<Registry.Entry> targets() throws CommandException {
        String name = req.path("name").asString("");
        if (name.equals("all")) return d.registry.all();
        Registry.Entry e = d.registry.get(name);
        if (e == null) throw new CommandException("no app named '" + name + "' (forkd ls lists them)");
        return List.of(e);
    }

    private boolean supervisorAnswers(String name) {
        try {
            SupervisorClient.call(d.home.supervisorSocket(name), Map.of("op", "status"));
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    /** Asks the app's supervisor to stop its instances and exit; waits for it to be gone. */
    void stopSupervisor(String name) throws IOException, InterruptedException {
        Registry.Entry e = d.registry.get(name);
        if (e != null) d.registry.put(e.spec(), false); // before it exits: its exit is not a death to repair
        JsonNode st;
        try {
            st = SupervisorClient.call(d.home.supervisorSocket(name), Map.of("op", "stop"));
        } catch (IOException notRunning) {
            return;
        }
        long pid = st.path("supervisor").asLong();
        var handle = ProcessHandle.of(pid);
        if (handle.isPresent()) {
            try {
                handle.get().onExit().get(30, java.util.concurrent.TimeUnit.SECONDS);
            } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException ignored) {
                // it answered 'stopped'; its JVM takes a moment to exit
            }
        }
    }

    // ------------------------------------------------------------------ save, resurrect, kill

    private int save() throws IOException {
        List<AppSpec> started = new ArrayList<>();
        for (Registry.Entry e : d.registry.all()) if (e.started()) started.add(e.spec());
        Files.write(d.home.dump(), Wire.MAPPER.writerWithDefaultPrettyPrinter().writeValueAsBytes(started));
        out.out("saved " + started.size() + (started.size() == 1 ? " app" : " apps") + " to " + d.home.dump());
        return 0;
    }

    private int resurrect() throws IOException, InterruptedException, CommandException {
        if (!Files.exists(d.home.dump())) throw new CommandException("nothing saved yet (forkd save writes " + d.home.dump() + ")");
        List<AppSpec> saved = Wire.MAPPER.readValue(d.home.dump().toFile(), new TypeReference<List<AppSpec>>() {});
        for (AppSpec s : saved) {
            Registry.Entry e = d.registry.get(s.name());
            if (e != null && e.started() && supervisorAnswers(s.name())) continue;
            d.registry.put(s, true);
            try {
                d.startSupervisor(s);
                out.out("resurrected " + s.name());
            } catch (IOException failed) {
                d.registry.put(s, false);
                out.err("forkd: cannot resurrect " + s.name() + ": " + failed.getMessage());
            }
        }
        table(statuses());
        return 0;
    }

    private int kill() throws IOException, InterruptedException {
        for (Registry.Entry e : d.registry.all()) stopSupervisor(e.spec().name());
        out.out("stopped every app and the daemon");
        d.shutdown();
        return 0;
    }

    // ------------------------------------------------------------------ forkd update

    /**
     * {@code handover} (the first half of {@code forkd update}, sent by the new forkd's client): this daemon
     * answers and exits, leaving every supervisor and app running; the client then starts its own daemon. The
     * lock on changes is never given back, so no command runs between the answer and the exit. The form of this
     * request never changes (see {@link Wire#PROTOCOL}).
     */
    private int handOverDaemon() throws IOException {
        d.changes.lock();
        d.handingOver = true;
        out.out("daemon pid " + ProcessHandle.current().pid() + " (forkd " + Wire.VERSION + ") stops; its apps keep running");
        return 0;
    }

    /**
     * {@code update} (the second half, to the new daemon): every running app's supervisor hands over to one
     * of this forkd's ({@code handover} to the supervisor), which takes the listener, starts its instances,
     * and retires the old supervisor and instances once its own are ready: in cluster mode the port accepts
     * throughout and no request is lost; in fork mode the instances restart.
     */
    private int updateSupervisors() throws IOException, InterruptedException {
        int status = 0;
        List<String> java = Launch.javaCommand(Launch.Role.SUPERVISOR);
        for (Registry.Entry e : d.registry.all()) {
            String name = e.spec().name();
            if (!e.started()) continue;
            JsonNode before;
            try {
                before = SupervisorClient.call(d.home.supervisorSocket(name), Map.of("op", "status"));
            } catch (IOException gone) {
                continue; // restarted by this daemon already, from its own forkd
            }
            JsonNode r = SupervisorClient.call(d.home.supervisorSocket(name), Map.of("op", "handover", "java", java,
                    "env", Launch.childEnvironment(d.home)));
            if (!r.hasNonNull("handedOverTo")) {
                out.err("forkd: update of " + name + ": " + r.path("error").asString("no answer"));
                status = 1;
                continue;
            }
            long pid = r.get("handedOverTo").asLong();
            if (!awaitSupervisor(name, pid)) {
                out.err("forkd: update of " + name + ": the new supervisor (pid " + pid + ") does not answer; see "
                        + d.home.logs(name).resolve("supervisor.log"));
                status = 1;
                continue;
            }
            d.watchAdopted(name, pid);
            out.out("updated " + name + ": supervisor " + before.path("supervisor").asLong() + " (forkd "
                    + before.path("version").asString("?") + ") handed over to " + pid + " (forkd " + Wire.VERSION + ")");
        }
        table(statuses());
        return status;
    }

    /** Waits until the supervisor with {@code pid} answers on the app's socket. */
    private boolean awaitSupervisor(String name, long pid) throws InterruptedException {
        long deadline = System.nanoTime() + Daemon.SUPERVISOR_START.toNanos();
        while (System.nanoTime() < deadline) {
            try {
                JsonNode st = SupervisorClient.call(d.home.supervisorSocket(name), Map.of("op", "status"));
                if (st.path("supervisor").asLong() == pid) return true;
            } catch (IOException notYet) {
                // the old one has gone, the new one is binding
            }
            Thread.sleep(10);
        }
        return false;
    }

    // ------------------------------------------------------------------ ls, describe

    /** Every app's status: what its supervisor says, or the registry's view when it has none. */
    List<ObjectNode> statuses() {
        List<ObjectNode> list = new ArrayList<>();
        for (Registry.Entry e : d.registry.all()) {
            ObjectNode s;
            if (e.started()) {
                try {
                    s = (ObjectNode) SupervisorClient.call(d.home.supervisorSocket(e.spec().name()), Map.of("op", "status"));
                } catch (IOException | ClassCastException unreachable) {
                    s = offline(e, "unknown");
                    s.put("error", "the supervisor does not answer: " + unreachable.getMessage());
                }
            } else {
                s = offline(e, "stopped");
            }
            s.put("id", e.id());
            list.add(s);
        }
        return list;
    }

    private static ObjectNode offline(Registry.Entry e, String status) {
        ObjectNode s = Wire.MAPPER.createObjectNode();
        s.put("name", e.spec().name());
        s.put("mode", e.spec().clustered() ? "cluster" : "fork");
        ObjectNode spec = Wire.MAPPER.valueToTree(e.spec());
        spec.remove("env");
        spec.put("envVariables", e.spec().env().size());
        s.set("spec", spec);
        ArrayNode instances = s.putArray("instances");
        for (int i = 0; i < e.spec().instances(); i++) {
            instances.addObject().put("id", i).putNull("pid").put("status", status).put("restarts", 0);
        }
        return s;
    }

    private int ls() throws IOException {
        List<ObjectNode> all = statuses();
        if (req.path("json").asBoolean(false)) {
            out.out(Wire.MAPPER.writeValueAsString(all));
            return 0;
        }
        table(all);
        return 0;
    }

    private void table(List<ObjectNode> apps) throws IOException {
        out.out(Table.render(apps, req.path("columns").asInt(80)));
    }

    private int describe() throws CommandException, IOException {
        String name = req.path("name").asString("");
        for (ObjectNode s : statuses()) {
            if (!s.path("name").asString().equals(name)) continue;
            if (req.path("json").asBoolean(false)) out.out(Wire.MAPPER.writerWithDefaultPrettyPrinter().writeValueAsString(s));
            else out.out(Table.describe(s));
            return 0;
        }
        throw new CommandException("no app named '" + name + "' (forkd ls lists them)");
    }

    static Duration since(String iso) {
        return iso == null ? Duration.ZERO : Duration.between(java.time.Instant.parse(iso), java.time.Instant.now());
    }
}
