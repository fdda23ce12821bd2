package dev.forkd.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import dev.forkd.ChildProcess;
import dev.forkd.ChildProcesses;
import dev.forkd.ExitStatus;
import dev.forkd.ForkOptions;
import dev.forkd.NotifyMessage;
import dev.forkd.NotifySocket;
import dev.forkd.Signal;
import dev.forkd.fixture.NotifyPrimary;
import dev.forkd.internal.posix.Posix;
import dev.forkd.ipc.Channel;
import dev.forkd.ipc.Message;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A cluster primary as a systemd {@code Type=notify} service: a real primary JVM with two real worker JVMs,
 * started with a {@code NOTIFY_SOCKET} this test binds, announces its readiness, reloads, stop and health.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class ServiceNotifyTest {
    private final List<AutoCloseable> cleanUp = new ArrayList<>();

    @AfterEach
    void cleanUp() throws Exception {
        for (AutoCloseable c : cleanUp.reversed()) c.close();
    }

    /** Every message the socket receives, in order, with what came before kept for the assertions. */
    private static final class Inbox {
        final BlockingQueue<NotifyMessage> queue = new LinkedBlockingQueue<>();
        final List<NotifyMessage> seen = new ArrayList<>();

        /** The next message that matches, or a failure naming what came instead. */
        NotifyMessage next(Predicate<NotifyMessage> wanted, String what) throws InterruptedException {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (System.nanoTime() < deadline) {
                NotifyMessage m = queue.poll(1, TimeUnit.SECONDS);
                if (m == null) continue;
                seen.add(m);
                if (wanted.test(m)) return m;
            }
            throw new AssertionError("no " + what + " message; received " + seen.stream().map(NotifyMessage::fields).toList());
        }

        /** The messages received so far, not counting pings. */
        List<NotifyMessage> announcements() {
            return seen.stream().filter(m -> !m.isWatchdogPing()).toList();
        }
    }

    private Inbox inbox(NotifySocket socket) {
        Inbox inbox = new Inbox();
        socket.onMessage(inbox.queue::add);
        return inbox;
    }

    private ChildProcess primary(NotifySocket socket, String watchdogUsec, String watchdogPid, String... args) throws Exception {
        ForkOptions o = ForkOptions.of(NotifyPrimary.class.getName(), args).env("NOTIFY_SOCKET", socket.address())
                .env("WATCHDOG_USEC", watchdogUsec);
        if (watchdogPid != null) o = o.env("WATCHDOG_PID", watchdogPid);
        ChildProcess p = ChildProcesses.fork(o);
        cleanUp.add(() -> {
            if (p.exitStatus().isEmpty()) p.kill(Signal.SIGKILL);
            p.waitFor(Duration.ofSeconds(30));
        });
        return p;
    }

    private static BlockingQueue<Message> replies(ChildProcess p) {
        BlockingQueue<Message> q = new LinkedBlockingQueue<>();
        p.channel().orElseThrow().onMessage(q::add);
        return q;
    }

    @Test
    void workersThatAreCommandsDoNotInheritTheSocketEither() throws Exception {
        NotifySocket socket = NotifySocket.bindAbstract();
        cleanUp.add(socket);
        Inbox inbox = inbox(socket);
        ChildProcess primary = primary(socket, "0", null, "command");
        BlockingQueue<Message> replies = replies(primary);
        Channel control = primary.channel().orElseThrow();
        inbox.next(NotifyMessage::isReady, "READY=1");
        control.send("fork-command").join();
        assertThat(replies.poll(60, TimeUnit.SECONDS).body().has("forked")).isTrue();
        control.send("disconnect").join();
        inbox.next(NotifyMessage::isStopping, "STOPPING=1");
        assertThat(primary.waitFor(Duration.ofSeconds(60))).isEqualTo(new ExitStatus.Exited(0));
        // Three workers said STATUS= on whatever NOTIFY_SOCKET they had: none reached the primary's.
        assertThat(inbox.seen).allSatisfy(m -> assertThat(m.pid()).isEqualTo(OptionalLong.of(primary.pid())));
        assertThat(inbox.seen).noneMatch(m -> m.status().orElse("").equals("a worker announcing itself"));
    }

    @Test
    void aPrimaryAnnouncesReadyReloadingReadyAndStoppingWithStatusLinesAndWatchdogPings() throws Exception {
        NotifySocket socket = NotifySocket.bindAbstract();
        cleanUp.add(socket);
        Inbox inbox = inbox(socket);
        ChildProcess primary = primary(socket, "200000", null); // pings every 100 ms
        BlockingQueue<Message> replies = replies(primary);
        Channel control = primary.channel().orElseThrow();

        NotifyMessage ready = inbox.next(NotifyMessage::isReady, "READY=1");
        assertThat(ready.status()).contains("2/2 workers ready");
        assertThat(inbox.announcements().getFirst().status()).hasValueSatisfying(s -> assertThat(s).startsWith("starting: 0/2"));

        inbox.next(NotifyMessage::isWatchdogPing, "WATCHDOG=1");
        inbox.next(NotifyMessage::isWatchdogPing, "WATCHDOG=1");

        long before = Posix.monotonicMicros();
        control.send("reload").join();
        NotifyMessage reloading = inbox.next(NotifyMessage::isReloading, "RELOADING=1");
        long after = Posix.monotonicMicros();
        assertThat(reloading.fields().keySet()).containsExactly("RELOADING", "MONOTONIC_USEC", "STATUS");
        assertThat(Long.parseLong(reloading.field("MONOTONIC_USEC").orElseThrow())).isBetween(before, after);
        assertThat(reloading.status()).contains("reloading: 0/2 workers replaced");
        inbox.next(m -> m.status().orElse("").equals("reloading: 1/2 workers replaced"), "reload progress");
        NotifyMessage reloaded = inbox.next(NotifyMessage::isReady, "READY=1 after the reload");
        assertThat(reloaded.status()).contains("2/2 workers ready; reloaded 2 workers");
        assertThat(replies.poll(60, TimeUnit.SECONDS).body().path("reloaded").asBoolean()).isTrue();

        control.send("disconnect").join();
        NotifyMessage stopping = inbox.next(NotifyMessage::isStopping, "STOPPING=1");
        assertThat(stopping.status()).contains("stopping: 2 workers draining");
        inbox.next(m -> m.status().orElse("").equals("stopping: 0 workers draining"), "the last worker's exit");
        assertThat(primary.waitFor(Duration.ofSeconds(60))).isEqualTo(new ExitStatus.Exited(0));

        // The order of the state changes, and who spoke: the primary only, its workers had no socket.
        List<String> states = inbox.seen.stream().map(ServiceNotifyTest::state).filter(s -> !s.isEmpty()).toList();
        assertThat(states).containsExactly("READY", "RELOADING", "READY", "STOPPING");
        assertThat(inbox.seen).allSatisfy(m -> assertThat(m.pid()).isEqualTo(OptionalLong.of(primary.pid())));
        long pings = inbox.seen.stream().filter(NotifyMessage::isWatchdogPing).count();
        assertThat(pings).isGreaterThanOrEqualTo(2);
    }

    @Test
    void aWorkersDeathAndRespawnShowInTheStatusUntilTheClusterIsWholeAgain() throws Exception {
        NotifySocket socket = NotifySocket.bindAbstract();
        cleanUp.add(socket);
        Inbox inbox = inbox(socket);
        ChildProcess primary = primary(socket, "0", null); // WATCHDOG_USEC=0: no watchdog
        BlockingQueue<Message> replies = replies(primary);
        inbox.next(NotifyMessage::isReady, "READY=1");
        primary.channel().orElseThrow().send("crash").join();
        int killed = replies.poll(60, TimeUnit.SECONDS).body().path("killed").asInt();
        String dying = "1/2 workers ready; worker " + killed + " died (signal: 9 (SIGKILL)), respawning in ";
        inbox.next(m -> m.status().orElse("").startsWith(dying), "the respawn in the status");
        inbox.next(m -> m.status().orElse("").equals("2/2 workers ready"), "the cluster whole again");
        assertThat(inbox.seen).noneMatch(NotifyMessage::isWatchdogPing);
        assertThat(inbox.seen.stream().filter(NotifyMessage::isReady)).hasSize(1); // a death is no new start-up
    }

    @Test
    void aClusterThatGaveUpWithNoWorkerLeftStopsPingingSoThatTheWatchdogRestartsIt() throws Exception {
        NotifySocket socket = NotifySocket.bindAbstract();
        cleanUp.add(socket);
        Inbox inbox = inbox(socket);
        ForkOptions o = ForkOptions.of(NotifyPrimary.class.getName(), "crash-loop").env("NOTIFY_SOCKET", socket.address())
                .env("WATCHDOG_USEC", "10000"); // a ping every 5 ms while it pings
        ChildProcess primary = ChildProcesses.fork(o);
        cleanUp.add(() -> {
            if (primary.exitStatus().isEmpty()) primary.kill(Signal.SIGKILL);
            primary.waitFor(Duration.ofSeconds(30));
        });
        BlockingQueue<Message> replies = replies(primary);
        NotifyMessage gaveUp = inbox.next(m -> m.status().orElse("").contains("gave up: "), "the reason it gave up");
        assertThat(gaveUp.status().orElseThrow()).startsWith("starting: 0/2 workers ready; gave up: 3 worker deaths");
        assertThat(replies.poll(60, TimeUnit.SECONDS).body().asString()).isEqualTo("gave up, none left");
        int before = inbox.seen.size();
        primary.channel().orElseThrow().send("disconnect").join();
        inbox.next(NotifyMessage::isStopping, "STOPPING=1");
        List<NotifyMessage> afterwards = inbox.seen.subList(before, inbox.seen.size());
        assertThat(inbox.seen.subList(0, before)).anyMatch(NotifyMessage::isWatchdogPing);
        // At most the one ping that may have been queued as the last worker's exit was being reported.
        assertThat(afterwards.stream().filter(NotifyMessage::isWatchdogPing).count()).isLessThanOrEqualTo(1);
        assertThat(inbox.seen).noneMatch(NotifyMessage::isReady);
    }

    @Test
    void sigtermAnnouncesStoppingAndAWatchdogMeantForAnotherProcessSendsNoPings() throws Exception {
        NotifySocket socket = NotifySocket.bindAbstract();
        cleanUp.add(socket);
        Inbox inbox = inbox(socket);
        // WATCHDOG_PID names this test's JVM: the variables are not the primary's, so it must not ping (every
        // 5 ms if it did, through the seconds its workers take to start).
        ChildProcess primary = primary(socket, "10000", Long.toString(ProcessHandle.current().pid()));
        inbox.next(NotifyMessage::isReady, "READY=1");
        primary.kill(Signal.SIGTERM);
        inbox.next(NotifyMessage::isStopping, "STOPPING=1");
        assertThat(primary.waitFor(Duration.ofSeconds(60))).isEqualTo(new ExitStatus.Exited(143)); // the JVM's SIGTERM exit
        assertThat(inbox.seen).noneMatch(NotifyMessage::isWatchdogPing);
        assertThat(inbox.seen).allSatisfy(m -> assertThat(m.pid()).isEqualTo(OptionalLong.of(primary.pid())));
    }

    @Test
    void withTheOptOutPropertyThePrimarySaysNothing() throws Exception {
        NotifySocket socket = NotifySocket.bindAbstract();
        cleanUp.add(socket);
        Inbox inbox = inbox(socket);
        ForkOptions o = ForkOptions.of(NotifyPrimary.class.getName()).env("NOTIFY_SOCKET", socket.address())
                .execArgv("-Dforkd.cluster.notify=false");
        ChildProcess primary = ChildProcesses.fork(o);
        cleanUp.add(() -> {
            if (primary.exitStatus().isEmpty()) primary.kill(Signal.SIGKILL);
            primary.waitFor(Duration.ofSeconds(30));
        });
        // Off, the workers' environment is left alone: each NotifyingWorker's own STATUS= arrives, and nothing else.
        NotifyMessage first = inbox.next(m -> true, "a worker's STATUS=");
        NotifyMessage second = inbox.next(m -> true, "the other worker's STATUS=");
        assertThat(List.of(first, second)).allSatisfy(m -> {
            assertThat(m.status()).contains("a worker announcing itself");
            assertThat(m.pid()).isNotEqualTo(OptionalLong.of(primary.pid()));
        });
        primary.channel().orElseThrow().send("disconnect").join();
        assertThat(primary.waitFor(Duration.ofSeconds(60))).isEqualTo(new ExitStatus.Exited(0));
        inbox.queue.drainTo(inbox.seen);
        assertThat(inbox.seen).hasSize(2);
    }

    private static String state(NotifyMessage m) {
        if (m.isReady()) return "READY";
        if (m.isReloading()) return "RELOADING";
        if (m.isStopping()) return "STOPPING";
        return "";
    }
}
