package dev.forkd.internal.io;

import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Runs tasks one at a time, in submission order, on a virtual thread that exists only while there is work.
 * For event streams whose order users rely on (a cluster's events).
 */
public final class SerialExecutor implements Executor {
    private static final System.Logger LOG = LazyLogger.of("dev.forkd");
    private final ConcurrentLinkedQueue<Runnable> queue = new ConcurrentLinkedQueue<>();
    private final AtomicBoolean running = new AtomicBoolean();
    private final String name;

    public SerialExecutor(String name) {
        this.name = name;
    }

    @Override
    public void execute(Runnable task) {
        queue.add(task);
        if (running.compareAndSet(false, true)) Thread.ofVirtual().name(name).start(this::drain);
    }

    /**
     * Waits until every task submitted so far has run, at most {@code millis}; true if they have. For a
     * shutdown that must not leave events behind (virtual threads do not keep the JVM alive).
     */
    public boolean awaitIdle(long millis) {
        java.util.concurrent.CountDownLatch done = new java.util.concurrent.CountDownLatch(1);
        execute(done::countDown);
        try {
            return done.await(millis, java.util.concurrent.TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    private void drain() {
        while (true) {
            Runnable r;
            while ((r = queue.poll()) != null) {
                try {
                    r.run();
                } catch (Throwable t) {
                    LOG.log(System.Logger.Level.ERROR, name + " task failed", t);
                }
            }
            running.set(false);
            if (queue.isEmpty() || !running.compareAndSet(false, true)) return;
        }
    }
}
