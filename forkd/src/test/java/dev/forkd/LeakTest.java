package dev.forkd;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** No zombies, no leaked fds, no thread per child. */
class LeakTest {

    @Test
    @Timeout(value = 300, unit = TimeUnit.SECONDS)
    void tenThousandSequentialSpawnsLeaveNoZombiesAndNoFds() throws Exception {
        // warm up so the loop thread, /dev/null fd and epoll set exist before we count
        ChildProcesses.spawn(Command.of("true").stdio(Stdio.ignore(), Stdio.ignore(), Stdio.ignore())).waitFor();
        ChildProcesses.spawn("true").onClose().get();
        int fdsBefore = Procs.settledFdCount(); // the warm-up child's stdin is closed by the loop after its reap
        for (int i = 0; i < 10_000; i++) {
            // What users write: no stdin().close(), no close(); forkd closes what the child no longer needs.
            ChildProcess p = i % 2 == 0
                    ? ChildProcesses.spawn(Command.of("true").stdio(Stdio.ignore(), Stdio.ignore(), Stdio.ignore()))
                    : ChildProcesses.spawn("true"); // with three pipes
            assertThat(p.waitFor().success()).isTrue();
            if (i % 4 == 1) p.onClose().get(10, TimeUnit.SECONDS);
        }
        // Reaping happens before waitFor returns; pipe closes are done by the loop, so give it a moment.
        for (int i = 0; i < 100 && Procs.openFdCount() != fdsBefore; i++) Thread.sleep(20);
        assertThat(Procs.zombieChildren()).isEmpty();
        assertThat(Procs.openFdCount()).isEqualTo(fdsBefore);
    }

    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void manyConcurrentChildrenWithPipesNeedNoThreadEach() throws Exception {
        ChildProcesses.spawn("true").onClose().get(); // the loop thread exists from here on
        int platformBefore = platformThreads();
        List<ChildProcess> children = new ArrayList<>();
        for (int i = 0; i < 300; i++) children.add(ChildProcesses.spawn("sleep", "1"));
        int platformDuring = platformThreads();
        List<CompletableFuture<ExitStatus>> closes = children.stream().map(ChildProcess::onClose).toList();
        CompletableFuture.allOf(closes.toArray(CompletableFuture[]::new)).get(60, TimeUnit.SECONDS);
        for (ChildProcess c : children) c.close();
        assertThat(platformDuring - platformBefore).as("platform threads added for 300 children").isLessThanOrEqualTo(4);
        assertThat(Procs.zombieChildren()).isEmpty();
    }

    private static int platformThreads() {
        // Lists live platform threads only (virtual threads are not included).
        return Thread.getAllStackTraces().size();
    }
}
