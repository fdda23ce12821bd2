package dev.forkd.examples;

import dev.forkd.examples.cluster.ClusterDemo;
import dev.forkd.examples.cluster.ClusterRespawn;
import dev.forkd.examples.ipc.EchoChild;
import dev.forkd.examples.ipc.IpcTour;
import java.io.PrintStream;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;

/**
 * {@code java -jar forkd-examples.jar [command] [args...]}: runs one example by name, or a whole tour.
 *
 * <p>{@code multi-process} runs the examples of the Node multi-process article the project follows, "Mastering
 * Node.js Multi-Process: From spawn to cluster for High Concurrency", each also a command of its own. With no
 * command it runs {@code child-process}, the tour of the child_process section of "Node.js Child Processes:
 * Everything you need to know". Exit status: 0 when the command succeeded, 1 when it failed, 2 for an unknown
 * command.
 *
 * <p>To add a command (a tour or a single example), put it in {@link #COMMANDS}.
 */
public final class Main {
    /** A command-line command: a one-line summary for the usage text and what to run. */
    public record Subcommand(String summary, ExampleMain main) {}

    static final String DEFAULT_COMMAND = "child-process";

    /** Every command by name, in the order the usage text lists them. */
    static final Map<String, Subcommand> COMMANDS = commands();

    private Main() {}

    private static Map<String, Subcommand> commands() {
        Map<String, Subcommand> commands = new LinkedHashMap<>();
        commands.put("cluster", new Subcommand("the cluster demo (\"Scaling Node.js Applications\"): cluster --port"
                + " 3000 --workers 2 --policy load-aware|round-robin|shared|reuseport", ClusterDemo::main));
        commands.put("multi-process", new Subcommand("the Node multi-process article's examples, in its order",
                MultiProcessTour::main));
        for (Example e : MultiProcessTour.EXAMPLES) commands.put(e.name(), new Subcommand(e.mirrors(), e.main()));
        commands.put(MultiProcessTour.CLUSTER_COMMAND, new Subcommand("5. the cluster module: a worker per CPU,"
                + " '<pid> death' and a new worker on 'exit' (until Ctrl-C)", ClusterRespawn::main));
        commands.put("child-process", new Subcommand("the child_process tour of \"Node.js Child Processes: Everything"
                + " you need to know\", in its order", ChildProcessTour::main));
        for (Example e : ChildProcessTour.EXAMPLES) commands.put(e.name(), new Subcommand(e.mirrors(), e.main()));
        commands.put("fork", new Subcommand("the fork and IPC tour: messages, compute.js, sharing servers and sockets",
                IpcTour::main));
        for (Example e : IpcTour.EXAMPLES) commands.put(e.name(), new Subcommand(e.mirrors(), e.main()));
        commands.put("echo-child", new Subcommand("a child for an IPC parent (Node's too): echoes messages, serves"
                + " handles", EchoChild::main));
        return Collections.unmodifiableMap(commands);
    }

    public static void main(String[] args) {
        String name = args.length == 0 ? DEFAULT_COMMAND : args[0];
        if (name.equals("help") || name.equals("-h") || name.equals("--help")) {
            usage(System.out);
            return;
        }
        Subcommand command = COMMANDS.get(name);
        if (command == null) {
            System.err.println("forkd-examples: unknown command '" + name + "'");
            usage(System.err);
            System.exit(2);
        }
        try {
            command.main().main(args.length == 0 ? args : Arrays.copyOfRange(args, 1, args.length));
        } catch (Exception e) {
            Throwable cause = e;
            while ((cause instanceof ExecutionException || cause instanceof CompletionException)
                    && cause.getCause() != null) {
                cause = cause.getCause();
            }
            System.out.flush();
            System.err.println("forkd-examples " + name + " failed: " + cause.getClass().getSimpleName() + ": "
                    + cause.getMessage());
            System.exit(1);
        }
    }

    private static void usage(PrintStream out) {
        out.println("usage: java -jar forkd-examples.jar [command] [args...]");
        out.println();
        out.println("commands (default: " + DEFAULT_COMMAND + "):");
        int width = COMMANDS.keySet().stream().mapToInt(String::length).max().orElse(0);
        COMMANDS.forEach((name, command) ->
                out.println("  " + name + " ".repeat(width - name.length() + 2) + command.summary()));
        out.println();
        out.println("spawn-pipeline, spawn-inherit, shell-option, exec, env-cwd, spawn-sub-process and"
                + " fork-sub-process take an optional directory.");
        out.println("sum-server takes an optional loop bound, or --port N to serve until Ctrl-C;"
                + " cluster-respawn takes --port N --workers N.");
    }
}
