package dev.forkd.internal.spawn;

import dev.forkd.ChildProcess;
import dev.forkd.Command;
import dev.forkd.SpawnException;
import dev.forkd.internal.ipc.IpcChannel;

/**
 * How forkd's own code starts a child that it talks to (cluster workers): the child together with forkd's
 * end of its IPC channel, typed as the {@link IpcChannel} that the internal protocols need, so that nobody
 * climbs up through {@code ChildProcesses} and casts {@code ChildProcess.channel()} back down.
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
        PosixChildProcess child = PosixChildProcess.start(
                SpawnRequest.of(command, StdioPlan.Mode.SPAWN, false, false), fd -> null, false);
        return new Forked(child, child.ipc().orElseThrow());
    }

    /**
     * The typed channel of a child that {@code ChildProcesses.fork} started. Only for the cluster's forkd
     * workers, which must be forked there while the AOT-cache training policy lives there (it needs
     * {@code ForkOptions}' package-private command builder); once that policy has an internal home, forking
     * belongs here and this bridge, the one remaining cast, goes.
     */
    public static Forked forked(ChildProcess fromFork) {
        return new Forked(fromFork, ((PosixChildProcess) fromFork).ipc().orElseThrow());
    }
}
