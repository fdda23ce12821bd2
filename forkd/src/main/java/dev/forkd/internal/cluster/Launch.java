package dev.forkd.internal.cluster;

import dev.forkd.Command;
import dev.forkd.ForkOptions;
import dev.forkd.SpawnException;
import dev.forkd.Stdio;
import dev.forkd.internal.spawn.Forker;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * How one worker is started: a forkd JVM ({@link ForkOptions}) or any command, as Node's {@code cluster.fork()}
 * starts its {@code exec}. A respawn or a reload starts the replacement the same way.
 */
sealed interface Launch {
    /** Starts the worker with id {@code id} and these extra variables; its channel is on fd 3. */
    Forker.Forked start(int id, Map<String, String> env) throws SpawnException;

    record Jvm(ForkOptions options) implements Launch {
        @Override
        public Forker.Forked start(int id, Map<String, String> env) throws SpawnException {
            return Forker.fork(options.env(env).env(Protocol.WORKER_ID_VARIABLE, Integer.toString(id)));
        }
    }

    /** Node's worker spawn: the command's stdio (the primary's own where unset), the channel at fd 3. */
    record Exec(Command command) implements Launch {
        @Override
        public Forker.Forked start(int id, Map<String, String> env) throws SpawnException {
            List<Optional<Stdio>> given = command.stdio();
            List<Stdio> stdio = new ArrayList<>();
            for (int fd = 0; fd < Math.max(4, given.size()); fd++) {
                Optional<Stdio> s = fd < given.size() ? given.get(fd) : Optional.empty();
                stdio.add(fd == 3 ? s.orElse(Stdio.ipc()) : s.orElse(fd < 3 ? Stdio.inherit() : Stdio.ignore()));
            }
            return Forker.spawn(command.env(env).env(Protocol.WORKER_ID_VARIABLE, Integer.toString(id))
                    .stdio(stdio.toArray(Stdio[]::new)));
        }
    }
}
