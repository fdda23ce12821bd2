package dev.forkd.cli.supervisor;

import dev.forkd.Command;
import java.util.List;

/**
 * Handing a listener to a process as systemd's socket activation does: the listener as fd 3, {@code LISTEN_FDS=1},
 * {@code LISTEN_FDNAMES}, and {@code LISTEN_PID} set to the program's own pid by a shell that then execs it (the
 * pid is not known before the spawn). Used for an app's instances and for a supervisor's successor.
 */
final class Activation {
    /** Put before the program's argv: sets LISTEN_PID to the shell's pid, then execs the program in its place. */
    static final List<String> SHIM = List.of("/bin/sh", "-c", "LISTEN_PID=$$ exec \"$0\" \"$@\"");

    private Activation() {}

    /** {@code c} with the variables that announce one listener named {@code name}; the caller puts it at fd 3. */
    static Command announce(Command c, String name) {
        return c.env("LISTEN_FDS", "1").env("LISTEN_FDNAMES", name).envRemove("LISTEN_PID");
    }
}
