package dev.forkd.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.forkd.ChildProcess;
import dev.forkd.ChildProcesses;
import dev.forkd.Command;
import dev.forkd.Output;
import dev.forkd.cli.daemon.Launch;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import tools.jackson.databind.JsonNode;

/** Faults around the forkd command: another user, a log file that cannot be written, a daemon killed mid-reload. */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class FaultsTest extends CliFixture {
    @Test
    void aClientOfAnotherUserIsRefusedByThePeerCredentialCheck() throws Exception {
        assumeTrue(System.getProperty("user.name").equals("root") && Files.isExecutable(Path.of("/usr/bin/setpriv"))
                && Files.isExecutable(Path.of("/usr/bin/python3")),
                "needs root, setpriv and the system's python3 to connect as another user");
        cli.run("ls"); // the daemon runs
        // Open the directory and the socket to everyone, so that only SO_PEERCRED stands in the way.
        Path socket = cli.home.resolve("run/forkd.sock");
        for (Path p = socket.getParent(); p.startsWith(tmp); p = p.getParent()) {
            Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rwxr-xr-x"));
        }
        Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rwxr-xr-x"));
        Files.setPosixFilePermissions(socket, PosixFilePermissions.fromString("rw-rw-rw-"));
        String client = """
                import socket, sys
                s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
                s.connect(sys.argv[1])
                s.sendall(b'{"op":"ls"}\\n')
                print(s.makefile().read(), end="")
                """;
        Output o = ChildProcesses.spawnSync(Command.of("setpriv", "--reuid=65534", "--regid=65534", "--clear-groups",
                "/usr/bin/python3", "-c", client, socket.toString()));
        assertThat(o.status().success()).as(o.stderrText()).isTrue();
        assertThat(o.stdoutText()).isEqualTo("2 forkd: permission denied: this daemon serves root, not nobody\nx 77\n");
        assertThat(cli.run("ls").status().success()).as("the daemon serves its user on").isTrue();
    }

    @Test
    void aLogFileThatCannotBeWrittenIsCountedAndTheAppRunsOn() throws Exception {
        // The log file's path is taken by a directory: every write to it fails, as on a full or read-only disk.
        Files.createDirectories(cli.home.resolve("logs/chatty/chatty-0-out.log"));
        cli.run("start", "--name", "chatty", "--", "sh", "-c", "while :; do echo line; sleep 0.01; done");
        JsonNode i = null;
        for (int n = 0; n < 100; n++) {
            Thread.sleep(100);
            i = cli.app("chatty").path("instances").get(0);
            if (i.path("logWriteErrors").asLong() > 5) break;
        }
        assertThat(i.path("status").asString()).isEqualTo("online");
        assertThat(i.path("logWriteErrors").asLong()).isGreaterThan(5);
        assertThat(i.path("logDroppedLines").asLong()).isGreaterThan(5);
        assertThat(Cli.alive(i.path("pid").asLong())).isTrue();
        assertThat(cli.run("describe", "chatty").stdoutText()).containsPattern("log lines dropped \\. \\d+ .*write errors \\d+");
    }

    @Test
    void aDaemonKilledDuringAReloadLeavesTheAppServingAndTheNextDaemonFindsIt() throws Exception {
        assumeTrue(nodeInstalled(), "node is not installed: skipped");
        Path app = Files.writeString(tmp.resolve("app.js"), """
                const server = require('net').createServer(c => { c.once('data', () => c.end('served by ' + process.pid + '\\n')); });
                server.listen({fd: 3});
                process.on('SIGTERM', () => server.close(() => process.exit(0)));
                """);
        int port = freePort();
        cli.run("start", "--name", "web", "-i", "2", "--port", Integer.toString(port), "--host", "127.0.0.1", "--",
                "node", app.toString());
        List<Long> before = cli.pids("web");
        List<String> argv = new ArrayList<>(Launch.javaCommand());
        argv.addAll(List.of("reload", "web"));
        ChildProcess reload = ChildProcesses.spawn(Command.of(argv.getFirst(), argv.subList(1, argv.size())
                .toArray(String[]::new)).env("FORKD_HOME", cli.home.toString()));
        Thread.sleep(700); // the supervisor is replacing the first instance
        long daemon = cli.daemonPid();
        ProcessHandle.of(daemon).orElseThrow().destroyForcibly();
        assertThat(Cli.awaitGone(daemon, Duration.ofSeconds(10))).isTrue();
        assertThat(reload.waitFor(Duration.ofSeconds(30)).exitCode()).hasValue(1);
        assertThat(new String(reload.stderr().readAllBytes())).contains("the daemon closed the connection");
        // The supervisor finishes the reload on its own; the next command's daemon adopts it.
        List<Long> after = List.of();
        for (int n = 0; n < 100; n++) {
            after = cli.pids("web");
            if (after.size() == 2 && after.stream().noneMatch(before::contains)) break;
            Thread.sleep(100);
        }
        assertThat(after).hasSize(2).doesNotContainAnyElementsOf(before);
        for (int n = 0; n < 20; n++) assertThat(ClusterModeTest.request(port)).startsWith("served by ");
    }

    @Test
    void aSupervisorKilledDuringAReloadIsReplacedAndLeavesNoInstanceBehind() throws Exception {
        assumeTrue(nodeInstalled(), "node is not installed: skipped");
        Path app = Files.writeString(tmp.resolve("app.js"), ClusterModeTest.NODE_SERVER);
        int port = freePort();
        cli.run("start", "--name", "web", "-i", "2", "--port", Integer.toString(port), "--host", "127.0.0.1", "--",
                "node", app.toString());
        ClusterModeTest.awaitServing(port, 2);
        long supervisor = cli.app("web").path("supervisor").asLong();
        List<String> argv = new ArrayList<>(Launch.javaCommand());
        argv.addAll(List.of("reload", "web"));
        ChildProcess reload = ChildProcesses.spawn(Command.of(argv.getFirst(), argv.subList(1, argv.size())
                .toArray(String[]::new)).env("FORKD_HOME", cli.home.toString()));
        // Once the pid file names three processes, the first instance's replacement runs beside it.
        Path pidFile = cli.home.resolve("run/apps/web.pids");
        List<Long> running = List.of();
        for (long end = System.nanoTime() + Duration.ofSeconds(30).toNanos(); running.size() < 3 && System.nanoTime() < end; ) {
            running = Files.readString(pidFile).lines().map(l -> Long.parseLong(l.split(" ")[0])).toList();
            Thread.sleep(20);
        }
        assertThat(running).hasSize(3);
        ProcessHandle.of(supervisor).orElseThrow().destroyForcibly();
        assertThat(reload.waitFor(Duration.ofSeconds(30)).exitCode()).hasValue(1);
        // The daemon starts a new supervisor; what the dead one ran is killed, not left unsupervised.
        List<Long> after = List.of();
        for (int n = 0; n < 200; n++) {
            JsonNode a = cli.app("web");
            after = cli.pids("web");
            if (a.path("supervisor").asLong() != supervisor && after.size() == 2) break;
            Thread.sleep(100);
        }
        assertThat(cli.app("web").path("supervisor").asLong()).isNotEqualTo(supervisor);
        assertThat(after).hasSize(2).doesNotContainAnyElementsOf(running);
        for (long pid : running) assertThat(Cli.awaitGone(pid, Duration.ofSeconds(10))).as("pid " + pid).isTrue();
        ClusterModeTest.awaitServing(port, 2);
    }
}
