package dev.forkd.examples;

import dev.forkd.ChildProcesses;
import dev.forkd.Command;
import dev.forkd.ExitException;
import dev.forkd.Output;

/**
 * Mirrors the article's closing note on the synchronous versions:
 *
 * <pre>{@code
 * const { spawnSync, execSync, execFileSync } = require('child_process');
 * }</pre>
 *
 * <p>They block the calling thread until the child is done, which on a virtual thread costs nothing.
 * {@code spawnSync} reports any exit status in its {@link Output}; {@code execSync} and {@code execFileSync}
 * throw {@link ExitException} when the child fails.
 */
public final class SyncVariants {
    private SyncVariants() {}

    public static void main(String[] args) throws Exception {
        Output echo = ChildProcesses.execSync("echo hello sync world | tr a-z A-Z");
        System.out.println("execSync: " + echo.stdoutText().strip());

        Output uname = ChildProcesses.execFileSync("uname", "-s");
        System.out.println("execFileSync: " + uname.stdoutText().strip());

        Output failing = ChildProcesses.spawnSync(Command.of("sh", "-c", "echo oops >&2; exit 3"));
        System.out.println("spawnSync: " + failing.status() + ", stderr: " + failing.stderrText().strip());

        try {
            ChildProcesses.execSync("exit 3");
        } catch (ExitException e) {
            System.out.println("execSync threw: " + e.getMessage());
        }
    }
}
