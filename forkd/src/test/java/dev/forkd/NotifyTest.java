package dev.forkd;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.forkd.fixture.NotifyChild;
import dev.forkd.internal.io.Fd;
import dev.forkd.internal.notify.NotifySender;
import dev.forkd.internal.notify.WatchdogSettings;
import dev.forkd.internal.posix.Posix;
import dev.forkd.internal.posix.PosixException;
import dev.forkd.internal.posix.UnixAddress;
import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HexFormat;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * sd_notify's sending side, with real processes: forked JVMs using {@link Notify}, and a {@code python3}
 * socket as an independent receiver.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class NotifyTest {
    private static final long SELF = ProcessHandle.current().pid();


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
        assertThatThrownBy(() -> send("@forkd-nobody-" + SELF + "-" + System.nanoTime(), "READY=1"))
                .hasMessageContaining("ECONNREFUSED");
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

    // ---- helpers ----

    /** One datagram from this JVM, through the same path Notify.send takes once it has read NOTIFY_SOCKET. */
    private static void send(String address, String text) throws IOException {
        NotifySender.send(UnixAddress.parse(address), text.getBytes(StandardCharsets.UTF_8), address);
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
