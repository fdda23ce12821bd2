package dev.forkd.examples.ipc;

import dev.forkd.ChildProcess;
import dev.forkd.ChildProcesses;
import dev.forkd.ExitStatus;
import dev.forkd.examples.NodeStyle;
import dev.forkd.ipc.Channel;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Mirrors the article's {@code fork} example: a parent and a forked child that talk with messages.
 *
 * <pre>{@code
 * // parent.js
 * const forked = fork('child.js');
 * forked.on('message', (msg) => {
 *   console.log('Message from child', msg);
 * });
 * forked.send({ hello: 'world' });
 *
 * // child.js
 * process.on('message', (msg) => {
 *   console.log('Message from parent:', msg);
 * });
 * let counter = 0;
 * setInterval(() => {
 *   process.send({ counter: counter++ });
 * }, 1000);
 * }</pre>
 *
 * <p>{@code child.js} is {@link Child}, a JVM of its own on the same class path. The article's pair runs
 * forever; this parent stops after {@value #COUNTERS} counters by disconnecting, which is how the child learns
 * to stop ({@code process.on('disconnect')}), and then reports the child's exit. The child counts every
 * {@value Child#INTERVAL_MILLIS} ms instead of every second, so that the example ends soon.
 */
public final class ForkMessages {
    static final int COUNTERS = 3;

    private ForkMessages() {}

    public static void main(String[] args) throws Exception {
        try (ChildProcess forked = ChildProcesses.fork(Child.class.getName())) {
            Channel channel = forked.channel().orElseThrow();
            System.out.println("forked child " + forked.pid());
            CountDownLatch counters = new CountDownLatch(COUNTERS);
            channel.onMessage(msg -> {
                if (counters.getCount() == 0) return; // one more may arrive before the child sees disconnect
                System.out.println("Message from child " + msg.body());
                counters.countDown();
            });
            channel.send(Map.of("hello", "world"));

            if (!counters.await(30, TimeUnit.SECONDS)) throw new TimeoutException("the child stopped counting");
            channel.disconnect();
            ExitStatus status = forked.waitFor();
            System.out.println("child process exited with " + NodeStyle.codeAndSignal(status));
        }
    }

    /** {@code child.js}: prints what the parent sends and sends a counter on a timer, until disconnected. */
    public static final class Child {
        static final long INTERVAL_MILLIS = 200;

        private Child() {}

        public static void main(String[] args) throws Exception {
            Channel parent = Sockets.parentChannel(Child.class);
            parent.onMessage(msg -> System.out.println("Message from parent: " + msg.body()));

            AtomicInteger counter = new AtomicInteger();
            ScheduledExecutorService interval = Executors.newSingleThreadScheduledExecutor();
            interval.scheduleAtFixedRate(() -> parent.send(Map.of("counter", counter.getAndIncrement())),
                    INTERVAL_MILLIS, INTERVAL_MILLIS, TimeUnit.MILLISECONDS);

            parent.onDisconnect().join();
            interval.shutdownNow();
        }
    }
}
