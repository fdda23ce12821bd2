package dev.forkd.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.forkd.Output;
import dev.forkd.cli.daemon.Launch;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import tools.jackson.databind.JsonNode;

/**
 * {@code forkd update}: a forkd installed elsewhere (here: a copy of forkd-cli's classes in a directory of the
 * test's own) replaces the running daemon and every app's supervisor, while the apps keep serving.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class UpdateTest extends CliFixture {
    /** The command of "the new forkd": this class path, with forkd-cli's classes copied to {@code dir}. */
    private static List<String> newForkd(Path dir) throws IOException {
        List<String> cp = new ArrayList<>();
        for (String e : System.getProperty("java.class.path").split(File.pathSeparator)) {
            Path p = Path.of(e).toAbsolutePath();
            if (p.endsWith(Path.of("forkd-cli", "target", "classes"))) {
                copyTree(p, dir);
                cp.add(dir.toString());
            } else {
                cp.add(e);
            }
        }
        assertThat(cp).contains(dir.toString());
        return Launch.javaCommand(Launch.Role.CLIENT, String.join(File.pathSeparator, cp));
    }

    private static void copyTree(Path from, Path to) throws IOException {
        try (Stream<Path> all = Files.walk(from)) {
            for (Path p : (Iterable<Path>) all::iterator) {
                Path target = to.resolve(from.relativize(p).toString());
                if (Files.isDirectory(p)) Files.createDirectories(target);
                else Files.copy(p, target, StandardCopyOption.REPLACE_EXISTING);
            }
        }
    }

    private long supervisorPid(String app) throws IOException, InterruptedException {
        JsonNode a = cli.app(app);
        assertThat(a).as(app).isNotNull();
        return a.path("supervisor").asLong();
    }

    @Test
    void anUpdateReplacesTheDaemonAndSupervisorsWhileTheClusterServesEveryRequest() throws Exception {
        assumeTrue(nodeInstalled(), "node is not installed: skipped");
        Path server = Files.writeString(tmp.resolve("server.js"), ClusterModeTest.NODE_SERVER);
        int port = freePort();
        assertThat(cli.run("start", "--name", "web", "-i", "2", "--port", Integer.toString(port), "--host", "127.0.0.1",
                "--", "node", server.toString()).status().success()).isTrue();
        assertThat(cli.run("start", "--name", "worker", "--", "sleep", "1000").status().success()).isTrue();
        ClusterModeTest.awaitServing(port, 2);
        long daemon = cli.daemonPid();
        long webSupervisor = supervisorPid("web");
        long workerSupervisor = supervisorPid("worker");
        List<Long> web = cli.pids("web");
        List<Long> worker = cli.pids("worker");
        Path v2 = tmp.resolve("forkd-v2");
        List<String> forkd2 = newForkd(v2);

        Output update;
        try (Load load = Load.start(port, 4)) {
            Thread.sleep(300);
            update = cli.runWith(forkd2, tmp, "update");
            Thread.sleep(300);
            load.close();
            assertThat(load.ok()).isGreaterThan(100);
            assertThat(load.failed()).as(load.describe()).isZero();
        }
        assertThat(update.status().success()).as(update.stdoutText() + update.stderrText()).isTrue();
        assertThat(update.stdoutText()).contains("daemon pid " + daemon + " (forkd 0.1.0) stops; its apps keep running")
                .contains("updated web: supervisor " + webSupervisor + " (forkd 0.1.0) handed over to ")
                .contains("updated worker: supervisor " + workerSupervisor + " (forkd 0.1.0) handed over to ");

        // Everything of forkd's now runs the new forkd's code; the old processes are gone.
        long newDaemon = cli.daemonPid();
        assertThat(newDaemon).isNotEqualTo(daemon);
        assertThat(Cli.commandLine(newDaemon)).contains(v2.toString()).contains("-Xmx24m");
        for (String app : List.of("web", "worker")) {
            assertThat(Cli.commandLine(supervisorPid(app))).as(app).contains(v2.toString()).contains(" supervise " + app);
        }
        for (long old : List.of(daemon, webSupervisor, workerSupervisor)) {
            assertThat(Cli.awaitGone(old, Duration.ofSeconds(10))).as("pid " + old).isTrue();
        }
        // The instances were replaced: in cluster mode with a gap nobody saw, in fork mode by a restart.
        assertThat(cli.pids("web")).hasSize(2).doesNotContainAnyElementsOf(web);
        assertThat(cli.pids("worker")).hasSize(1).doesNotContainAnyElementsOf(worker);
        for (long old : web) assertThat(Cli.awaitGone(old, Duration.ofSeconds(10))).isTrue();
        ClusterModeTest.awaitServing(port, 2);
        assertThat(Files.readString(cli.home.resolve("run/apps/web.pids")).lines().map(l -> Long.parseLong(l.split(" ")[0])))
                .containsExactlyInAnyOrderElementsOf(cli.pids("web"));
        try (Stream<Path> files = Files.list(cli.home.resolve("run/apps"))) {
            assertThat(files.map(p -> p.getFileName().toString()).filter(n -> n.startsWith("web.") && n.endsWith(".notify")))
                    .containsExactly("web." + supervisorPid("web") + ".notify");
        }

        // The new supervisors are the daemon's: a restart and a reload go through them.
        assertThat(cli.run("reload", "web").status().success()).isTrue();
        ClusterModeTest.awaitServing(port, 2);
        // A supervisor that dies is still replaced by the new daemon.
        long adopted = supervisorPid("worker");
        ProcessHandle.of(adopted).orElseThrow().destroyForcibly();
        for (int n = 0; n < 200 && (cli.app("worker").path("supervisor").asLong(adopted) == adopted
                || !cli.app("worker").path("instances").get(0).path("status").asString().equals("online")); n++) {
            Thread.sleep(100);
        }
        assertThat(supervisorPid("worker")).isNotEqualTo(adopted);
    }

    @Test
    void anUpdateWhoseNewInstancesNeverGetReadyKeepsTheOldSupervisorAndInstances() throws Exception {
        Path server = Files.writeString(tmp.resolve("notifying.py"), ClusterModeTest.NOTIFYING_SERVER);
        Path noReady = tmp.resolve("no-ready");
        int port = freePort();
        assertThat(cli.run("start", "--name", "ready", "-i", "2", "--port", Integer.toString(port), "--host", "127.0.0.1",
                "--wait-ready", "--ready-timeout", "2s", "--env", "NO_READY=" + noReady, "--", "python3",
                server.toString()).status().success()).isTrue();
        ClusterModeTest.awaitServing(port, 2);
        long supervisor = supervisorPid("ready");
        List<Long> serving = cli.pids("ready");
        Files.createFile(noReady); // the new supervisor's instances never say READY=1

        Output update = cli.runWith(newForkd(tmp.resolve("forkd-v2")), tmp, "update");
        assertThat(update.status().exitCode()).as(update.stdoutText()).hasValue(1);
        assertThat(update.stderrText()).startsWith("forkd: update of ready: the new supervisor exited (exit status: 1)"
                + " before it took over; see ").endsWith("; the old supervisor keeps the app\n");
        assertThat(supervisorPid("ready")).isEqualTo(supervisor);
        assertThat(cli.pids("ready")).isEqualTo(serving);
        assertThat(Files.readString(cli.home.resolve("logs/ready/supervisor.log")))
                .contains("forkd: takeover of ready: instance 0: the new process did not send READY=1 within 2 s");
        for (int i = 0; i < 10; i++) assertThat(ClusterModeTest.request(port)).startsWith("served by ");
        // The old supervisor still answers a command.
        assertThat(cli.run("restart", "ready").status().success()).isTrue();
    }

    @Test
    void aRequestOfAnotherProtocolIsToldToUpdate() throws Exception {
        assertThat(cli.run("ls").status().success()).isTrue();
        long daemon = cli.daemonPid();
        try (var c = java.nio.channels.SocketChannel.open(java.net.StandardProtocolFamily.UNIX)) {
            c.connect(java.net.UnixDomainSocketAddress.of(cli.home.resolve("run/forkd.sock")));
            c.write(java.nio.ByteBuffer.wrap("{\"op\":\"ls\",\"protocol\":99}\n".getBytes()));
            String reply = new String(java.nio.channels.Channels.newInputStream(c).readAllBytes());
            assertThat(reply).isEqualTo("2 forkd: the running daemon (forkd 0.1.0, pid " + daemon + ") speaks protocol 1,"
                    + " this forkd 99: run 'forkd update' with the forkd you mean to use\nx 2\n");
        }
    }
}
