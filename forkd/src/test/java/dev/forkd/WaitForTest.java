package dev.forkd;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@code waitFor()} on a platform thread reaps the child on that thread (the pidfd is taken off the loop for
 * the wait, so one wake-up instead of two): every way a wait can end must leave the child reaped exactly once,
 * by someone, with its status, its 'exit' event and no fd behind.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class WaitForTest {

    private static ChildProcess sleeper() throws SpawnException {
        return ChildProcesses.spawn(Command.of("sleep", "30").stdio(Stdio.ignore(), Stdio.ignore(), Stdio.ignore()));
    }

    @Test
    void aWaitingCallerReapsWithTheStatusTheEventAndNoFdLeft() throws Exception {
        ChildProcesses.spawn("true").waitFor(); // the loop and its fds exist from here on
        int before = Procs.settledFdCount();
        for (int i = 0; i < 500; i++) {
            ChildProcess child = ChildProcesses.spawn(Command.of("sh", "-c", "exit " + (i % 7))
                    .stdio(Stdio.ignore(), Stdio.ignore(), Stdio.ignore()));
            ExitStatus st = child.waitFor();
            assertThat(st).isEqualTo(new ExitStatus.Exited(i % 7));
            assertThat(child.exitStatus()).contains(st); // set before waitFor returned
            assertThat(child.onExit().get(10, TimeUnit.SECONDS)).isEqualTo(st);
        }
        assertThat(Procs.openFdCount()).as("fds right after the last waitFor").isLessThanOrEqualTo(before);
        assertThat(Procs.zombieChildren()).isEmpty();
    }

    @Test
    void aSignalledChildIsReportedAsSuch() throws Exception {
        ChildProcess child = sleeper();
        Thread.ofPlatform().start(() -> {
            try {
                Thread.sleep(100);
            } catch (InterruptedException ignored) {
                // the kill below still runs
            }
            child.kill(Signal.SIGKILL);
        });
        assertThat(child.waitFor()).isEqualTo(new ExitStatus.Signaled(Signal.SIGKILL, false));
        assertThat(child.killed()).isTrue();
    }

    @Test
    void anInterruptedWaitThrowsAndLeavesTheChildToTheLoop() throws Exception {
        ChildProcess child = sleeper();
        AtomicReference<Throwable> thrown = new AtomicReference<>();
        CountDownLatch waiting = new CountDownLatch(1);
        Thread waiter = Thread.ofPlatform().start(() -> {
            waiting.countDown();
            try {
                child.waitFor();
            } catch (Throwable t) {
                thrown.set(t);
            }
        });
        waiting.await();
        Thread.sleep(200); // inside poll by now
        waiter.interrupt();
        waiter.join(5_000);
        assertThat(waiter.isAlive()).as("the interrupted waiter returned").isFalse();
        assertThat(thrown.get()).isInstanceOf(InterruptedException.class);
        assertThat(child.exitStatus()).isEmpty();
        // The loop has the child back: its exit is seen without anyone waiting.
        child.kill(Signal.SIGTERM);
        assertThat(child.onExit().get(10, TimeUnit.SECONDS)).isEqualTo(new ExitStatus.Signaled(Signal.SIGTERM, false));
        assertThat(Procs.zombieChildren()).isEmpty();
    }

    @Test
    void aThreadInterruptedBeforeItWaitsThrowsAtOnce() throws Exception {
        ChildProcess child = sleeper();
        try {
            Thread.currentThread().interrupt();
            assertThatThrownBy(child::waitFor).isInstanceOf(InterruptedException.class);
            assertThat(Thread.currentThread().isInterrupted()).as("status cleared, as InterruptedException means").isFalse();
        } finally {
            Thread.interrupted();
            child.kill(Signal.SIGKILL);
        }
        assertThat(child.waitFor()).isEqualTo(new ExitStatus.Signaled(Signal.SIGKILL, false));
    }

    @Test
    void aTimedOutWaitGivesTheChildBackAndALaterWaitStillReapsIt() throws Exception {
        ChildProcess child = sleeper();
        long t0 = System.nanoTime();
        assertThatThrownBy(() -> child.waitFor(Duration.ofMillis(200))).isInstanceOf(TimeoutException.class);
        assertThat(System.nanoTime() - t0).isGreaterThanOrEqualTo(TimeUnit.MILLISECONDS.toNanos(200));
        assertThatThrownBy(() -> child.waitFor(Duration.ZERO)).isInstanceOf(TimeoutException.class);
        CompletableFuture<ExitStatus> exit = child.onExit();
        child.kill(Signal.SIGKILL);
        assertThat(child.waitFor(Duration.ofSeconds(10))).isEqualTo(new ExitStatus.Signaled(Signal.SIGKILL, false));
        assertThat(exit.get(10, TimeUnit.SECONDS)).isEqualTo(new ExitStatus.Signaled(Signal.SIGKILL, false));
    }

    @Test
    void manyWaitersOnOneChildOnPlatformAndVirtualThreadsAllGetItsStatus() throws Exception {
        ChildProcess child = ChildProcesses.spawn(Command.of("sh", "-c", "sleep 0.3; exit 5")
                .stdio(Stdio.ignore(), Stdio.ignore(), Stdio.ignore()));
        List<CompletableFuture<ExitStatus>> results = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            CompletableFuture<ExitStatus> r = new CompletableFuture<>();
            Runnable wait = () -> {
                try {
                    r.complete(child.waitFor());
                } catch (Throwable t) {
                    r.completeExceptionally(t);
                }
            };
            if (i % 2 == 0) Thread.ofPlatform().start(wait);
            else Thread.ofVirtual().start(wait);
            results.add(r);
        }
        for (CompletableFuture<ExitStatus> r : results) {
            assertThat(r.get(10, TimeUnit.SECONDS)).isEqualTo(new ExitStatus.Exited(5));
        }
        assertThat(Procs.zombieChildren()).isEmpty();
    }
}
