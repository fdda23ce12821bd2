package dev.forkd.internal.spawn;

import dev.forkd.Stdio;
import dev.forkd.internal.ipc.HandleAdoption;
import dev.forkd.internal.posix.LibC;
import java.nio.file.OpenOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * The one place stdio options are normalised: fills defaults, maps each {@link Stdio} to a {@link Slot} for
 * its fd number, and rejects contradictions. The layers below only translate.
 */
public final class StdioPlan {
    /** Who spawns: {@code spawn} (defaults: pipes) or the exec family (stdin from /dev/null or the input). */
    public enum Mode { SPAWN, EXEC, SYNC }

    private StdioPlan() {}

    public static List<Slot> plan(List<Optional<Stdio>> stdio, Mode mode, boolean hasInput) {
        List<Slot> slots = new ArrayList<>(stdio.size());
        int ipc = 0;
        for (int fd = 0; fd < stdio.size(); fd++) {
            Stdio s = stdio.get(fd).orElse(null);
            if (fd == 0 && hasInput) {
                if (s != null && !(s instanceof Stdio.Pipe)) {
                    throw new IllegalArgumentException("input was given but stdin is set to " + s);
                }
                s = Stdio.pipe();
            }
            if (s == null) s = (fd == 0 && mode != Mode.SPAWN) ? Stdio.ignore() : Stdio.pipe();
            Slot slot = switch (s) {
                case Stdio.Pipe p -> fd == 0 ? new Slot.ParentWrites() : fd < 3 ? new Slot.ParentReads() : new Slot.Duplex();
                case Stdio.Inherit i -> fd < 3 ? new Slot.Dup(fd) : new Slot.Null();
                case Stdio.Ignore i -> new Slot.Null();
                case Stdio.Fd(int parentFd) -> new Slot.Dup(parentFd);
                case Stdio.Socket(var channel) -> {
                    if (!channel.isOpen()) throw new IllegalArgumentException("the socket for child fd " + fd + " is closed");
                    yield new Slot.Dup(HandleAdoption.fdOf(channel));
                }
                case Stdio.File(var path, var options) -> new Slot.OpenFile(path.toString(), flags(fd, options));
                case Stdio.Ipc i -> {
                    if (mode == Mode.SYNC) {
                        throw new IllegalArgumentException("Stdio.ipc() cannot be used with the sync variants");
                    }
                    if (++ipc > 1) throw new IllegalArgumentException("at most one Stdio.ipc() per child");
                    yield new Slot.Ipc(i.maxMessageBytes());
                }
            };
            slots.add(slot);
        }
        return List.copyOf(slots);
    }

    private static int flags(int fd, Set<OpenOption> options) {
        if (options.isEmpty()) return fd == 0 ? LibC.O_RDONLY : LibC.O_WRONLY | LibC.O_CREAT | LibC.O_TRUNC;
        boolean read = options.contains(StandardOpenOption.READ);
        boolean write = options.contains(StandardOpenOption.WRITE) || options.contains(StandardOpenOption.APPEND);
        int flags = read && write ? LibC.O_RDWR : write ? LibC.O_WRONLY : LibC.O_RDONLY;
        for (OpenOption o : options) {
            if (!(o instanceof StandardOpenOption so)) {
                throw new IllegalArgumentException("unsupported open option for a child's fd: " + o);
            }
            switch (so) {
                case APPEND -> flags |= LibC.O_APPEND;
                case CREATE -> flags |= LibC.O_CREAT;
                case CREATE_NEW -> flags |= LibC.O_CREAT | LibC.O_EXCL;
                case TRUNCATE_EXISTING -> flags |= LibC.O_TRUNC;
                case READ, WRITE -> { }
                default -> throw new IllegalArgumentException("unsupported open option for a child's fd: " + o);
            }
        }
        return flags;
    }
}
