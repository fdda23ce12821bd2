package dev.forkd.internal.spawn;

import dev.forkd.ChildProcess;
import dev.forkd.Command;
import dev.forkd.SpawnException;
import dev.forkd.Stdio;
import dev.forkd.internal.io.Fd;
import dev.forkd.internal.io.Fds;
import dev.forkd.internal.posix.PosixException;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * Children connected stdout to stdin, as a shell pipeline: each connecting pipe is made here and handed to
 * the two children as their fd 1 and fd 0; the parent closes its copies right after each spawn, so the data
 * goes from child to child with no thread copying it and a consumer sees EOF when its producer exits.
 */
public final class Pipeline {
    private Pipeline() {}

    public static List<ChildProcess> start(List<Command> commands) throws SpawnException {
        Objects.requireNonNull(commands, "commands");
        if (commands.isEmpty()) throw new IllegalArgumentException("a pipeline needs at least one command");
        int last = commands.size() - 1;
        for (int i = 0; i <= last; i++) {
            Command c = Objects.requireNonNull(commands.get(i), "command " + i);
            if (i < last) requireDefaultPipe(c.stdio().get(1), "stdout", i);
            if (i > 0) requireDefaultPipe(c.stdio().get(0), "stdin", i);
        }
        List<PosixChildProcess> started = new ArrayList<>();
        Fd upstream = null; // the read end of the pipe from the previous child
        try {
            for (int i = 0; i <= last; i++) {
                Command c = commands.get(i);
                Fd[] downstream = i < last ? pipe(c) : null;
                try {
                    if (upstream != null) c = c.stdin(Stdio.fd(upstream.value()));
                    if (downstream != null) c = c.stdout(Stdio.fd(downstream[1].value()));
                    started.add(PosixChildProcess.start(c));
                } finally {
                    // The children hold their own copies now: the parent keeps no end of a connecting pipe.
                    if (upstream != null) upstream.close();
                    if (downstream != null) downstream[1].close();
                }
                upstream = downstream == null ? null : downstream[0];
            }
        } catch (SpawnException | RuntimeException e) {
            if (upstream != null) upstream.close();
            // A half-built pipeline is of no use: stop what runs (forkd reaps it) and report the failure.
            for (PosixChildProcess p : started) {
                p.signalTree(dev.forkd.Signal.SIGKILL);
                p.close();
            }
            throw e;
        }
        return List.copyOf(started);
    }

    private static Fd[] pipe(Command c) throws SpawnException {
        try {
            return Fds.pipe();
        } catch (PosixException e) {
            throw Spawner.failure(e.syscall(), e.errno(), c.program(), e);
        }
    }

    private static void requireDefaultPipe(Optional<Stdio> s, String which, int i) {
        if (s.isPresent() && !(s.get() instanceof Stdio.Pipe)) {
            throw new IllegalArgumentException("command " + i + " of the pipeline has its " + which + " set to "
                    + s.get() + ": the pipeline connects it to its neighbour");
        }
    }
}
