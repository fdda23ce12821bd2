package dev.forkd.bench.ipc;

import dev.forkd.ipc.Channel;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import tools.jackson.databind.JsonNode;

/**
 * The child of {@link IpcBench}: the same protocol as {@code node/ipc-child.js}.
 *
 * <ul>
 *   <li>{@code {"op":"expect","n":N}}: count the next N data messages ({@code {"seq":i,"msg":"..."}}), then
 *       answer {@code {"op":"done","n":N}};</li>
 *   <li>{@code {"op":"emit","n":N,"size":S}}: send N data messages {@code {"seq":i,"msg":<S × "x">}};</li>
 *   <li>{@code {"ping":i}}: answer {@code {"pong":i}};</li>
 *   <li>{@code {"op":"exit"}}: exit.</li>
 * </ul>
 *
 * <p>With the argument {@code first}, it only opens the channel, sends one message with its own timestamps
 * ({@code System.nanoTime()} is {@code CLOCK_MONOTONIC}, comparable across processes on Linux) and exits.
 */
public final class IpcChild {
    private IpcChild() {}

    public static void main(String[] args) throws Exception {
        long tMain = System.nanoTime();
        Channel channel = Channel.parent().orElseThrow(() -> new IllegalStateException("no IPC channel"));
        long tOpen = System.nanoTime();
        if (args.length > 0 && args[0].equals("first")) {
            // The parent times until this message arrives, then reaps the child.
            channel.send(Map.of("hello", true, "tMain", tMain, "tOpen", tOpen)).join();
            System.exit(0);
        }
        CountDownLatch exit = new CountDownLatch(1);
        long[] expected = {0};
        long[] count = {0};
        channel.onMessage(m -> {
            JsonNode b = m.body();
            if (b.has("seq")) {
                if (++count[0] == expected[0]) channel.send(Map.of("op", "done", "n", expected[0]));
            } else if (b.has("ping")) {
                channel.send(Map.of("pong", b.get("ping").asLong()));
            } else {
                switch (b.path("op").asString("")) {
                    case "expect" -> {
                        expected[0] = b.get("n").asLong();
                        count[0] = 0;
                    }
                    case "emit" -> {
                        long n = b.get("n").asLong();
                        String msg = "x".repeat(b.get("size").asInt());
                        for (long i = 0; i < n; i++) channel.send(new Data(i, msg));
                    }
                    case "exit" -> exit.countDown();
                    default -> throw new IllegalArgumentException("unexpected message " + b);
                }
            }
        });
        channel.onDisconnect().thenRun(exit::countDown);
        exit.await();
        System.exit(0);
    }

    /** A data message: {@code {"seq":i,"msg":"..."}}. */
    public record Data(long seq, String msg) {}
}
