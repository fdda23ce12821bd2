package dev.forkd.internal.ipc;

import dev.forkd.internal.io.Fd;
import dev.forkd.internal.posix.LibC;
import dev.forkd.internal.posix.PosixException;
import dev.forkd.ipc.Channel;
import java.util.Optional;

/**
 * The channel to this process's parent, from {@code NODE_CHANNEL_FD} (set by forkd's fork and by Node's
 * {@code 'ipc'} stdio). Opened once, on first use.
 */
public final class ParentChannel {
    public static final String FD_VARIABLE = "NODE_CHANNEL_FD";
    public static final String MODE_VARIABLE = "NODE_CHANNEL_SERIALIZATION_MODE";

    private static Optional<Channel> channel;

    private ParentChannel() {}

    public static synchronized Optional<Channel> get() {
        if (channel != null) return channel;
        String fdText = System.getenv(FD_VARIABLE);
        if (fdText == null || fdText.isBlank()) {
            channel = Optional.empty();
            return channel;
        }
        String mode = System.getenv(MODE_VARIABLE);
        if (mode != null && !mode.isEmpty() && !mode.equals("json")) {
            throw new UnsupportedOperationException("the parent opened the IPC channel with serialization '" + mode
                    + "'; forkd speaks 'json' (Node's default) only");
        }
        int fd;
        try {
            fd = Integer.parseInt(fdText.trim());
        } catch (NumberFormatException e) {
            throw new IllegalStateException(FD_VARIABLE + " is not an fd number: " + fdText);
        }
        try {
            // Node leaves the channel inheritable; our own children must not get it.
            if (LibC.fcntl(fd, LibC.F_SETFD, LibC.FD_CLOEXEC) < 0) {
                throw new PosixException("fcntl(F_SETFD, FD_CLOEXEC)", LibC.errno(), FD_VARIABLE + "=" + fd);
            }
            channel = Optional.of(IpcChannel.open(new Fd(fd), "parent"));
        } catch (PosixException e) {
            throw new IllegalStateException("cannot open the IPC channel to the parent: " + e.getMessage(), e);
        }
        return channel;
    }
}
