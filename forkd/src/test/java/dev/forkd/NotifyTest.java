package dev.forkd;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.forkd.fixture.NotifyChild;
import dev.forkd.internal.io.Fd;
import dev.forkd.internal.notify.NotifyProtocol;
import dev.forkd.internal.notify.NotifySender;
import dev.forkd.internal.notify.WatchdogSettings;
import dev.forkd.internal.posix.Posix;
import dev.forkd.internal.posix.PosixException;
import dev.forkd.internal.posix.UnixAddress;
import dev.forkd.ipc.Subscription;
import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * sd_notify both ways, with real senders and receivers: forked JVMs using {@link Notify}, systemd's own
 * {@code systemd-notify}, and a {@code python3} socket as an independent receiver.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class NotifyTest {
    private static final long SELF = ProcessHandle.current().pid();

    // ---- receiving: NotifySocket ----

    @Test
    void aForkedJvmReportsReadyStatusAndReloadingWithItsPid(@TempDir Path dir) throws Exception {
        try (NotifySocket socket = NotifySocket.bind(dir.resolve("notify.sock"))) {
            BlockingQueue<NotifyMessage> inbox = inbox(socket);
            ChildProcess child = ChildProcesses.fork(ForkOptions.of(NotifyChild.class.getName(), "lifecycle")
                    .env("NOTIFY_SOCKET", socket.address()).env("WATCHDOG_USEC", "1500000").silent(true));
            String out = new String(child.stdout().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(child.waitFor()).isEqualTo(new ExitStatus.Exited(0));
            assertThat(out).isEqualTo("true\ntrue\ntrue\nwatchdog: PT1.5S\n");

            NotifyMessage ready = next(inbox);
            assertThat(ready.fields()).isEqualTo(Map.of("READY", "1"));
            assertThat(ready.isReady()).isTrue();
            assertThat(ready.pid()).isEqualTo(OptionalLong.of(child.pid()));
            NotifyMessage status = next(inbox);
            assertThat(status.status()).contains("x");
            assertThat(status.isReady()).isFalse();
            NotifyMessage reloading = next(inbox);
            assertThat(reloading.isReloading()).isTrue();
            assertThat(reloading.field("MONOTONIC_USEC")).hasValueSatisfying(v -> assertThat(v).matches("[0-9]+"));
            assertThat(reloading.fields().keySet()).containsExactly("RELOADING", "MONOTONIC_USEC");
        }
    }

    @Test
    void systemdNotifyIsHeardAndItsBarrierAnswered(@TempDir Path dir) throws Exception {
        assumeTrue(onPath("systemd-notify"), "systemd-notify is not installed (Debian package systemd)");
        try (NotifySocket socket = NotifySocket.bind(dir.resolve("n.sock"))) {
            BlockingQueue<NotifyMessage> inbox = inbox(socket);
            ChildProcess child = ChildProcesses.spawn(Command.of("systemd-notify", "--ready", "--status=hi")
                    .env("NOTIFY_SOCKET", socket.address()).stdout(Stdio.inherit()).stderr(Stdio.inherit()));
            // systemd-notify then waits for sd_notify_barrier(): its BARRIER=1 datagram carries a pipe's write
            // end, and only when every copy is closed does it exit 0. An fd left open here fails it (after 5 s).
            assertThat(child.waitFor()).isEqualTo(new ExitStatus.Exited(0));
            NotifyMessage m = next(inbox);
            assertThat(m.fields()).isEqualTo(Map.of("READY", "1", "STATUS", "hi"));
            assertThat(m.isReady()).isTrue();
            assertThat(m.status()).contains("hi");
            // systemd-notify speaks for its parent: as root it sends with our pid, else the kernel gives its own.
            assertThat(m.pid().orElseThrow()).isIn(child.pid(), SELF);
            // The barrier is not a message: the next one delivered is what this test sends now.
            send(socket.address(), "STATUS=after");
            assertThat(next(inbox).status()).contains("after");
        }
    }

    @Test
    void anAbstractNameReceivesFromSystemdNotify() throws Exception {
        assumeTrue(onPath("systemd-notify"), "systemd-notify is not installed (Debian package systemd)");
        String name = "forkd-test-" + SELF + "-" + System.nanoTime();
        try (NotifySocket socket = NotifySocket.bindAbstract(name)) {
            assertThat(socket.address()).isEqualTo("@" + name);
            BlockingQueue<NotifyMessage> inbox = inbox(socket);
            ChildProcess child = ChildProcesses.spawn(Command.of("systemd-notify", "--status=abstract")
                    .env("NOTIFY_SOCKET", socket.address()).stdout(Stdio.inherit()).stderr(Stdio.inherit()));
            assertThat(child.waitFor()).isEqualTo(new ExitStatus.Exited(0));
            assertThat(next(inbox).fields()).isEqualTo(Map.of("STATUS", "abstract"));
        }
    }

    @Test
    void aKernelChosenAbstractNameWorks() throws Exception {
        try (NotifySocket socket = NotifySocket.bindAbstract()) {
            assertThat(socket.address()).matches("@[0-9a-f]{5}");
            BlockingQueue<NotifyMessage> inbox = inbox(socket);
            send(socket.address(), "READY=1\nSTATUS=autobound");
            NotifyMessage m = next(inbox);
            assertThat(m.isReady()).isTrue();
            assertThat(m.status()).contains("autobound");
            assertThat(m.pid()).isEqualTo(OptionalLong.of(SELF));
        }
    }

    @Test
    void messagesSentBeforeTheFirstListenerWaitForIt() throws Exception {
        try (NotifySocket socket = NotifySocket.bindAbstract()) {
            for (int i = 0; i < 3; i++) send(socket.address(), "STATUS=" + i);
            BlockingQueue<NotifyMessage> inbox = inbox(socket);
            for (int i = 0; i < 3; i++) assertThat(next(inbox).status()).contains(String.valueOf(i));
        }
    }

    @Test
    void aSocketNobodyListensToNeverBlocksItsSendersAndKeepsTheNewestMessages() throws Exception {
        int sent = 1100; // more than the 1024 kept, and far more than the kernel queues (max_dgram_qlen)
        try (NotifySocket socket = NotifySocket.bindAbstract()) {
            // The sends block once the kernel's queue is full unless forkd keeps reading: they would hang here.
            for (int i = 0; i < sent; i++) send(socket.address(), "STATUS=" + i);
            BlockingQueue<NotifyMessage> inbox = inbox(socket);
            List<Integer> got = new ArrayList<>();
            while (got.isEmpty() || got.getLast() != sent - 1) {
                got.add(Integer.parseInt(next(inbox).status().orElseThrow()));
            }
            // Oldest dropped first: what arrives is in order, ends with the last, and at least 1024 of them.
            assertThat(got).isSorted().doesNotHaveDuplicates();
            assertThat(got.size()).isBetween(1024, sent);
        }
    }

    @Test
    void malformedEmptyAndOversizeDatagramsAreSkipped() throws Exception {
        try (NotifySocket socket = NotifySocket.bindAbstract()) {
            BlockingQueue<NotifyMessage> inbox = inbox(socket);
            UnixAddress to = UnixAddress.parse(socket.address());
            NotifySender.send(to, "garbage".getBytes(StandardCharsets.UTF_8), "test");
            NotifySender.send(to, "READY=1\nno equals sign".getBytes(StandardCharsets.UTF_8), "test");
            NotifySender.send(to, "=1".getBytes(StandardCharsets.UTF_8), "test");
            NotifySender.send(to, new byte[] {'S', '=', (byte) 0xff, (byte) 0xfe}, "test");
            NotifySender.send(to, "READY=1\0".getBytes(StandardCharsets.UTF_8), "test");
            NotifySender.send(to, new byte[0], "test");
            NotifySender.send(to, "\n\n".getBytes(StandardCharsets.UTF_8), "test");
            NotifySender.send(to, ("STATUS=" + "a".repeat(70_000)).getBytes(StandardCharsets.UTF_8), "test");
            NotifySender.send(to, "READY=1\nSTATUS=first\nSTATUS=second\n".getBytes(StandardCharsets.UTF_8), "test");
            NotifyMessage m = next(inbox);
            assertThat(m.fields()).isEqualTo(Map.of("READY", "1", "STATUS", "first"));
            send(socket.address(), "STATUS=" + "b".repeat(60_000)); // large but within 64 KiB
            assertThat(next(inbox).status()).hasValueSatisfying(s -> assertThat(s).hasSize(60_000));
        }
    }

    @Test
    void aListenerThatThrowsStopsNeitherOtherListenersNorLaterMessages() throws Exception {
        try (NotifySocket socket = NotifySocket.bindAbstract()) {
            socket.onMessage(m -> {
                throw new IllegalStateException("listener failure (expected by the test)");
            });
            BlockingQueue<NotifyMessage> inbox = inbox(socket);
            for (int i = 0; i < 3; i++) send(socket.address(), "STATUS=" + i);
            for (int i = 0; i < 3; i++) assertThat(next(inbox).status()).contains(String.valueOf(i));
        }
    }

    @Test
    void aBlockedListenerHoldsUpNeitherTheLoopNorOtherSockets() throws Exception {
        try (NotifySocket a = NotifySocket.bindAbstract(); NotifySocket b = NotifySocket.bindAbstract()) {
            CountDownLatch bDelivered = new CountDownLatch(1);
            BlockingQueue<NotifyMessage> aInbox = new LinkedBlockingQueue<>();
            a.onMessage(m -> {
                try {
                    // Blocks until b's listener has run, which needs the event loop to read b meanwhile.
                    if (bDelivered.await(30, TimeUnit.SECONDS)) aInbox.add(m);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            });
            b.onMessage(m -> bDelivered.countDown());
            send(a.address(), "STATUS=blocking");
            send(b.address(), "STATUS=meanwhile");
            assertThat(next(aInbox).status()).contains("blocking");
            // The loop still serves child processes too.
            assertThat(ChildProcesses.spawn("true").waitFor()).isEqualTo(new ExitStatus.Exited(0));
        }
    }

    @Test
    void aClosedSubscriptionGetsNothingMore() throws Exception {
        try (NotifySocket socket = NotifySocket.bindAbstract()) {
            BlockingQueue<NotifyMessage> first = new LinkedBlockingQueue<>();
            Subscription sub = socket.onMessage(first::add);
            BlockingQueue<NotifyMessage> second = inbox(socket);
            send(socket.address(), "STATUS=both");
            assertThat(next(first).status()).contains("both");
            assertThat(next(second).status()).contains("both");
            sub.close();
            sub.close();
            send(socket.address(), "STATUS=second only");
            assertThat(next(second).status()).contains("second only");
            assertThat(first).isEmpty();
        }
    }

    @Test
    void bindRefusesAnExistingFileAndNamesIt(@TempDir Path dir) throws Exception {
        Path path = dir.resolve("taken.sock");
        try (NotifySocket socket = NotifySocket.bind(path)) {
            assertThatThrownBy(() -> NotifySocket.bind(path)).isInstanceOf(IOException.class)
                    .hasMessage("bind failed: EADDRINUSE (Address already in use): " + path);
            assertThat(socket.address()).isEqualTo(path.toString());
        }
        assertThatThrownBy(() -> NotifySocket.bind(dir.resolve("no/such/dir/n.sock")))
                .isInstanceOf(IOException.class).hasMessageContaining("ENOENT");
        assertThatThrownBy(() -> NotifySocket.bind(dir.resolve("x".repeat(120))))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("more than the 107");
    }

    @Test
    void closeRemovesTheFileAndLeaksNoFd(@TempDir Path dir) throws Exception {
        NotifySocket.bindAbstract().close(); // the event loop and the bindings are there before the baseline
        int before = Procs.settledFdCount();
        for (int i = 0; i < 3; i++) {
            Path path = dir.resolve("leak" + i + ".sock");
            Set<String> fdsBefore = socketFds();
            NotifySocket socket = NotifySocket.bind(path);
            Set<String> added = socketFds();
            added.removeAll(fdsBefore);
            assertThat(added).hasSize(1);
            String info = Files.readString(Path.of("/proc/self/fdinfo", added.iterator().next()));
            long flags = Long.parseLong(info.lines().filter(l -> l.startsWith("flags:")).findFirst()
                    .orElseThrow().substring(6).trim(), 8);
            assertThat(flags & 02000000).as("O_CLOEXEC").isNotZero();
            assertThat(flags & 04000).as("O_NONBLOCK").isNotZero();

            BlockingQueue<NotifyMessage> inbox = inbox(socket);
            send(socket.address(), "READY=1");
            assertThat(next(inbox).isReady()).isTrue();
            assertThat(path).exists();
            socket.close();
            socket.close();
            assertThat(path).doesNotExist();
            try (NotifySocket abs = NotifySocket.bindAbstract("forkd-leak-" + SELF + "-" + i)) {
                send(abs.address(), "READY=1");
            }
        }
        assertThat(Procs.openFdCount()).isEqualTo(before);
    }

    @Test
    void closeLeavesAFileThatIsNoLongerItsOwn(@TempDir Path dir) throws Exception {
        Path path = dir.resolve("replaced.sock");
        NotifySocket socket = NotifySocket.bind(path);
        Files.delete(path);
        Files.writeString(path, "someone else's");
        socket.close();
        assertThat(path).hasContent("someone else's");
    }

    // ---- sending: Notify ----

    @Test
    void notifyReachesAnIndependentReceiverWithMonotonicTimeInOrder(@TempDir Path dir) throws Exception {
        assumeTrue(onPath("python3"), "python3 is not installed");
        Path path = dir.resolve("py.sock");
        try (PythonReceiver py = new PythonReceiver(path.toString(), 3)) {
            ChildProcess child = ChildProcesses.fork(ForkOptions.of(NotifyChild.class.getName(), "lifecycle")
                    .env("NOTIFY_SOCKET", path.toString()).silent(true));
            String out = new String(child.stdout().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(child.waitFor()).isEqualTo(new ExitStatus.Exited(0));
            assertThat(out).isEqualTo("true\ntrue\ntrue\nwatchdog: none\n");
            assertThat(py.next().text()).isEqualTo("READY=1");
            assertThat(py.next().text()).isEqualTo("STATUS=x");
            PythonReceiver.Datagram reloading = py.next();
            assertThat(reloading.pid()).isEqualTo(child.pid());
            String[] lines = reloading.text().split("\n");
            assertThat(lines).hasSize(2);
            assertThat(lines[0]).isEqualTo("RELOADING=1");
            assertThat(lines[1]).startsWith("MONOTONIC_USEC=");
            long usec = Long.parseLong(lines[1].substring("MONOTONIC_USEC=".length()));
            // python read CLOCK_MONOTONIC before the child existed and again after the datagram arrived.
            assertThat(usec).isBetween(py.boundAtMicros, reloading.receivedAtMicros());
        }
    }

    @Test
    void anAbstractNotifySocketIsAddressedExactly() throws Exception {
        assumeTrue(onPath("python3"), "python3 is not installed");
        // A trailing NUL in the address would be part of the name: python, bound to the name alone, would
        // never see the datagram and the send would fail with ECONNREFUSED.
        String address = "@forkd-py-" + SELF + "-" + System.nanoTime();
        try (PythonReceiver py = new PythonReceiver(address, 1)) {
            send(address, "READY=1\nSTATUS=über");
            PythonReceiver.Datagram d = py.next();
            assertThat(d.text()).isEqualTo("READY=1\nSTATUS=über");
            assertThat(d.pid()).isEqualTo(SELF);
        }
    }

    @Test
    void withoutNotifySocketNothingIsSent() throws Exception {
        assumeTrue(System.getenv("NOTIFY_SOCKET") == null, "this JVM has a NOTIFY_SOCKET");
        assertThat(Notify.ready()).isFalse();
        assertThat(Notify.reloading()).isFalse();
        assertThat(Notify.status("nobody hears this")).isFalse();
        assertThat(Notify.send(Map.of("MAINPID", "1"))).isFalse();
    }

    @Test
    void malformedMessagesAreRejectedBeforeAnythingIsSent() {
        assertThatThrownBy(() -> Notify.send("READY")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("KEY=VALUE");
        assertThatThrownBy(() -> Notify.send("=1")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(Notify::send).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Notify.status("two\nlines")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("newline");
        assertThatThrownBy(() -> Notify.send("READY=1\nSTATUS=forged")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Notify.send(Map.of("A=B", "1"))).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Notify.send(Map.of())).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void aMissingSocketIsAnIoExceptionNamingTheVariableAndErrno(@TempDir Path dir) throws Exception {
        Path missing = dir.resolve("missing.sock");
        ChildProcess child = ChildProcesses.fork(ForkOptions.of(NotifyChild.class.getName(), "send", "READY=1")
                .env("NOTIFY_SOCKET", missing.toString()).silent(true));
        String out = new String(child.stdout().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(child.waitFor()).isEqualTo(new ExitStatus.Exited(0));
        assertThat(out).isEqualTo("error: sendmsg failed: ENOENT (No such file or directory): NOTIFY_SOCKET="
                + missing + "\n");
    }

    @Test
    void aSocketNobodyListensOnAnyMoreIsConnectionRefused(@TempDir Path dir) throws Exception {
        // A stale socket file: bound, then its socket closed without unlinking (a crashed supervisor).
        UnixAddress stale = UnixAddress.ofPath(dir.resolve("stale.sock").toString());
        try (Fd fd = new Fd(Posix.datagramSocket(false, "test"))) {
            Posix.bind(fd.value(), stale);
        }
        assertThatThrownBy(() -> NotifySender.send(stale, new byte[] {'A', '=', '1'}, "NOTIFY_SOCKET=" + stale))
                .isInstanceOf(PosixException.class)
                .hasMessage("sendmsg failed: ECONNREFUSED (Connection refused): NOTIFY_SOCKET=" + stale);
        String address;
        try (NotifySocket closed = NotifySocket.bindAbstract()) {
            address = closed.address();
        }
        assertThatThrownBy(() -> send(address, "READY=1")).hasMessageContaining("ECONNREFUSED");
    }

    @Test
    void addressesMustBeAbsolutePathsOrAbstractNames() {
        assertThatThrownBy(() -> UnixAddress.parse("relative.sock")).hasMessageContaining("not an absolute path");
        assertThatThrownBy(() -> UnixAddress.parse("vsock:2:1234")).hasMessageContaining("not an absolute path");
        assertThatThrownBy(() -> UnixAddress.parse("@")).hasMessageContaining("empty");
        assertThatThrownBy(() -> UnixAddress.parse("@" + "n".repeat(108))).hasMessageContaining("108 bytes");
        assertThat(UnixAddress.parse("@" + "n".repeat(107)).length()).isEqualTo(2 + 1 + 107);
        assertThat(UnixAddress.parse("/run/x").length()).isEqualTo(2 + 6 + 1);
    }

    @Test
    void watchdogIntervalHonoursWatchdogPidAsSdWatchdogEnabledDoes() {
        assertThat(WatchdogSettings.interval(null, null, 7)).isEmpty();
        assertThat(WatchdogSettings.interval("2000000", null, 7)).contains(Duration.ofSeconds(2));
        assertThat(WatchdogSettings.interval("2000000", "7", 7)).contains(Duration.ofSeconds(2));
        assertThat(WatchdogSettings.interval("2000000", "8", 7)).isEmpty();
        assertThat(WatchdogSettings.interval("2000000", "x", 7)).isEmpty();
        assertThat(WatchdogSettings.interval("0", null, 7)).isEmpty();
        assertThat(WatchdogSettings.interval("-5", null, 7)).isEmpty();
        assertThat(WatchdogSettings.interval("", null, 7)).isEmpty();
        assertThat(WatchdogSettings.interval("1s", null, 7)).isEmpty();
        assertThat(WatchdogSettings.interval("99999999999999999999", null, 7)).isEmpty();
    }

    @Test
    void notifyMessageReadsSystemdsFields() throws Exception {
        Map<String, String> fields = NotifyProtocol.parse(
                "READY=1\nSTATUS=a=b\nMAINPID=4711\nERRNO=2\nWATCHDOG=1\nSTOPPING=1\nX-CUSTOM=\n"
                        .getBytes(StandardCharsets.UTF_8));
        NotifyMessage m = new NotifyMessage(fields, OptionalLong.empty());
        assertThat(m.isReady()).isTrue();
        assertThat(m.status()).contains("a=b");
        assertThat(m.mainPid()).hasValue(4711);
        assertThat(m.errno()).hasValue(2);
        assertThat(m.isWatchdogPing()).isTrue();
        assertThat(m.isStopping()).isTrue();
        assertThat(m.isReloading()).isFalse();
        assertThat(m.field("X-CUSTOM")).contains("");
        assertThat(m.field("NOPE")).isEmpty();
        assertThat(m.fields().keySet()).containsExactly("READY", "STATUS", "MAINPID", "ERRNO", "WATCHDOG",
                "STOPPING", "X-CUSTOM");
        assertThatThrownBy(() -> m.fields().put("A", "B")).isInstanceOf(UnsupportedOperationException.class);
        NotifyMessage odd = new NotifyMessage(Map.of("MAINPID", "none", "ERRNO", "-1", "READY", "0"),
                OptionalLong.of(3));
        assertThat(odd.mainPid()).isEmpty();
        assertThat(odd.errno()).isEmpty();
        assertThat(odd.isReady()).isFalse();
    }

    // ---- helpers ----

    private static BlockingQueue<NotifyMessage> inbox(NotifySocket socket) {
        BlockingQueue<NotifyMessage> q = new LinkedBlockingQueue<>();
        socket.onMessage(q::add);
        return q;
    }

    private static NotifyMessage next(BlockingQueue<NotifyMessage> inbox) throws InterruptedException {
        NotifyMessage m = inbox.poll(30, TimeUnit.SECONDS);
        assertThat(m).as("a notify message").isNotNull();
        return m;
    }

    /** One datagram from this JVM, through the same path Notify.send takes once it has read NOTIFY_SOCKET. */
    private static void send(String address, String text) throws IOException {
        NotifySender.send(UnixAddress.parse(address), text.getBytes(StandardCharsets.UTF_8), address);
    }

    /** This process's open socket fds, by number. */
    private static Set<String> socketFds() throws IOException {
        try (Stream<Path> s = Files.list(Path.of("/proc/self/fd"))) {
            return s.filter(p -> {
                try {
                    return Files.readSymbolicLink(p).toString().startsWith("socket:");
                } catch (IOException gone) {
                    return false; // the listing's own fd, closed by now
                }
            }).map(p -> p.getFileName().toString()).collect(Collectors.toCollection(java.util.HashSet::new));
        }
    }

    static boolean onPath(String program) {
        String path = System.getenv("PATH");
        if (path == null) return false;
        for (String dir : path.split(File.pathSeparator)) {
            if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, program))) return true;
        }
        return false;
    }

    /**
     * python3 bound to a notify address with SO_PASSCRED, printing its CLOCK_MONOTONIC (µs) once bound, then,
     * per datagram, the sender's pid, the clock on arrival and the bytes in hex.
     */
    private static final class PythonReceiver implements AutoCloseable {
        record Datagram(long pid, long receivedAtMicros, String text) {}

        private static final String SCRIPT = """
                import os, socket, struct, sys, time
                addr, count = sys.argv[1], int(sys.argv[2])
                s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
                s.setsockopt(socket.SOL_SOCKET, socket.SO_PASSCRED, 1)
                s.bind("\\0" + addr[1:] if addr.startswith("@") else addr)
                now = lambda: time.clock_gettime_ns(time.CLOCK_MONOTONIC) // 1000
                print("bound", now(), flush=True)
                for _ in range(count):
                    data, anc, flags, _ = s.recvmsg(65536, socket.CMSG_SPACE(12))
                    t = now()
                    pid = 0
                    for level, kind, payload in anc:
                        if level == socket.SOL_SOCKET and kind == socket.SCM_CREDENTIALS:
                            pid = struct.unpack("iII", payload[:12])[0]
                    print("datagram", pid, t, data.hex(), flush=True)
                if not addr.startswith("@"):
                    os.unlink(addr)
                """;

        private final ChildProcess process;
        private final BufferedReader out;
        final long boundAtMicros;

        PythonReceiver(String address, int count) throws IOException {
            process = ChildProcesses.spawn(Command.of("python3", "-c", SCRIPT, address, String.valueOf(count))
                    .stdin(Stdio.ignore()).stderr(Stdio.inherit()));
            out = new BufferedReader(new InputStreamReader(process.stdout(), StandardCharsets.UTF_8));
            String[] bound = line("bound", 2);
            boundAtMicros = Long.parseLong(bound[1]);
        }

        Datagram next() throws IOException {
            String[] f = line("datagram", 4);
            return new Datagram(Long.parseLong(f[1]), Long.parseLong(f[2]),
                    new String(HexFormat.of().parseHex(f[3]), StandardCharsets.UTF_8));
        }

        private String[] line(String kind, int fields) throws IOException {
            String line = out.readLine();
            assertThat(line).as("python3's next line").isNotNull();
            String[] f = line.split(" ", -1);
            assertThat(f).as(line).hasSize(fields);
            assertThat(f[0]).isEqualTo(kind);
            return f;
        }

        @Override
        public void close() throws Exception {
            process.kill();
            process.waitFor();
        }
    }
}
