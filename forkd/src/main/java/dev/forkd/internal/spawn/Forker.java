package dev.forkd.internal.spawn;

import dev.forkd.ChildProcess;
import dev.forkd.Command;
import dev.forkd.ForkOptions;
import dev.forkd.SpawnException;
import dev.forkd.internal.ipc.IpcChannel;

/**
 * How a child that forkd talks to is started (a fork, a cluster worker): the child together with forkd's end
 * of its IPC channel, typed as the {@link IpcChannel} that the internal protocols need, so that nobody climbs
 * up through {@code ChildProcesses} and casts {@code ChildProcess.channel()} back down. {@code ChildProcesses.fork}
 * is a call to {@link #fork}.
 */
public final class Forker {
    private Forker() {}

    /** A started child and forkd's end of its channel (the same object as {@code process.channel()}). */
    public record Forked(ChildProcess process, IpcChannel channel) {}

    /**
     * Spawns {@code command}, whose stdio must have an {@code ipc} entry, as {@code ChildProcesses.spawn} would.
     *
     * @throws SpawnException as {@code ChildProcesses.spawn}
     * @throws java.util.NoSuchElementException if the command has no {@code ipc} entry (the child was started)
     */
    public static Forked spawn(Command command) throws SpawnException {
        PosixChildProcess child = PosixChildProcess.start(command);
        return new Forked(child, child.ipc().orElseThrow());
    }

    /**
     * Forks a JVM as {@code ChildProcesses.fork} does (the AOT-cache policy included), with its typed channel.
     *
     * @throws SpawnException as {@code ChildProcesses.fork}
     */
    public static Forked fork(ForkOptions options) throws SpawnException {
        PosixChildProcess child = AotCachePolicy.fork(options.aotCache(),
                use -> PosixChildProcess.start(ForkCommands.command(options, use)));
        return new Forked(child, child.ipc().orElseThrow());
    }
}
