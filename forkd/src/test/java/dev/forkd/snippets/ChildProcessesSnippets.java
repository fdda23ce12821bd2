package dev.forkd.snippets;

import dev.forkd.ChildProcess;
import dev.forkd.ChildProcesses;
import dev.forkd.Command;
import dev.forkd.ExecOptions;
import dev.forkd.ExitStatus;
import dev.forkd.Output;
import dev.forkd.Stdio;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/** The examples of {@link ChildProcesses}' Javadoc; each method returns what its example produced. */
final class ChildProcessesSnippets {
    private ChildProcessesSnippets() {}

    record Tour(Output out, CompletableFuture<Output> git, ExitStatus lsStatus) {}

    static Tour tour() throws Exception {
        // @start region=tour
        // exec: through /bin/sh, output captured
        Output out = ChildProcesses.exec("echo hi | tr a-z A-Z").join();      // out.stdoutText() == "HI\n"

        // execFile: no shell, a timeout
        CompletableFuture<Output> git =
                ChildProcesses.execFile(Command.of("git", "status"), ExecOptions.defaults().timeout(Duration.ofSeconds(5)));

        // spawn: streams, signals, exit status
        ChildProcess ls = ChildProcesses.spawn(Command.of("ls", "-lh", "/usr").stdout(Stdio.inherit()));
        ExitStatus status = ls.waitFor();                                        // "exit status: 0"
        // @end
        return new Tour(out, git, status);
    }

    static String pipeline() throws Exception {
        // @start region=pipeline
        List<ChildProcess> p = ChildProcesses.pipeline(Command.of("ls", "/usr"), Command.of("wc", "-l"));
        String count = new String(p.getLast().stdout().readAllBytes()).trim();
        // @end
        for (ChildProcess c : p) c.waitFor();
        return count;
    }
}
