package dev.forkd.cli;

import dev.forkd.ChildProcesses;
import dev.forkd.Command;
import dev.forkd.ExecOptions;
import dev.forkd.Output;
import dev.forkd.cli.daemon.Launch;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Runs the forkd command as users do, as a process of its own, against a forkd home of the test's own: its
 * daemon and supervisors are real processes too. {@link #cleanUp()} kills whatever is still running from
 * that home (every process forkd started there has FORKD_HOME in its environment).
 */
final class Cli {
    static final JsonMapper JSON = JsonMapper.builder().build();

    final Path home;

    Cli(Path home) {
        this.home = home;
    }

    /** Runs {@code forkd args...}; the output and exit status. */
    Output run(String... args) throws IOException, InterruptedException {
        return runIn(Path.of("").toAbsolutePath(), args);
    }

    Output runIn(Path cwd, String... args) throws IOException, InterruptedException {
        return runWith(Launch.javaCommand(), cwd, args);
    }

    /** Runs {@code args} with another forkd: {@code java} is its command up to the main class. */
    Output runWith(List<String> java, Path cwd, String... args) throws IOException, InterruptedException {
        List<String> argv = new ArrayList<>(java);
        argv.addAll(List.of(args));
        return ChildProcesses.spawnSync(Command.of(argv.getFirst(), argv.subList(1, argv.size()).toArray(String[]::new))
                        .cwd(cwd).env("FORKD_HOME", home.toString()).env("COLUMNS", "200"),
                ExecOptions.defaults().timeout(Duration.ofSeconds(90)));
    }

    /** {@code forkd ls --json}, parsed; fails the test if the command fails. */
    JsonNode ls() throws IOException, InterruptedException {
        Output o = run("ls", "--json");
        if (!o.status().success()) throw new AssertionError("forkd ls failed: " + o.stderrText());
        return JSON.readTree(o.stdoutText());
    }

    /** The app named {@code name} in {@code forkd ls --json}, or null. */
    JsonNode app(String name) throws IOException, InterruptedException {
        for (JsonNode a : ls()) if (a.path("name").asString().equals(name)) return a;
        return null;
    }

    List<Long> pids(String name) throws IOException, InterruptedException {
        List<Long> pids = new ArrayList<>();
        JsonNode a = app(name);
        if (a != null) for (JsonNode i : a.path("instances")) if (i.hasNonNull("pid")) pids.add(i.get("pid").asLong());
        return pids;
    }

    long daemonPid() throws IOException {
        return Long.parseLong(Files.readString(home.resolve("run/daemon.pid")).trim());
    }

    /** The command line of a running process, its arguments joined by spaces. */
    static String commandLine(long pid) throws IOException {
        return new String(Files.readAllBytes(Path.of("/proc/" + pid + "/cmdline")), StandardCharsets.UTF_8).replace('\0', ' ');
    }

    static boolean alive(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
            return stat.charAt(stat.lastIndexOf(')') + 2) != 'Z';
        } catch (IOException e) {
            return false;
        }
    }

    static boolean awaitGone(long pid, Duration within) throws InterruptedException {
        long deadline = System.nanoTime() + within.toNanos();
        while (System.nanoTime() < deadline) {
            if (!alive(pid)) return true;
            Thread.sleep(20);
        }
        return !alive(pid);
    }

    /** Stops the daemon and apps; SIGKILLs anything left that was started under this home. */
    void cleanUp() throws IOException, InterruptedException {
        run("kill");
        String marker = "FORKD_HOME=" + home;
        try (Stream<Path> procs = Files.list(Path.of("/proc"))) {
            for (Path p : (Iterable<Path>) procs::iterator) {
                String n = p.getFileName().toString();
                if (!n.chars().allMatch(Character::isDigit)) continue;
                try {
                    String env = new String(Files.readAllBytes(p.resolve("environ")), StandardCharsets.UTF_8);
                    for (String kv : env.split("\0")) {
                        if (kv.equals(marker)) {
                            ProcessHandle.of(Long.parseLong(n)).ifPresent(ProcessHandle::destroyForcibly);
                        }
                    }
                } catch (IOException gone) {
                    // exited meanwhile, or not ours to read
                }
            }
        }
    }
}
