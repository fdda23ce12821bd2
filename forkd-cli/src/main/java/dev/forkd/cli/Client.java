package dev.forkd.cli;

import dev.forkd.cli.daemon.Launch;
import dev.forkd.cli.wire.Json;
import dev.forkd.cli.wire.Wire;
import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The client side of a command: one request to the daemon over its Unix socket, the reply's frames copied to
 * this process's stdout and stderr, the exit status returned. Starts the daemon when none answers. Uses only
 * the JDK (no native layer, no JSON library), so that a command costs little more than a JVM's start.
 */
final class Client {
    private static final long DAEMON_START_MILLIS = 15_000;

    private final Home home;
    private final PrintStream stdout;
    private final PrintStream stderr;

    Client(Home home, PrintStream stdout, PrintStream stderr) {
        this.home = home;
        this.stdout = stdout;
        this.stderr = stderr;
    }

    /** Sends {@code request} (op and arguments; cwd, env and the terminal's width are added) and prints the reply. */
    int call(Map<String, Object> request, boolean startDaemon) throws IOException, InterruptedException {
        Map<String, Object> req = new LinkedHashMap<>(request);
        req.put("protocol", Wire.PROTOCOL);
        req.put("cwd", Path.of("").toAbsolutePath().toString());
        if (startsApps(request)) req.put("env", System.getenv()); // the app's environment; other commands need none
        req.put("columns", columns());
        SocketChannel existing = connect();
        if (existing == null && !startDaemon) {
            stdout.println("forkd: no daemon is running");
            return 0;
        }
        try (SocketChannel c = existing != null ? existing : startDaemon()) {
            OutputStream out = Channels.newOutputStream(c);
            out.write((Json.write(req) + "\n").getBytes(StandardCharsets.UTF_8));
            out.flush();
            BufferedReader in = new BufferedReader(new InputStreamReader(Channels.newInputStream(c), StandardCharsets.UTF_8));
            for (String line; (line = in.readLine()) != null; ) {
                if (line.length() < 2) continue;
                String text = line.substring(2);
                switch (line.charAt(0)) {
                    case '1' -> stdout.println(text);
                    case '2' -> stderr.println(text);
                    case 'x' -> {
                        stdout.flush();
                        return Integer.parseInt(text.trim());
                    }
                    default -> { }
                }
            }
            stderr.println("forkd: the daemon closed the connection before answering (see " + home.daemonLog() + ")");
            return 1;
        }
    }

    /**
     * {@code forkd update}: the running daemon (of any forkd version) hands over and exits, a daemon of this
     * forkd starts, and every app's supervisor hands over to one of this forkd's. Apps keep running and their
     * ports accepting throughout.
     */
    int update() throws IOException, InterruptedException {
        Path pidFile = home.run().resolve("daemon.pid");
        SocketChannel existing = connect();
        if (existing != null) {
            existing.close();
            long pid = Files.exists(pidFile) ? Long.parseLong(Files.readString(pidFile).trim()) : -1;
            int st = call(Map.of("op", "handover"), false);
            if (st != 0) return st;
            var old = ProcessHandle.of(pid);
            long deadline = System.nanoTime() + DAEMON_START_MILLIS * 1_000_000;
            while (old.isPresent() && old.get().isAlive() && System.nanoTime() < deadline) Thread.sleep(10);
            if (old.isPresent() && old.get().isAlive()) {
                stderr.println("forkd: the old daemon (pid " + pid + ") did not exit; see " + home.daemonLog());
                return 1;
            }
        }
        return call(Map.of("op", "update"), true);
    }

    /** Whether the request starts an app from the command line, whose environment is then this shell's. */
    private static boolean startsApps(Map<String, Object> request) {
        if ("start".equals(request.get("op"))) return true;
        return request.get("argv") instanceof List<?> argv && !argv.isEmpty() && "start".equals(argv.getFirst());
    }

    private SocketChannel connect() throws IOException {
        if (!Files.exists(home.socket())) return null;
        SocketChannel c = SocketChannel.open(StandardProtocolFamily.UNIX);
        try {
            c.connect(UnixDomainSocketAddress.of(home.socket()));
            return c;
        } catch (IOException refused) {
            c.close();
            return null; // a stale socket file: no daemon behind it
        }
    }

    /** Starts the daemon in a session of its own (it must not get the terminal's SIGHUP) and waits for it. */
    private SocketChannel startDaemon() throws IOException, InterruptedException {
        home.create();
        List<String> argv = new ArrayList<>();
        if (Files.isExecutable(Path.of("/usr/bin/setsid"))) argv.add("/usr/bin/setsid");
        argv.addAll(Launch.javaCommand(Launch.Role.DAEMON));
        argv.add("daemon");
        ProcessBuilder pb = new ProcessBuilder(argv).redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                .redirectOutput(ProcessBuilder.Redirect.appendTo(home.daemonLog().toFile()))
                .redirectErrorStream(true);
        pb.environment().putAll(Launch.childEnvironment(home));
        Process p = pb.start();
        long deadline = System.nanoTime() + DAEMON_START_MILLIS * 1_000_000;
        while (System.nanoTime() < deadline) {
            SocketChannel c = connect();
            if (c != null) return c;
            if (!p.isAlive() && p.exitValue() != 0) {
                throw new IOException("the forkd daemon could not start (exit status " + p.exitValue() + "); see "
                        + home.daemonLog());
            }
            Thread.sleep(20);
        }
        throw new IOException("the forkd daemon did not answer within " + DAEMON_START_MILLIS / 1000 + " s; see "
                + home.daemonLog());
    }

    private static int columns() {
        try {
            String c = System.getenv("COLUMNS");
            return c != null ? Integer.parseInt(c.trim()) : 80;
        } catch (NumberFormatException e) {
            return 80;
        }
    }
}
