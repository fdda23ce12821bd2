package dev.forkd.ipc;

import static org.assertj.core.api.Assertions.assertThat;

import dev.forkd.ChildProcess;
import dev.forkd.ChildProcesses;
import dev.forkd.ExitStatus;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import tools.jackson.databind.JsonNode;

/**
 * Message listeners first run on forkd's event-loop thread (no hand-off); these show that a listener that
 * blocks there still stalls nothing else for long: the loop moves to another thread, and the listener keeps
 * its guarantees (one message at a time, in order).
 */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class ListenerThreadingTest {

    @Test
    void aBlockedListenerStallsNeitherOtherChannelsNorChildExits() throws Exception {
        ChildProcess a = ForkTest.forkChild("echo");
        ChildProcess b = ForkTest.forkChild("echo");
        try {
            CountDownLatch inside = new CountDownLatch(1);
            CountDownLatch release = new CountDownLatch(1);
            a.channel().orElseThrow().onMessage(m -> {
                inside.countDown();
                try {
                    release.await(60, TimeUnit.SECONDS); // would hold forkd's only loop thread without the hand-over
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            });
            BlockingQueue<JsonNode> fromB = ForkTest.inbox(b.channel().orElseThrow());
            a.channel().orElseThrow().send(Map.of("block", true));
            assertThat(inside.await(30, TimeUnit.SECONDS)).isTrue();

            // While a's listener blocks: b's messages arrive, and a child's exit and output are seen.
            b.channel().orElseThrow().send(Map.of("n", 1));
            JsonNode echo = fromB.poll(30, TimeUnit.SECONDS);
            assertThat(echo).as("b's reply while a's listener blocks").isNotNull();
            assertThat(echo.get("echo").get("n").asInt()).isEqualTo(1);
            assertThat(ChildProcesses.execFileSync("echo", "still pumping").stdoutText()).isEqualTo("still pumping\n");
            release.countDown();
        } finally {
            a.channel().orElseThrow().send(Map.of("exit", 0));
            b.channel().orElseThrow().send(Map.of("exit", 0));
        }
        assertThat(a.waitFor()).isEqualTo(new ExitStatus.Exited(0));
        assertThat(b.waitFor()).isEqualTo(new ExitStatus.Exited(0));
    }

    @Test
    void aListenerMayCallBlockingForkdApisThatNeedTheLoop() throws Exception {
        ChildProcess child = ForkTest.forkChild("echo");
        Channel ch = child.channel().orElseThrow();
        BlockingQueue<String> results = new LinkedBlockingQueue<>();
        ch.onMessage(m -> {
            // execFileSync waits for the loop to pump the pipes and reap the child: on the loop's own thread
            // that would never return unless the loop moves on.
            try {
                results.add(ChildProcesses.execFileSync("echo", m.body().get("echo").get("word").stringValue())
                        .stdoutText().trim());
            } catch (java.io.IOException | InterruptedException e) {
                results.add(e.toString());
            }
        });
        for (String w : List.of("one", "two", "three")) ch.send(Map.of("word", w));
        assertThat(List.of(results.poll(30, TimeUnit.SECONDS), results.poll(30, TimeUnit.SECONDS),
                results.poll(30, TimeUnit.SECONDS))).containsExactly("one", "two", "three");
        ch.send(Map.of("exit", 0));
        assertThat(child.waitFor()).isEqualTo(new ExitStatus.Exited(0));
    }

    @Test
    void messagesStayInOrderAndOneAtATimeAcrossAHandOver() throws Exception {
        ChildProcess child = ForkTest.forkChild("echo");
        Channel ch = child.channel().orElseThrow();
        int n = 20_000;
        List<Integer> got = Collections.synchronizedList(new ArrayList<>());
        AtomicInteger inside = new AtomicInteger();
        AtomicInteger overlaps = new AtomicInteger();
        CountDownLatch all = new CountDownLatch(1);
        ch.onMessage(m -> {
            if (inside.incrementAndGet() != 1) overlaps.incrementAndGet();
            int i = m.body().get("i").asInt();
            got.add(i);
            if (i % 5_000 == 10) {
                try {
                    Thread.sleep(100); // long enough for the watchdog to move the loop to a new thread
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            inside.decrementAndGet();
            if (got.size() == n) all.countDown();
        });
        ch.send(Map.of("flood", n));
        assertThat(all.await(60, TimeUnit.SECONDS)).as("got " + got.size()).isTrue();
        assertThat(overlaps.get()).isZero();
        for (int i = 0; i < n; i++) assertThat(got.get(i)).isEqualTo(i);
        ch.send(Map.of("exit", 0));
        assertThat(child.waitFor()).isEqualTo(new ExitStatus.Exited(0));
    }
}
