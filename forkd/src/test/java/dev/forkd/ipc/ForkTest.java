package dev.forkd.ipc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.forkd.ChildProcess;
import dev.forkd.ChildProcesses;
import dev.forkd.Command;
import dev.forkd.ExitStatus;
import dev.forkd.ForkOptions;
import dev.forkd.SpawnException;
import dev.forkd.Stdio;
import dev.forkd.fixture.IpcChild;
import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ForkTest {

    static ChildProcess forkChild(String... args) throws Exception {
        return ChildProcesses.fork(ForkOptions.of(IpcChild.class.getName(), args));
    }

    static BlockingQueue<JsonNode> inbox(Channel ch) {
        BlockingQueue<JsonNode> q = new LinkedBlockingQueue<>();
        ch.onMessage(m -> q.add(m.body()));
        return q;
    }

    @Test
    void messagesGoBothWays() throws Exception {
        ChildProcess child = forkChild("echo");
        Channel ch = child.channel().orElseThrow();
        BlockingQueue<JsonNode> in = inbox(ch);
        String text = "héllo wörld \u2028 line\u2029sep 😀 \"quoted\" \\ \n newline";
        ch.send(Map.of("text", text)).get(10, TimeUnit.SECONDS);
        JsonNode reply = in.poll(30, TimeUnit.SECONDS);
        assertThat(reply).isNotNull();
        assertThat(reply.get("echo").get("text").stringValue()).isEqualTo(text);
        ch.send(42);
        ch.send("a string");
        ch.send(List.of(1, 2, 3));
        assertThat(in.poll(10, TimeUnit.SECONDS).get("echo").asInt()).isEqualTo(42);
        assertThat(in.poll(10, TimeUnit.SECONDS).get("echo").stringValue()).isEqualTo("a string");
        assertThat(in.poll(10, TimeUnit.SECONDS).get("echo").size()).isEqualTo(3);
        ch.send(Map.of("exit", 3));
        assertThat(child.waitFor()).isEqualTo(new ExitStatus.Exited(3));
        assertThat(child.onClose().get(10, TimeUnit.SECONDS)).isEqualTo(new ExitStatus.Exited(3));
        assertThat(ch.isConnected()).isFalse();
    }

    @Test
    void sendsQueuedWhenTheChildCallsExitAreStillWritten() throws Exception {
        // The child floods without waiting for a single future and calls System.exit at once: its sends are
        // coalesced and not yet written, and forkd's exit hook has to write them out.
        int n = 20_000;
        ChildProcess child = forkChild("flood-exit", String.valueOf(n));
        List<Integer> got = Collections.synchronizedList(new ArrayList<>());
        child.channel().orElseThrow().onMessage(m -> got.add(m.body().get("i").asInt()));
        assertThat(child.onExit().get(30, TimeUnit.SECONDS).success()).isTrue();
        assertThat(got).hasSize(n);
        for (int i = 0; i < n; i++) assertThat(got.get(i)).isEqualTo(i);
    }

    @Test
    void aOneMebibyteMessageRoundTrips() throws Exception {
        ChildProcess child = forkChild("echo");
        Channel ch = child.channel().orElseThrow();
        BlockingQueue<JsonNode> in = inbox(ch);
        String big = "x".repeat(1 << 20);
        ch.send(Map.of("big", big));
        assertThat(in.poll(30, TimeUnit.SECONDS).get("echo").get("big").stringValue()).isEqualTo(big);
        ch.disconnect();
        assertThat(child.waitFor().success()).isTrue();
    }

    @Test
    void oneHundredThousandMessagesArriveInOrderBothWays() throws Exception {
        ChildProcess child = forkChild("echo");
        Channel ch = child.channel().orElseThrow();
        List<Integer> got = Collections.synchronizedList(new ArrayList<>());
        var latch = new java.util.concurrent.CountDownLatch(100_000);
        ch.onMessage(m -> {
            got.add(m.body().get("i").asInt());
            latch.countDown();
        });
        ch.send(Map.of("flood", 100_000));
        assertThat(latch.await(50, TimeUnit.SECONDS)).isTrue();
        for (int i = 0; i < 100_000; i++) {
            if (got.get(i) != i) throw new AssertionError("message " + i + " arrived as " + got.get(i));
        }
        ch.disconnect();
        assertThat(child.waitFor().success()).isTrue();
    }

    @Test
    void concurrentSendersEachKeepTheirOrderAndEverySendCompletes() throws Exception {
        // Several threads share the batches of one channel: every message arrives once, in its sender's order,
        // and every future completes; mixed sizes put some messages in batches and some on their own.
        ChildProcess child = forkChild("echo");
        Channel ch = child.channel().orElseThrow();
        int threads = 4;
        int each = 20_000;
        Map<Integer, List<Integer>> got = new java.util.concurrent.ConcurrentHashMap<>();
        var latch = new java.util.concurrent.CountDownLatch(threads * each);
        ch.onMessage(m -> {
            JsonNode e = m.body().get("echo");
            got.computeIfAbsent(e.get("t").asInt(), k -> Collections.synchronizedList(new ArrayList<>()))
                    .add(e.get("i").asInt());
            latch.countDown();
        });
        String big = "b".repeat(5_000); // above the batch limit for one message
        List<java.util.concurrent.CompletableFuture<Void>> last = Collections.synchronizedList(new ArrayList<>());
        List<Thread> senders = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            int tt = t;
            senders.add(Thread.ofPlatform().start(() -> {
                java.util.concurrent.CompletableFuture<Void> f = null;
                for (int i = 0; i < each; i++) {
                    f = ch.send(i % 1000 == 7 ? Map.of("t", tt, "i", i, "pad", big) : Map.of("t", tt, "i", i));
                }
                last.add(f);
            }));
        }
        for (Thread s : senders) s.join();
        for (var f : last) f.get(30, TimeUnit.SECONDS);
        assertThat(latch.await(50, TimeUnit.SECONDS)).isTrue();
        for (int t = 0; t < threads; t++) {
            List<Integer> seq = got.get(t);
            assertThat(seq).hasSize(each);
            for (int i = 0; i < each; i++) {
                if (seq.get(i) != i) throw new AssertionError("sender " + t + ": message " + i + " arrived as " + seq.get(i));
            }
        }
        ch.disconnect();
        assertThat(child.waitFor().success()).isTrue();
    }

    @Test
    void parentToChildFloodKeepsOrder() throws Exception {
        ChildProcess child = forkChild("echo");
        Channel ch = child.channel().orElseThrow();
        List<Integer> got = Collections.synchronizedList(new ArrayList<>());
        var latch = new java.util.concurrent.CountDownLatch(100_000);
        ch.onMessage(m -> {
            got.add(m.body().get("echo").asInt());
            latch.countDown();
        });
        for (int i = 0; i < 100_000; i++) ch.send(i);
        assertThat(latch.await(50, TimeUnit.SECONDS)).isTrue();
        for (int i = 0; i < 100_000; i++) {
            if (got.get(i) != i) throw new AssertionError("echo " + i + " arrived as " + got.get(i));
        }
        ch.disconnect();
        child.waitFor();
    }

    @Test
    void childDisconnectIsSeenByTheParent() throws Exception {
        ChildProcess child = forkChild("echo");
        Channel ch = child.channel().orElseThrow();
        ch.send(Map.of("disconnect", true));
        ch.onDisconnect().get(20, TimeUnit.SECONDS);
        assertThat(ch.isConnected()).isFalse();
        assertThat(child.waitFor().success()).isTrue(); // the child's main ends once disconnected
    }

    @Test
    void lastMessagesArriveBeforeExit() throws Exception {
        ChildProcess child = forkChild("last-words");
        Channel ch = child.channel().orElseThrow();
        List<String> got = Collections.synchronizedList(new ArrayList<>());
        ch.onMessage(m -> got.add(m.body().toString()));
        child.onExit().get(30, TimeUnit.SECONDS);
        assertThat(got).containsExactly("{\"last\":0}", "{\"last\":1}", "{\"last\":2}", "\"bye\"");
    }

    @Test
    void messagesSentBeforeAListenerExistsAreKept() throws Exception {
        ChildProcess child = forkChild("last-words");
        child.onClose().get(30, TimeUnit.SECONDS);
        BlockingQueue<JsonNode> in = inbox(child.channel().orElseThrow());
        assertThat(in.poll(5, TimeUnit.SECONDS).get("last").asInt()).isZero();
    }

    @Test
    void theChildsOwnChildrenDoNotInheritTheChannel() throws Exception {
        ChildProcess child = forkChild("env");
        BlockingQueue<JsonNode> in = inbox(child.channel().orElseThrow());
        JsonNode m = in.poll(30, TimeUnit.SECONDS);
        assertThat(m.get("fd").stringValue()).isEqualTo("3");
        assertThat(m.get("grandchild").stringValue()).isEqualTo("unset");
    }

    @Test
    void sendingAfterDisconnectFails() throws Exception {
        ChildProcess child = forkChild("echo");
        Channel ch = child.channel().orElseThrow();
        ch.disconnect();
        assertThat(ch.isConnected()).isFalse();
        assertThat(ch.send("late")).failsWithin(5, TimeUnit.SECONDS)
                .withThrowableThat().withCauseInstanceOf(ChannelClosedException.class);
        assertThat(child.waitFor().success()).isTrue();
    }

    @Test
    void messagesSentWhileTheChildsChannelAttachesKeepTheirOrder() throws Exception {
        // The first sends go out before forkd's event loop runs in the child; the rest race the switch to it.
        ChildProcess child = forkChild("stream", "20000");
        Channel ch = child.channel().orElseThrow();
        BlockingQueue<JsonNode> in = inbox(ch);
        for (int i = 0; i < 20_000; i++) {
            JsonNode m = in.poll(30, TimeUnit.SECONDS);
            assertThat(m).isNotNull();
            assertThat(m.get("i").asInt()).isEqualTo(i);
        }
        ch.send("after");
        assertThat(in.poll(30, TimeUnit.SECONDS).get("echo").stringValue()).isEqualTo("after");
        ch.send(Map.of("exit", 0));
        assertThat(child.waitFor().success()).isTrue();
    }

    @Test
    void aChildWithoutTheAddOpensFlagStillHasAWorkingChannel() throws Exception {
        // No --add-opens java.base/sun.nio.ch: no early path, the channel attaches at once.
        String java = ProcessHandle.current().info().command().orElseThrow();
        ChildProcess child = ChildProcesses.spawn(Command.of(java, "--enable-native-access=ALL-UNNAMED",
                        "-cp", System.getProperty("java.class.path"), IpcChild.class.getName(), "stream", "3")
                .stdio(Stdio.inherit(), Stdio.inherit(), Stdio.inherit(), Stdio.ipc()));
        Channel ch = child.channel().orElseThrow();
        BlockingQueue<JsonNode> in = inbox(ch);
        for (int i = 0; i < 3; i++) assertThat(in.poll(30, TimeUnit.SECONDS).get("i").asInt()).isEqualTo(i);
        ch.send("ping");
        assertThat(in.poll(30, TimeUnit.SECONDS).get("echo").stringValue()).isEqualTo("ping");
        ch.send(Map.of("exit", 0));
        assertThat(child.waitFor().success()).isTrue();
    }

    @Test
    void onlyOneChildAtATimeTrainsAnAotCacheFile(@TempDir Path dir) throws Exception {
        Path cache = dir.resolve("child.aot");
        // silent: the trainer reports at exit that a class path with directories cannot be cached
        ForkOptions options = ForkOptions.of(IpcChild.class.getName(), "echo").aotCache(cache).silent(true);
        ChildProcess trainer = ChildProcesses.fork(options);
        ChildProcess other = ChildProcesses.fork(options);
        try {
            assertThat(cmdline(trainer)).contains("-XX:AOTCacheOutput=" + cache, "-Xlog:aot=error");
            assertThat(cmdline(other)).noneMatch(a -> a.startsWith("-XX:AOTCache"));
        } finally {
            for (ChildProcess c : List.of(trainer, other)) {
                c.channel().orElseThrow().send(Map.of("exit", 0));
                c.waitFor();
            }
        }
        Files.write(cache, new byte[] {1}); // as if the trainer had written it
        assertThat(options.toCommand().args()).contains("-XX:AOTCache=" + cache);
    }

    @Test
    void aForkThatCannotStartLeavesTheAotCacheToTheNextChild(@TempDir Path dir) throws Exception {
        Path cache = dir.resolve("child.aot");
        ForkOptions options = ForkOptions.of(IpcChild.class.getName(), "echo").aotCache(cache).silent(true);
        assertThatThrownBy(() -> ChildProcesses.fork(options.java(dir.resolve("no-such-java"))))
                .isInstanceOf(SpawnException.class);
        ChildProcess trainer = ChildProcesses.fork(options);
        try {
            assertThat(cmdline(trainer)).contains("-XX:AOTCacheOutput=" + cache);
        } finally {
            trainer.channel().orElseThrow().send(Map.of("exit", 0));
            trainer.waitFor();
        }
    }

    /**
     * The child's argv. posix_spawn returns once the child's exec has let go of the parent's memory, a moment
     * before the kernel sets up the new argv, which /proc then shows as empty: wait for it.
     */
    private static List<String> cmdline(ChildProcess c) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        byte[] raw;
        while ((raw = Files.readAllBytes(Path.of("/proc/" + c.pid() + "/cmdline"))).length == 0
                && System.nanoTime() < deadline) {
            Thread.sleep(5);
        }
        return List.of(new String(raw, java.nio.charset.StandardCharsets.UTF_8).split("\0"));
    }

    @Test
    void aChildWithACwdOfItsOwnFindsItsClassesOnARelativeClassPath(@TempDir Path elsewhere) throws Exception {
        // java -jar app.jar, or -cp target/classes: this JVM's class path is relative to its own cwd.
        Path here = Path.of("").toAbsolutePath();
        String relative = String.join(File.pathSeparator, Arrays.stream(
                System.getProperty("java.class.path").split(File.pathSeparator))
                .map(e -> here.relativize(Path.of(e).toAbsolutePath()).toString()).toList());
        assertThat(relative).doesNotStartWith("/");
        ChildProcess child = ChildProcesses.fork(ForkOptions.of(IpcChild.class.getName(), "no-channel")
                .classPath(relative).cwd(elsewhere).silent(true));
        String out = new String(child.stdout().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(child.waitFor()).isEqualTo(new ExitStatus.Exited(0));
        assertThat(out).isEqualTo("channel present: true\n");
    }
}
