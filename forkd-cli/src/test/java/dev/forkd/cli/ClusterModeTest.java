package dev.forkd.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.forkd.Output;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Cluster mode (--port): instances of any language share one listener, handed over by socket activation. */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class ClusterModeTest extends CliFixture {
    /** A Python server that insists on LISTEN_PID being its own pid, as sd_listen_fds() does. */
    private static final String PYTHON_SERVER = """
            import os, socket, sys
            assert os.environ["LISTEN_FDS"] == "1" and os.environ["LISTEN_PID"] == str(os.getpid()), dict(os.environ)
            s = socket.socket(fileno=3)
            print("listening", flush=True)
            while True:
                c, _ = s.accept()
                c.recv(1024)
                c.sendall(("served by %d %s\\n" % (os.getpid(), os.environ["LISTEN_FDNAMES"])).encode())
                c.close()
            """;

    /** A Node server on fd 3 that drains on SIGTERM, as a well-behaved app does. */
    static final String NODE_SERVER = """
            const server = require('net').createServer(c => { c.once('data', () => c.end('served by ' + process.pid + '\\n')); });
            server.listen({fd: 3}, () => console.log('listening'));
            process.on('SIGTERM', () => server.close(() => process.exit(0)));
            """;

    static String request(int port) throws IOException {
        try (SocketChannel c = SocketChannel.open(new InetSocketAddress(InetAddress.getLoopbackAddress(), port))) {
            c.write(ByteBuffer.wrap("hi\n".getBytes(StandardCharsets.UTF_8)));
            ByteBuffer b = ByteBuffer.allocate(256);
            while (c.read(b) >= 0) { }
            String reply = new String(b.array(), 0, b.position(), StandardCharsets.UTF_8);
            if (!reply.endsWith("\n")) throw new IOException("incomplete reply: '" + reply + "'");
            return reply.trim();
        }
    }

    /**
     * Waits up to 60 s until {@code distinct} processes have answered. Bounded by time, not by a number of
     * requests: the first instance answers hundreds of them while a slow second one is still starting.
     */
    static void awaitServing(int port, int distinct) throws Exception {
        Set<String> seen = new HashSet<>();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (seen.size() < distinct && System.nanoTime() < deadline) {
            try {
                if (!seen.add(request(port))) Thread.sleep(10);
            } catch (IOException notYet) {
                Thread.sleep(50);
            }
        }
        assertThat(seen).as("distinct servers").hasSize(distinct);
    }

    @Test
    void instancesOfAnyLanguageGetTheListenerAsSocketActivationHandsItOver() throws Exception {
        Path server = Files.writeString(tmp.resolve("server.py"), PYTHON_SERVER);
        int port = freePort();
        Output o = cli.run("start", "--name", "py", "-i", "2", "--port", Integer.toString(port), "--host", "127.0.0.1",
                "--", "python3", server.toString());
        assertThat(o.status().success()).as(o.stderrText()).isTrue();
        assertThat(o.stdoutText()).contains("started py (2 instances sharing 127.0.0.1:" + port + ")");
        List<Long> pids = cli.pids("py");
        assertThat(pids).hasSize(2);
        awaitServing(port, 2);
        Set<String> servers = new HashSet<>();
        for (int i = 0; i < 50; i++) servers.add(request(port));
        assertThat(servers).allMatch(s -> s.matches("served by \\d+ py")).hasSize(2);
        assertThat(cli.app("py").path("mode").asString()).isEqualTo("cluster");
    }

    @Test
    void aPortInUseIsAClearErrorAndLeavesNoApp() throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            Output o = cli.run("start", "--name", "clash", "--port", Integer.toString(taken.getLocalPort()),
                    "--host", "127.0.0.1", "--", "sleep", "1000");
            assertThat(o.status().exitCode()).hasValue(1);
            assertThat(o.stderrText()).isEqualTo("forkd: cannot start clash: cannot listen on 127.0.0.1:"
                    + taken.getLocalPort() + ": Address already in use\n");
            assertThat(cli.ls()).isEmpty();
        }
    }

    @Test
    void aReloadUnderLoadFailsNoRequest() throws Exception {
        assumeTrue(nodeInstalled(), "node is not installed: skipped");
        Path server = Files.writeString(tmp.resolve("server.js"), NODE_SERVER);
        int port = freePort();
        assertThat(cli.run("start", "--name", "web", "-i", "2", "--port", Integer.toString(port), "--host", "127.0.0.1",
                "--", "node", server.toString()).status().success()).isTrue();
        awaitServing(port, 2);
        reloadUnderLoadFailsNoRequest("web", port);
    }

    /** Reloads {@code app} (2 instances) while 4 threads send requests: new processes, none of them failed. */
    private void reloadUnderLoadFailsNoRequest(String app, int port) throws Exception {
        List<Long> before = cli.pids(app);
        Load load = Load.start(port, 4);
        Thread.sleep(300);
        Output reload = cli.run("reload", app);
        Thread.sleep(300);
        load.close();
        assertThat(reload.status().success()).as(reload.stderrText()).isTrue();
        assertThat(cli.pids(app)).hasSize(2).doesNotContainAnyElementsOf(before);
        for (long pid : before) assertThat(Cli.awaitGone(pid, java.time.Duration.ofSeconds(10))).isTrue();
        assertThat(load.ok()).isGreaterThan(100);
        assertThat(load.failed()).as(load.describe()).isZero();
    }

    /** Serves on fd 3 and says READY=1 on NOTIFY_SOCKET, unless the file named by NO_READY exists. */
    static final String NOTIFYING_SERVER = """
            import os, socket, time
            s = socket.socket(fileno=3)
            time.sleep(0.3)
            if not os.path.exists(os.environ["NO_READY"]):
                n = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
                n.sendto(b"READY=1\\nSTATUS=serving", os.environ["NOTIFY_SOCKET"])
            while True:
                c, _ = s.accept()
                c.recv(1024)
                c.sendall(("served by %d\\n" % os.getpid()).encode())
                c.close()
            """;

    @Test
    void withWaitReadyAReloadWaitsForReadyAndAnInstanceThatNeverSaysSoAbortsIt() throws Exception {
        Path server = Files.writeString(tmp.resolve("notifying.py"), NOTIFYING_SERVER);
        Path noReady = tmp.resolve("no-ready");
        int port = freePort();
        Output o = cli.run("start", "--name", "ready", "-i", "2", "--port", Integer.toString(port), "--host", "127.0.0.1",
                "--wait-ready", "--ready-timeout", "2s", "--env", "NO_READY=" + noReady, "--", "python3", server.toString());
        assertThat(o.status().success()).as(o.stderrText()).isTrue();
        for (int n = 0; n < 100; n++) {
            var a = cli.app("ready").path("instances");
            if (a.get(0).path("status").asString().equals("online") && a.get(1).path("status").asString().equals("online")) break;
            Thread.sleep(100);
        }
        var instance = cli.app("ready").path("instances").get(0);
        assertThat(instance.path("status").asString()).isEqualTo("online");
        assertThat(instance.path("notifyStatus").asString()).isEqualTo("serving");
        awaitServing(port, 2);

        assertThat(cli.run("reload", "ready").status().success()).as("a reload of ready instances").isTrue();
        List<Long> serving = cli.pids("ready");
        Files.createFile(noReady); // new processes from here on never say READY=1
        Output stuck = cli.run("reload", "ready");
        assertThat(stuck.status().exitCode()).hasValue(1);
        assertThat(stuck.stderrText()).isEqualTo("forkd: reload of ready stopped: instance 0: the new process did not"
                + " send READY=1 within 2 s; the old one keeps serving\n");
        assertThat(cli.pids("ready")).isEqualTo(serving);
        assertThat(cli.app("ready").path("reloadError").asString()).endsWith(": instance 0: the new process did not"
                + " send READY=1 within 2 s; the old one keeps serving");
        assertThat(cli.run("describe", "ready").stdoutText()).contains("last reload stopped ");
        for (int i = 0; i < 10; i++) assertThat(request(port)).startsWith("served by ");
    }

    @Test
    void aNodeAppThatSendsReadyOverIpcIsUpWhenItSaysSoAsUnderPm2() throws Exception {
        assumeTrue(nodeInstalled(), "node is not installed: skipped");
        Path app = Files.writeString(tmp.resolve("ipc-ready.js"), """
                const server = require('net').createServer(c => { c.once('data', () => c.end('served by ' + process.pid + '\\n')); });
                server.listen({fd: 3}, () => setTimeout(() => process.send('ready'), 300));
                process.on('SIGTERM', () => server.close(() => process.exit(0)));
                """);
        int port = freePort();
        assertThat(cli.run("start", "--name", "pm2like", "-i", "2", "--port", Integer.toString(port), "--host",
                "127.0.0.1", "--wait-ready", "--", "node", app.toString()).status().success()).isTrue();
        for (int n = 0; n < 100 && !cli.app("pm2like").path("instances").get(1).path("status").asString().equals("online"); n++) {
            Thread.sleep(100);
        }
        assertThat(cli.app("pm2like").path("instances").get(1).path("status").asString()).isEqualTo("online");
        List<Long> before = cli.pids("pm2like");
        Output reload = cli.run("reload", "pm2like");
        assertThat(reload.status().success()).as(reload.stderrText()).isTrue();
        assertThat(cli.pids("pm2like")).hasSize(2).doesNotContainAnyElementsOf(before);
        awaitServing(port, 2);
    }

    @Test
    void aMissingProgramInClusterModeIsTheSameClearErrorAsInForkMode() throws Exception {
        Output o = cli.run("start", "--name", "ghost", "--port", Integer.toString(freePort()), "--host", "127.0.0.1",
                "--", "no-such-program-x");
        assertThat(o.status().exitCode()).hasValue(1);
        assertThat(o.stderrText()).isEqualTo("forkd: cannot start ghost: cannot start: posix_spawn failed: ENOENT"
                + " (No such file or directory): no-such-program-x\n");
        assertThat(cli.ls()).isEmpty();
    }

    @Test
    void jvmInstancesAdoptTheListenerWithSocketActivationAndReload() throws Exception {
        List<String> java = new java.util.ArrayList<>(dev.forkd.cli.daemon.Launch.javaCommand());
        java.set(java.size() - 1, ActivatedJvmServer.class.getName()); // the same JVM flags and class path
        int port = freePort();
        List<String> args = new java.util.ArrayList<>(List.of("start", "--name", "jvm", "-i", "2", "--port",
                Integer.toString(port), "--host", "127.0.0.1", "--"));
        args.addAll(java);
        Output o = cli.run(args.toArray(String[]::new));
        assertThat(o.status().success()).as(o.stderrText()).isTrue();
        awaitServing(port, 2);
        assertThat(request(port)).matches("served by \\d+ jvm");
        List<Long> before = cli.pids("jvm");
        Output reload = cli.run("reload", "jvm");
        assertThat(reload.status().success()).as(reload.stderrText()).isTrue();
        assertThat(cli.pids("jvm")).hasSize(2).doesNotContainAnyElementsOf(before);
        awaitServing(port, 2);
    }

    /** An unmodified Node cluster-style app: it listens on a port of its own choosing, knows nothing of fd 3. */
    private static final String NODE_PORT_SERVER = """
            const cluster = require('cluster');
            const server = require('net').createServer(c => {
              c.once('data', () => c.end('served by ' + process.pid + ' worker ' + cluster.worker.id + '\\n'));
            });
            server.listen(Number(process.env.PORT), () => console.log('listening as worker', cluster.isWorker));
            """;

    @Test
    void withHandoffClusterAnUnmodifiedNodeAppIsAClusterWorkerAndReloadsWithoutAFailedRequest() throws Exception {
        assumeTrue(nodeInstalled(), "node is not installed: skipped");
        Path server = Files.writeString(tmp.resolve("port-server.js"), NODE_PORT_SERVER);
        int port = freePort();
        Output o = cli.run("start", "--name", "nodec", "-i", "2", "--port", Integer.toString(port), "--host", "127.0.0.1",
                "--handoff", "cluster", "--env", "PORT=" + port, "--", "node", server.toString());
        assertThat(o.status().success()).as(o.stderrText()).isTrue();
        awaitServing(port, 2);
        assertThat(request(port)).matches("served by \\d+ worker \\d+");
        for (int n = 0; n < 100 && !cli.app("nodec").path("instances").get(1).path("status").asString().equals("online"); n++) {
            Thread.sleep(100);
        }
        assertThat(cli.app("nodec").path("listen").asString()).isEqualTo("127.0.0.1:" + port + " (cluster)");
        assertThat(cli.run("logs", "nodec", "--lines", "1").stdoutText()).contains("listening as worker true");
        reloadUnderLoadFailsNoRequest("nodec", port);
    }

    @Test
    void withHandoffClusterForkdAwareJvmWorkersListenThroughClusterWorker() throws Exception {
        List<String> java = new java.util.ArrayList<>(dev.forkd.cli.daemon.Launch.javaCommand());
        java.set(java.size() - 1, ClusterJvmServer.class.getName());
        int port = freePort();
        java.add(Integer.toString(port));
        List<String> args = new java.util.ArrayList<>(List.of("start", "--name", "jvmc", "-i", "2", "--port",
                Integer.toString(port), "--host", "127.0.0.1", "--handoff", "cluster", "--"));
        args.addAll(java);
        Output o = cli.run(args.toArray(String[]::new));
        assertThat(o.status().success()).as(o.stderrText()).isTrue();
        awaitServing(port, 2);
        assertThat(request(port)).matches("served by \\d+ jvm-worker \\d+");
        List<Long> before = cli.pids("jvmc");
        Output reload = cli.run("reload", "jvmc");
        assertThat(reload.status().success()).as(reload.stderrText()).isTrue();
        assertThat(cli.pids("jvmc")).hasSize(2).doesNotContainAnyElementsOf(before);
        awaitServing(port, 2);
    }
}
