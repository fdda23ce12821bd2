package dev.forkd.ipc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.forkd.ChildProcess;
import dev.forkd.ChildProcesses;
import dev.forkd.Command;
import dev.forkd.ForkOptions;
import dev.forkd.Stdio;
import dev.forkd.fixture.IpcChild;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import tools.jackson.databind.JsonNode;

/** The message size limit between real processes: one setting, the same on both ends of the channel. */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class MessageSizeTest {
    private static final long LIMIT = 100_000;

    private static JsonNode next(BlockingQueue<JsonNode> in) throws Exception {
        return in.poll(1, TimeUnit.DAYS);
    }

    private static Throwable failureOf(java.util.concurrent.CompletableFuture<Void> f) throws Exception {
        try {
            f.get(1, TimeUnit.DAYS);
            throw new AssertionError("the send succeeded");
        } catch (ExecutionException e) {
            return e.getCause();
        }
    }

    @Test
    void aForkedChildGetsTheParentsLimitAndEachSideRefusesToSendMore() throws Exception {
        ChildProcess child = ChildProcesses.fork(ForkOptions.of(IpcChild.class.getName(), "echo")
                .maxMessageBytes(LIMIT));
        Channel ch = child.channel().orElseThrow();
        BlockingQueue<JsonNode> in = ForkTest.inbox(ch);
        assertThat(ch.maxMessageBytes()).isEqualTo(LIMIT);
        ch.send(Map.of("limit", true));
        assertThat(next(in).get("limit").asLong()).isEqualTo(LIMIT);

        assertThat(failureOf(ch.send(Map.of("big", "x".repeat((int) LIMIT)))))
                .isInstanceOf(MessageTooLargeException.class).hasMessageContaining("limit of " + LIMIT);
        ch.send(Map.of("sendBig", (int) LIMIT));
        assertThat(next(in).get("failed").stringValue())
                .startsWith("MessageTooLargeException").contains("limit of " + LIMIT);
        ch.send(Map.of("sendBig", 1000));
        assertThat(next(in).get("big").stringValue()).hasSize(1000);
        assertThat(next(in).get("sent").asInt()).isEqualTo(1000);

        ch.send(Map.of("exit", 0));
        assertThat(child.waitFor().success()).isTrue();
    }

    @Test
    void theChildsOwnSystemPropertyWinsOverTheLimitItsParentPasses() throws Exception {
        ChildProcess child = ChildProcesses.fork(ForkOptions.of(IpcChild.class.getName(), "echo")
                .maxMessageBytes(LIMIT).execArgv("-Dforkd.ipc.maxMessageBytes=5000"));
        Channel ch = child.channel().orElseThrow();
        BlockingQueue<JsonNode> in = ForkTest.inbox(ch);
        ch.send(Map.of("limit", true));
        assertThat(next(in).get("limit").asLong()).isEqualTo(5000);
        ch.send(Map.of("exit", 0));
        assertThat(child.waitFor().success()).isTrue();
    }

    @Test
    void theLimitReachesTheChildOnlyWhenItIsNotTheDefaultAndNeverItsOwnChildren() throws Exception {
        for (boolean set : new boolean[] {true, false}) {
            ForkOptions fork = ForkOptions.of(IpcChild.class.getName(), "env");
            ChildProcess child = ChildProcesses.fork(set ? fork.maxMessageBytes(LIMIT) : fork);
            JsonNode m = next(ForkTest.inbox(child.channel().orElseThrow()));
            assertThat(m.get("limitVariable").stringValue()).isEqualTo(set ? Long.toString(LIMIT) : "null");
            assertThat(m.get("grandchildLimit").stringValue()).isEqualTo("unset");
            assertThat(child.waitFor().success()).isTrue();
        }
    }

    @Test
    void aMessageFarOverTheOld64MibLimitCrossesBothWaysByDefault() throws Exception {
        int size = (64 << 20) + 4096;
        ChildProcess child = ChildProcesses.fork(ForkOptions.of(IpcChild.class.getName(), "echo"));
        Channel ch = child.channel().orElseThrow();
        BlockingQueue<JsonNode> in = ForkTest.inbox(ch);
        ch.send(Map.of("measure", "m".repeat(size))).get(1, TimeUnit.DAYS);
        assertThat(next(in).get("length").asInt()).isEqualTo(size);
        ch.send(Map.of("sendBig", size));
        assertThat(next(in).get("big").stringValue()).hasSize(size);
        assertThat(next(in).get("sent").asInt()).isEqualTo(size);
        ch.send(Map.of("exit", 0));
        assertThat(child.waitFor().success()).isTrue();
    }

    @Test
    void stdioIpcWithALimitPassesItToAnyChild() throws Exception {
        ChildProcess child = ChildProcesses.spawn(Command.of("sh", "-c", "echo \"$FORKD_IPC_MAX_MESSAGE_BYTES\"")
                .stdio(Stdio.ignore(), Stdio.pipe(), Stdio.inherit(), Stdio.ipc(12_345)));
        assertThat(child.channel().orElseThrow().maxMessageBytes()).isEqualTo(12_345);
        try (InputStream out = child.stdout()) {
            assertThat(new String(out.readAllBytes(), StandardCharsets.UTF_8).trim()).isEqualTo("12345");
        }
        assertThat(child.waitFor().success()).isTrue();
    }

    @Test
    void aNodeChildThatSendsMoreThanTheLimitLosesThatMessageOnlyAndTheChannelGoesOn() throws Exception {
        boolean node;
        try {
            node = ChildProcesses.execFileSync("node", "--version").status().success();
        } catch (Exception e) {
            node = false;
        }
        assumeTrue(node, "node is not installed: Node interop skipped");
        ChildProcess child = ChildProcesses.spawn(Command.of("node", InteropTest.script("node-echo-child.js").toString())
                .stdio(Stdio.inherit(), Stdio.inherit(), Stdio.inherit(), Stdio.ipc(1000)));
        Channel ch = child.channel().orElseThrow();
        BlockingQueue<JsonNode> in = ForkTest.inbox(ch);
        // Node has no limit: its echo of this (990 bytes) is over ours, and is skipped when it arrives.
        ch.send(Map.of("text", "t".repeat(978))).get(1, TimeUnit.DAYS);
        ch.send(Map.of("text", "short"));
        assertThat(next(in).get("echo").get("text").stringValue()).isEqualTo("short");
        ch.send(Map.of("exit", 0));
        assertThat(child.waitFor().success()).isTrue();
    }
}
