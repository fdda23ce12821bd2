package dev.forkd.internal.ipc;

import dev.forkd.ipc.Channel;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * The channel to this process's parent, from {@code NODE_CHANNEL_FD} (set by forkd's fork and by Node's
 * {@code 'ipc'} stdio). Opened once, on first use; see {@link EarlyChannel} for how it sends before forkd's
 * native layer is up.
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
        channel = Optional.of(EarlyChannel.open(fd));
        return channel;
    }

    /**
     * The parent channel as forkd's internal protocols need it (cluster workers), attached to the event loop;
     * empty when there is no parent channel.
     */
    public static Optional<IpcChannel> attached() {
        return get().map(c -> ((EarlyChannel) c).attach());
    }

    /** {@link #attached()} without waiting: attaching starts now (if it has not) on a background thread. */
    public static Optional<CompletableFuture<IpcChannel>> attaching() {
        return get().map(c -> ((EarlyChannel) c).attachAsync());
    }
}
