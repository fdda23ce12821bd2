package dev.forkd.internal.io;

import static org.assertj.core.api.Assertions.assertThat;

import dev.forkd.internal.posix.LibC;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The loop's inline tasks and its watchdog: whatever the timing of a hand-over, only one thread at a time
 * acts as the loop (handlers never overlap), and every inline task runs exactly once.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class EventLoopInlineTest {

    @Test
    void handlersNeverOverlapWhileInlineTasksEndAroundTheWatchdogsDeadline() throws Exception {
        EventLoop loop = EventLoop.get();
        int efd = LibC.eventfd(0, LibC.EFD_CLOEXEC | LibC.EFD_NONBLOCK);
        assertThat(efd).isNotNegative();
        MemorySegment one = Arena.global().allocate(8, 8);
        one.set(ValueLayout.JAVA_LONG, 0, 1L);
        AtomicInteger inHandler = new AtomicInteger();
        AtomicInteger overlaps = new AtomicInteger();
        AtomicInteger handled = new AtomicInteger();
        AtomicInteger inlineRuns = new AtomicInteger();
        java.util.Set<Thread> loopThreads = java.util.concurrent.ConcurrentHashMap.newKeySet();
        int tasks = 60;
        CountDownLatch allRan = new CountDownLatch(tasks);
        AtomicInteger queued = new AtomicInteger();
        MemorySegment buf = Arena.global().allocate(8, 8);
        long token = loop.newToken();
        // Level-triggered and never drained: every loop turn (on any loop thread) sees it, so two loop threads
        // at once would both run the handler.
        loop.register(efd, LibC.EPOLLIN, token, events -> {
            if (inHandler.incrementAndGet() != 1) overlaps.incrementAndGet();
            loopThreads.add(Thread.currentThread());
            long slow = System.nanoTime() + 300_000; // a handler that takes a while: overlaps would show
            while (System.nanoTime() < slow) Thread.onSpinWait();
            handled.incrementAndGet();
            int n = queued.getAndIncrement();
            if (n < tasks) {
                // Blocks (parked) for 8-16 ms: some end before the watchdog's 10 ms + tick, some just after it
                // decided to hand the loop over.
                long block = 8_000_000L + (n % 9) * 1_000_000L;
                loop.runInline(new EventLoop.InlineTask() {
                    @Override
                    public void run() {
                        long end = System.nanoTime() + block;
                        for (long left; (left = end - System.nanoTime()) > 0; ) LockSupport.parkNanos(left);
                        inlineRuns.incrementAndGet();
                        allRan.countDown();
                    }

                    @Override
                    public void stalled() {}
                });
            } else if (n == tasks) {
                LibC.read(efd, buf, 8); // done: stop the flood of readiness
            }
            inHandler.decrementAndGet();
        });
        // Widen the moment between the watchdog's decision and the new loop thread, when a task that ends
        // just then must not let its thread carry on as the loop.
        InlineWatchdog.beforeHandOver = () -> {
            try {
                Thread.sleep(5);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        };
        try {
            LibC.write(efd, one, 8);
            assertThat(allRan.await(60, TimeUnit.SECONDS)).as("inline tasks run: " + inlineRuns.get()).isTrue();
        } finally {
            InlineWatchdog.beforeHandOver = null;
        }
        Thread.sleep(200); // a duplicate run, if any, would show up by now
        CountDownLatch closed = new CountDownLatch(1);
        loop.execute(() -> {
            loop.unregister(efd, token);
            LibC.close(efd);
            closed.countDown();
        });
        assertThat(closed.await(10, TimeUnit.SECONDS)).isTrue();
        assertThat(overlaps.get()).as("handler runs that overlapped, of " + handled.get()).isZero();
        assertThat(inlineRuns.get()).isEqualTo(tasks);
        assertThat(loopThreads).as("the loop was handed over at least once").hasSizeGreaterThan(1);
    }

    @Test
    void anInlineTaskQueuedWhileTheWatchdogHandsTheLoopOverStillRuns() throws Exception {
        EventLoop loop = EventLoop.get();
        CountDownLatch mayQueue = new CountDownLatch(1);
        CountDownLatch queued = new CountDownLatch(1);
        CountDownLatch secondRan = new CountDownLatch(1);
        EventLoop.InlineTask second = new EventLoop.InlineTask() {
            @Override
            public void run() {
                secondRan.countDown();
            }

            @Override
            public void stalled() {}
        };
        EventLoop.InlineTask first = new EventLoop.InlineTask() {
            @Override
            public void run() {
                try {
                    // Blocked until the watchdog has decided to hand the loop over; then it queues the next
                    // task once the new loop thread runs and is idle: the worst moment, when nothing but this
                    // thread would ever look at the task.
                    mayQueue.await();
                    while (loop.inLoop()) Thread.onSpinWait();
                    Thread.sleep(50);
                    loop.runInline(second);
                    queued.countDown();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }

            @Override
            public void stalled() {}
        };
        InlineWatchdog.beforeHandOver = mayQueue::countDown;
        try {
            loop.execute(() -> loop.runInline(first)); // a task on the loop thread queues the inline task
            assertThat(queued.await(30, TimeUnit.SECONDS)).as("the watchdog handed the loop over").isTrue();
            assertThat(secondRan.await(10, TimeUnit.SECONDS)).as("the task queued during the hand-over ran").isTrue();
        } finally {
            InlineWatchdog.beforeHandOver = null;
        }
    }
}
