package dev.forkd.cli;

import dev.forkd.cli.daemon.Daemon;
import dev.forkd.cli.supervisor.Supervisor;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code forkd}: keeps apps alive, as PM2 does, without PM2's failure modes. Each command but
 * {@code version}, {@code logs} and the internal {@code daemon}/{@code supervise} is a request to the
 * per-user daemon, started on first use.
 */
@Command(name = "forkd", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
        description = "Keeps apps alive: restarts, logs with rotation, many instances; a daemon per user.",
        subcommands = {Main.Start.class, Main.Run.class, Main.Ls.class, Main.Describe.class, Main.LogsCommand.class,
                Main.Restart.class, Main.Reload.class, Main.Stop.class, Main.Delete.class, Main.Save.class,
                Main.Resurrect.class, Main.Kill.class, Main.Update.class, Main.StartupCommand.class, Main.VersionCommand.class, Main.DaemonCommand.class,
                Main.Supervise.class, CommandLine.HelpCommand.class})
public final class Main implements Callable<Integer> {
    static final String VERSION = dev.forkd.cli.wire.Wire.VERSION;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    /**
     * The commands the daemon carries out. For these the client does not build picocli's model of the command
     * line (~170 ms of reflection in a fresh JVM, most of a command's time): it sends the arguments as they
     * are, and the daemon, whose model is warm, parses them ({@link #parseRemote}).
     */
    static final Set<String> REMOTE = Set.of("start", "ls", "list", "status", "describe", "show", "restart", "reload",
            "stop", "delete", "del", "save", "resurrect", "kill");

    public static void main(String[] args) {
        if (args.length > 0 && REMOTE.contains(args[0])) {
            try {
                System.exit(new Client(Home.fromEnvironment(), System.out, System.err)
                        .call(Remote.op("argv", "argv", java.util.Arrays.asList(args)), !args[0].equals("kill")));
            } catch (Exception e) {
                System.err.println("forkd: " + (e.getMessage() != null ? e.getMessage() : e.toString()));
                System.exit(1);
            }
        }
        // forkd's own long-lived processes: no command-line model either (it would stay loaded for their lifetime).
        try {
            if (args.length == 1 && args[0].equals("daemon")) System.exit(Daemon.run(Home.fromEnvironment()));
            if (args.length == 2 && args[0].equals("supervise")) System.exit(Supervisor.run(Home.fromEnvironment(), args[1]));
            if (args.length == 3 && args[0].equals("supervise") && args[2].equals("--takeover")) {
                System.exit(Supervisor.run(Home.fromEnvironment(), args[1], true));
            }
        } catch (Exception e) {
            System.err.println("forkd: " + e);
            System.exit(1);
        }
        System.exit(execute(args, System.out, System.err));
    }

    /** What the daemon makes of a client's arguments: a request, or the text and status to answer with. */
    public record Parsed(Map<String, Object> request, String out, String err, int status) {}

    /** Parses a remote command's arguments (in the daemon) as {@link #execute} would. */
    public static Parsed parseRemote(List<String> argv, Path cwd) {
        CommandLine cl = new CommandLine(new Main());
        java.io.StringWriter out = new java.io.StringWriter();
        java.io.StringWriter err = new java.io.StringWriter();
        cl.setOut(new java.io.PrintWriter(out, true));
        cl.setErr(new java.io.PrintWriter(err, true));
        try {
            CommandLine.ParseResult pr = cl.parseArgs(argv.toArray(String[]::new));
            if (CommandLine.printHelpIfRequested(pr)) return new Parsed(null, out.toString(), err.toString(), 0);
            CommandLine.ParseResult leaf = pr;
            while (leaf.hasSubcommand()) leaf = leaf.subcommand();
            if (!(leaf.commandSpec().userObject() instanceof Remote r)) {
                return new Parsed(null, "", "forkd: " + argv.getFirst() + " is not a daemon command\n", 2);
            }
            return new Parsed(r.request(cwd), "", "", 0);
        } catch (CommandLine.ParameterException e) {
            StringBuilder sb = new StringBuilder(e.getMessage()).append('\n');
            e.getCommandLine().getUsageMessage(CommandLine.Help.Ansi.OFF).lines()
                    .forEach(l -> sb.append(l).append('\n'));
            return new Parsed(null, "", sb.toString(), 2);
        }
    }

    /** Runs a command line; returns its exit status. */
    static int execute(String[] args, PrintStream out, PrintStream err) {
        CommandLine cl = new CommandLine(new Main());
        cl.setOut(new java.io.PrintWriter(out, true));
        cl.setErr(new java.io.PrintWriter(err, true));
        cl.setExecutionExceptionHandler((e, line, parsed) -> {
            err.println("forkd: " + (e.getMessage() != null ? e.getMessage() : e.toString()));
            return 1;
        });
        return cl.execute(args);
    }

    @Override
    public Integer call() {
        spec.commandLine().usage(spec.commandLine().getOut());
        return 0;
    }

    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            return new String[] {"forkd " + VERSION + " (Java " + Runtime.version() + ")"};
        }
    }

    /** A command carried out by the daemon. */
    abstract static class Remote implements Callable<Integer> {
        /** The request to the daemon; {@code cwd} is the client's working directory. */
        abstract Map<String, Object> request(Path cwd);

        boolean startsDaemon() {
            return true;
        }

        @Override
        public Integer call() throws Exception {
            return new Client(Home.fromEnvironment(), System.out, System.err)
                    .call(request(Path.of("").toAbsolutePath()), startsDaemon());
        }

        static Map<String, Object> op(String op, Object... kv) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("op", op);
            for (int i = 0; i < kv.length; i += 2) if (kv[i + 1] != null) m.put((String) kv[i], kv[i + 1]);
            return m;
        }
    }

    /** The options of an app, shared by {@code start} and {@code run}. */
    static final class AppOptions {
        @Option(names = "--name", description = "the app's name (default: the program's file name)")
        String name;
        @Option(names = {"-i", "--instances"}, description = "how many instances: a number or 'max' (default 1)")
        String instances;
        @Option(names = "--restart", description = "always, on-failure or never (start: always; run: on-failure)")
        String restart;
        @Option(names = "--max-restarts", description = "restarts within --window before the app is errored (default 10)")
        Integer maxRestarts;
        @Option(names = "--window", description = "the crash-loop window (default 60s)")
        String window;
        @Option(names = "--kill-timeout", description = "time from SIGTERM to SIGKILL at a stop (default 5s)")
        String killTimeout;
        @Option(names = "--restart-delay", description = {"a fixed wait before each restart (default: backoff from",
                "100ms, doubling to 15s, reset after 30s up)"})
        String restartDelay;
        @Option(names = "--max-memory", description = "restart an instance whose RSS passes this (e.g. 512m)")
        String maxMemory;
        @Option(names = "--env", description = "KEY=VALUE added to the app's environment (repeatable)")
        List<String> env = new ArrayList<>();
        @Option(names = "--cwd", description = "the app's working directory (default: here)")
        String cwd;
        @Option(names = "--log-max-size", description = "rotate a log file at this size (default 10m)")
        String logMaxSize;
        @Option(names = "--log-files", description = "rotated files kept per log (default 5)")
        Integer logFiles;
        @Option(names = "--timestamps", description = "prefix every log line with its time")
        boolean timestamps;
        @Option(names = "--port", description = {"cluster mode: listen on this port and hand the listener to every",
                "instance as fd 3 (LISTEN_FDS=1, LISTEN_PID, LISTEN_FDNAMES), as systemd's socket activation does"})
        Integer port;
        @Option(names = "--host", description = "the address to listen on in cluster mode (default: all)")
        String host;
        @Option(names = "--handoff", description = {"cluster mode: 'activation' (the listener as fd 3, default) or 'cluster'",
                "(Node's cluster protocol: an unmodified Node app's listen(port), forkd's Cluster.worker())"})
        String handoff;
        @Option(names = "--wait-ready", description = {"an instance is up when it sends READY=1 to its NOTIFY_SOCKET",
                "(sd_notify, systemd-notify, forkd's Notify.ready()); a reload waits for it"})
        boolean waitReady;
        @Option(names = "--ready-timeout", description = "how long a reload waits for a new instance's READY=1 (default 30s)")
        String readyTimeout;
        @Parameters(arity = "1..*", paramLabel = "COMMAND", description = "the program and its arguments, or an ecosystem file")
        List<String> command;

        Map<String, Object> toMap() {
            Map<String, Object> app = new LinkedHashMap<>();
            app.put("command", command);
            if (name != null) app.put("name", name);
            if (instances != null) app.put("instances", instances);
            if (restart != null) app.put("restart", restart);
            if (maxRestarts != null) app.put("maxRestarts", maxRestarts);
            if (window != null) app.put("window", window);
            if (killTimeout != null) app.put("killTimeout", killTimeout);
            if (restartDelay != null) app.put("restartDelay", restartDelay);
            if (maxMemory != null) app.put("maxMemory", maxMemory);
            app.put("env", env);
            if (cwd != null) app.put("cwd", cwd);
            if (logMaxSize != null) app.put("logMaxSize", logMaxSize);
            if (logFiles != null) app.put("logFiles", logFiles);
            app.put("timestamps", timestamps);
            if (port != null) app.put("port", port);
            if (host != null) app.put("host", host);
            if (handoff != null) app.put("handoff", handoff);
            app.put("waitReady", waitReady);
            if (readyTimeout != null) app.put("readyTimeout", readyTimeout);
            return app;
        }
    }

    @Command(mixinStandardHelpOptions = true, name = "start", description = {"Starts an app: forkd start [options] -- <command...>,",
            "or every app of an ecosystem file: forkd start forkd.yaml"})
    static final class Start extends Remote {
        @CommandLine.Mixin
        AppOptions app;

        @Override
        Map<String, Object> request(Path cwd) {
            List<String> command = app.command;
            if (command.size() == 1 && command.getFirst().matches(".+\\.(ya?ml|json)")
                    && Files.isRegularFile(cwd.resolve(command.getFirst()))) {
                return op("start", "file", cwd.resolve(command.getFirst()).normalize().toString());
            }
            return op("start", "app", app.toMap());
        }
    }

    @Command(mixinStandardHelpOptions = true, name = "run", description = {"Runs an app in the foreground, without the daemon (containers, systemd):",
            "forkd run [options] -- <command...>. Exits with the app's status; fit to be PID 1."})
    static final class Run implements Callable<Integer> {
        @CommandLine.Mixin
        AppOptions app;
        @Option(names = "--health-port", description = {"answer GET /readyz (200 when every instance is online, 503",
                "before that and from SIGTERM on) and /livez on this port, for Kubernetes probes"})
        Integer healthPort;

        @Override
        public Integer call() throws Exception {
            dev.forkd.cli.app.AppSpec spec;
            try {
                spec = dev.forkd.cli.app.SpecBuilder.build(dev.forkd.cli.wire.Wire.MAPPER.valueToTree(app.toMap()),
                        Path.of("").toAbsolutePath(), dev.forkd.cli.supervisor.Foreground.appEnvironment(System.getenv()),
                        dev.forkd.cli.app.RestartMode.ON_FAILURE);
            } catch (IllegalArgumentException e) {
                System.err.println("forkd: " + e.getMessage());
                return 2;
            }
            return new dev.forkd.cli.supervisor.Foreground(spec, System.err, healthPort).run();
        }
    }

    @Command(mixinStandardHelpOptions = true, name = "ls", aliases = {"list", "status"}, description = "Lists the apps and their instances.")
    static final class Ls extends Remote {
        @Option(names = "--json", description = "print JSON, for scripts")
        boolean json;

        @Override
        Map<String, Object> request(Path cwd) {
            return op("ls", "json", json);
        }
    }

    @Command(mixinStandardHelpOptions = true, name = "describe", aliases = "show", description = "Shows everything about one app.")
    static final class Describe extends Remote {
        @Parameters(paramLabel = "NAME")
        String name;
        @Option(names = "--json", description = "print JSON, for scripts")
        boolean json;

        @Override
        Map<String, Object> request(Path cwd) {
            return op("describe", "name", name, "json", json);
        }
    }

    abstract static class Targeted extends Remote {
        @Parameters(paramLabel = "NAME", description = "an app's name, or 'all'")
        String name;

        abstract String op();

        @Override
        Map<String, Object> request(Path cwd) {
            return op(op(), "name", name);
        }
    }

    @Command(mixinStandardHelpOptions = true, name = "restart", description = "Stops and starts an app's instances (all at once).")
    static final class Restart extends Targeted {
        @Override
        String op() {
            return "restart";
        }
    }

    @Command(mixinStandardHelpOptions = true, name = "reload", description = "Restarts an app's instances one after the other.")
    static final class Reload extends Targeted {
        @Override
        String op() {
            return "reload";
        }
    }

    @Command(mixinStandardHelpOptions = true, name = "stop", description = "Stops an app (it stays in the list).")
    static final class Stop extends Targeted {
        @Override
        String op() {
            return "stop";
        }
    }

    @Command(mixinStandardHelpOptions = true, name = "delete", aliases = "del", description = "Stops an app and removes it from the list.")
    static final class Delete extends Targeted {
        @Override
        String op() {
            return "delete";
        }
    }

    @Command(mixinStandardHelpOptions = true, name = "save", description = "Remembers the running apps for forkd resurrect.")
    static final class Save extends Remote {
        @Override
        Map<String, Object> request(Path cwd) {
            return op("save");
        }
    }

    @Command(mixinStandardHelpOptions = true, name = "resurrect", description = "Starts the apps forkd save remembered.")
    static final class Resurrect extends Remote {
        @Override
        Map<String, Object> request(Path cwd) {
            return op("resurrect");
        }
    }

    @Command(mixinStandardHelpOptions = true, name = "kill", description = "Stops every app and the daemon.")
    static final class Kill extends Remote {
        @Override
        Map<String, Object> request(Path cwd) {
            return op("kill");
        }

        @Override
        boolean startsDaemon() {
            return false;
        }
    }

    @Command(mixinStandardHelpOptions = true, name = "update", description = {"Replaces the daemon and every app's supervisor",
            "with this forkd's, keeping the apps running and their ports accepting."})
    static final class Update implements Callable<Integer> {
        @Override
        public Integer call() throws Exception {
            return new Client(Home.fromEnvironment(), System.out, System.err).update();
        }
    }

    @Command(mixinStandardHelpOptions = true, name = "logs", description = "Prints the apps' logs; --follow keeps printing, across rotations.")
    static final class LogsCommand implements Callable<Integer> {
        @Parameters(arity = "0..1", paramLabel = "NAME", description = "one app (default: all)")
        String name;
        @Option(names = "--lines", description = "lines per log file to start with (default 15)")
        int lines = 15;
        @Option(names = {"-f", "--follow"}, description = "keep printing what is written")
        boolean follow;

        @Override
        public Integer call() throws Exception {
            return new Logs(Home.fromEnvironment(), System.out).run(name, lines, follow, System.err);
        }
    }

    @Command(mixinStandardHelpOptions = true, name = "startup", description = {"Prints (or with --install writes) a systemd unit that resurrects",
            "the saved apps at boot: forkd startup systemd [--install]"})
    static final class StartupCommand implements Callable<Integer> {
        @Parameters(paramLabel = "INIT", description = "the init system: systemd")
        String init;
        @Option(names = "--install", description = "write the unit file instead of printing it")
        boolean install;

        @Override
        public Integer call() throws Exception {
            if (!init.equals("systemd")) {
                System.err.println("forkd: startup knows systemd only, not '" + init + "'");
                return 2;
            }
            return Startup.run(Home.fromEnvironment(), install, System.out, System.err);
        }
    }

    @Command(mixinStandardHelpOptions = true, name = "version", description = "Prints forkd's version.")
    static final class VersionCommand implements Callable<Integer> {
        @Override
        public Integer call() {
            System.out.println(new Version().getVersion()[0]);
            return 0;
        }
    }

    @Command(mixinStandardHelpOptions = true, name = "daemon", hidden = true, description = "Runs the per-user daemon (started by the other commands).")
    static final class DaemonCommand implements Callable<Integer> {
        @Override
        public Integer call() throws Exception {
            return Daemon.run(Home.fromEnvironment());
        }
    }

    @Command(mixinStandardHelpOptions = true, name = "supervise", hidden = true, description = "Runs one app's supervisor (started by the daemon).")
    static final class Supervise implements Callable<Integer> {
        @Parameters(paramLabel = "NAME")
        String name;

        @Override
        public Integer call() throws Exception {
            return Supervisor.run(Home.fromEnvironment(), name);
        }
    }
}
