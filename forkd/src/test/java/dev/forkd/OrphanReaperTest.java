package dev.forkd;

import static org.assertj.core.api.Assertions.assertThat;

import dev.forkd.fixture.OrphanParent;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** ChildProcesses.reapOrphans: a subreaper JVM reaps the orphans it inherits (in a JVM of its own). */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class OrphanReaperTest {
    private static Output runParent(String... args) throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        String[] argv = new String[5 + args.length];
        argv[0] = "--enable-native-access=ALL-UNNAMED";
        argv[1] = "-cp";
        argv[2] = System.getProperty("java.class.path");
        argv[3] = "-Xshare:auto";
        argv[4] = OrphanParent.class.getName();
        System.arraycopy(args, 0, argv, 5, args.length);
        return ChildProcesses.execFileSync(Command.of(java, argv), ExecOptions.defaults());
    }

    @Test
    void anAdoptedOrphanIsReapedWhenItExits() throws Exception {
        assertThat(runParent().stdoutText()).isEqualTo("adopted: true, zombies: 0\n");
    }

    @Test
    void withoutTheReaperTheAdoptedOrphanStaysAZombie() throws Exception {
        // The same subreaper without forkd's reaping: shows that the test above can fail.
        assertThat(runParent("--no-reaper").stdoutText()).isEqualTo("adopted: true, zombies: 1\n");
    }
}
