package dev.forkd.spring;

import static org.assertj.core.api.Assertions.assertThat;

import dev.forkd.ChildProcess;
import dev.forkd.ChildProcesses;
import dev.forkd.Command;
import dev.forkd.ForkOptions;
import dev.forkd.NotifyMessage;
import dev.forkd.NotifySocket;
import dev.forkd.Signal;
import dev.forkd.Stdio;
import dev.forkd.spring.app.TestApp;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A Boot app started as the {@code forkd} command's cluster mode (and systemd) start one: the listener is its
 * fd 3 with {@code LISTEN_FDS}/{@code LISTEN_PID}, readiness goes to {@code NOTIFY_SOCKET}. A second instance
 * on the same listener and a SIGTERM of the first (the command's reload) fail no request.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class ActivatedAppTest {
    private final List<NotifyMessage> said = new CopyOnWriteArrayList<>();

    private ChildProcess instance(ServerSocketChannel listener, NotifySocket notify) throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        // LISTEN_PID must be the app's own pid, known only after the spawn: a shell sets it and execs.
        Command c = Command.of("/bin/sh", "-c", "LISTEN_PID=$$ exec \"$0\" \"$@\"", java, ForkOptions.NATIVE_ACCESS,
                        ForkOptions.ADD_OPENS, "-XX:TieredStopAtLevel=1", "-cp", BootServer.TOMCAT.classPath(),
                        TestApp.class.getName(), "--server.port=1", "--spring.main.banner-mode=off",
                        "--logging.level.root=WARN")
                .env("LISTEN_FDS", "1").env("LISTEN_FDNAMES", "web").env("NOTIFY_SOCKET", notify.address())
                .stdio(Stdio.ignore(), Stdio.inherit(), Stdio.inherit(), Stdio.socket(listener));
        return ChildProcesses.spawn(c);
    }

    private CompletableFuture<Void> saysReady(long pid) {
        CompletableFuture<Void> ready = new CompletableFuture<>();
        Thread.ofVirtual().start(() -> {
            while (!ready.isDone()) {
                if (said.stream().anyMatch(m -> m.isReady() && m.pid().orElse(-1) == pid)) ready.complete(null);
                try {
                    Thread.sleep(20);
                } catch (InterruptedException e) {
                    return;
                }
            }
        });
        return ready;
    }

    @Test
    void anActivatedAppServesItsInheritedListenerSaysReadyAndHandsOverWithoutAFailedRequest() throws Exception {
        try (ServerSocketChannel listener = ServerSocketChannel.open();
             NotifySocket notify = NotifySocket.bindAbstract()) {
            listener.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            int port = ((InetSocketAddress) listener.getLocalAddress()).getPort();
            notify.onMessage(said::add);

            ChildProcess first = instance(listener, notify);
            ChildProcess second = null;
            try {
                saysReady(first.pid()).get(90, TimeUnit.SECONDS);
                try (HttpLoad.Client c = new HttpLoad.Client(port)) {
                    // server.port=1 is ignored: the inherited socket is served
                    assertThat(c.get("/")).isEqualTo("hello from " + first.pid() + " on TomcatWebServer\n");
                }

                HttpLoad load = new HttpLoad(port, "/", 4);
                Thread.sleep(300);
                second = instance(listener, notify);
                saysReady(second.pid()).get(90, TimeUnit.SECONDS);
                first.kill(Signal.SIGTERM);
                first.waitFor(Duration.ofSeconds(30));
                Thread.sleep(300);
                load.stop();

                assertThat(load.failed.get()).as("failed requests: " + load).isZero();
                assertThat(load.ok.get()).isGreaterThan(50);
                long firstPid = first.pid();
                assertThat(said).anyMatch(m -> m.isStopping() && m.pid().orElse(-1) == firstPid);
                try (HttpLoad.Client c = new HttpLoad.Client(port)) {
                    assertThat(c.get("/")).isEqualTo("hello from " + second.pid() + " on TomcatWebServer\n");
                }
            } finally {
                first.kill(Signal.SIGKILL);
                if (second != null) {
                    second.kill(Signal.SIGTERM);
                    second.waitFor(Duration.ofSeconds(30));
                }
            }
        }
    }
}
