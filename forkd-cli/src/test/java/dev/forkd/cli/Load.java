package dev.forkd.cli;

import java.io.IOException;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Requests to a port, one connection each, from a few threads until stopped: what a reload or an update
 * must not disturb. Counts the requests served and the ones that failed, with the first few errors.
 */
final class Load implements AutoCloseable {
    private final AtomicBoolean running = new AtomicBoolean(true);
    private final AtomicInteger ok = new AtomicInteger();
    private final AtomicInteger failed = new AtomicInteger();
    private final List<String> errors = new CopyOnWriteArrayList<>();
    private final Thread[] threads;

    private Load(int port, int threads) {
        this.threads = new Thread[threads];
        for (int t = 0; t < threads; t++) {
            this.threads[t] = Thread.ofVirtual().start(() -> {
                while (running.get()) {
                    try {
                        ClusterModeTest.request(port);
                        ok.incrementAndGet();
                    } catch (IOException e) {
                        failed.incrementAndGet();
                        if (errors.size() < 5) errors.add(e.toString());
                    }
                }
            });
        }
    }

    static Load start(int port, int threads) {
        return new Load(port, threads);
    }

    int ok() {
        return ok.get();
    }

    int failed() {
        return failed.get();
    }

    /** For an assertion's description: the failures out of the total, and the first errors. */
    String describe() {
        return "failed requests of " + (ok.get() + failed.get()) + ": " + errors;
    }

    /** Stops the threads and waits for them. */
    @Override
    public void close() throws InterruptedException {
        running.set(false);
        for (Thread t : threads) t.join();
    }
}
