package dev.forkd.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.forkd.ChildProcesses;
import dev.forkd.Command;
import dev.forkd.Output;
import dev.forkd.cli.daemon.Launch;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** What a person reads: {@code forkd ls} and {@code forkd logs --follow} in a real terminal (tmux), 80 columns. */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class TerminalTest {
    @TempDir
    Path tmp;
    Cli cli;
    String session;

    @BeforeEach
    void setUp() {
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/tmux")), "tmux is not installed: skipped");
        cli = new Cli(tmp.resolve("home"));
        session = "forkd-test-" + ProcessHandle.current().pid() + "-" + System.nanoTime();
    }

    @AfterEach
    void tearDown() throws Exception {
        if (cli == null) return;
        tmux("kill-session", "-t", session);
        cli.cleanUp();
    }

    private static Output tmux(String... args) throws Exception {
        String[] all = new String[args.length + 2];
        all[0] = "-L";
        all[1] = "forkd-tests"; // a server of our own, not the user's
        System.arraycopy(args, 0, all, 2, args.length);
        return ChildProcesses.spawnSync(Command.of("tmux", all));
    }

    /** A short shell command line that runs forkd with this test's home (a script: the class path is long). */
    private String forkd(String args) throws Exception {
        Path script = tmp.resolve("forkd");
        if (!Files.exists(script)) {
            StringBuilder sb = new StringBuilder("#!/bin/sh\nFORKD_HOME='" + cli.home + "' exec");
            for (String a : Launch.javaCommand()) sb.append(" '").append(a).append('\'');
            Files.writeString(script, sb.append(" \"$@\"\n").toString());
        }
        return "sh " + script + " " + args;
    }

    private String screen() throws Exception {
        return tmux("capture-pane", "-p", "-t", session).stdoutText();
    }

    private String awaitScreen(Predicate<String> done) throws Exception {
        String s = "";
        for (int n = 0; n < 300; n++) {
            s = screen();
            if (done.test(s)) return s;
            Thread.sleep(100);
        }
        return s;
    }

    @Test
    void lsFitsAnEightyColumnTerminal() throws Exception {
        cli.run("start", "--name", "a-rather-long-application-name", "-i", "2", "--", "sleep", "1000");
        tmux("new-session", "-d", "-s", session, "-x", "80", "-y", "24");
        // The marker is printed as END but typed otherwise, so the echo of the typed line cannot match it.
        tmux("send-keys", "-t", session, forkd("ls") + "; echo E\"\"ND", "Enter");
        String s = awaitScreen(t -> t.lines().anyMatch(l -> l.equals("END")));
        List<String> table = s.lines().dropWhile(l -> !l.startsWith("id ")).takeWhile(l -> !l.equals("END")).toList();
        assertThat(table).hasSize(3);
        assertThat(table.getFirst()).startsWith("id  name").contains("status").contains("memory");
        assertThat(table.get(1)).contains(" online ");
        for (String line : table) assertThat(line.length()).as(line).isLessThanOrEqualTo(80);
    }

    @Test
    void logsFollowPrintsAsLinesComeAndCtrlCEndsIt() throws Exception {
        cli.run("start", "--name", "ticker", "--", "sh", "-c", "i=0; while :; do echo tick-$i; i=$((i+1)); sleep 0.1; done");
        tmux("new-session", "-d", "-s", session, "-x", "80", "-y", "24");
        tmux("send-keys", "-t", session, forkd("logs ticker --lines 1 --follow"), "Enter");
        String s = awaitScreen(t -> t.lines().filter(l -> l.startsWith("ticker-0-out | tick-")).count() >= 5);
        assertThat(s.lines().filter(l -> l.startsWith("ticker-0-out | tick-")).count()).isGreaterThanOrEqualTo(5);
        tmux("send-keys", "-t", session, "C-c", "");
        tmux("send-keys", "-t", session, "echo STOPPED-$?", "Enter");
        String after = awaitScreen(t -> t.lines().anyMatch(l -> l.matches("STOPPED-\\d+")));
        assertThat(after.lines().filter(l -> l.matches("STOPPED-\\d+")).toList()).containsExactly("STOPPED-130");
    }
}
