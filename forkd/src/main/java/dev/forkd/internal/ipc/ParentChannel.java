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
    /** The channel's message size limit, set by a forkd parent whose end has one other than the default. */
    public static final String LIMIT_VARIABLE = "FORKD_IPC_MAX_MESSAGE_BYTES";
    /** This JVM's own choice of that limit, which wins over the variable. */
    public static final String LIMIT_PROPERTY = "forkd.ipc.maxMessageBytes";

    private static Optional<Channel> channel;
    /** The same channel as {@link #channel}, typed for {@link #attached()}; null when there is none. */
    private static EarlyChannel early;

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
        early = EarlyChannel.open(fd, maxMessageBytes());
        channel = Optional.of(early);
        return channel;
    }

    /** The limit on one message: {@value #LIMIT_PROPERTY}, else {@value #LIMIT_VARIABLE}, else the default. */
    static long maxMessageBytes() {
        String property = System.getProperty(LIMIT_PROPERTY);
        if (property != null) return parseLimit(property, "the system property " + LIMIT_PROPERTY);
        String variable = System.getenv(LIMIT_VARIABLE);
        if (variable != null) return parseLimit(variable, LIMIT_VARIABLE);
        return Channel.DEFAULT_MAX_MESSAGE_BYTES;
    }

    private static long parseLimit(String text, String source) {
        try {
            long n = Long.parseLong(text.trim());
            if (n >= 1 && n <= Channel.MAX_MESSAGE_BYTES_LIMIT) return n;
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new IllegalStateException(source + " must be a number of bytes from 1 to "
                + Channel.MAX_MESSAGE_BYTES_LIMIT + ": " + text);
    }

    /**
     * The parent channel as forkd's internal protocols need it (cluster workers), attached to the event loop;
     * empty when there is no parent channel.
     */
    public static Optional<IpcChannel> attached() {
        return early().map(EarlyChannel::attach);
    }

    /** {@link #attached()} without waiting: attaching starts now (if it has not) on a background thread. */
    public static Optional<CompletableFuture<IpcChannel>> attaching() {
        return early().map(EarlyChannel::attachAsync);
    }

    private static synchronized Optional<EarlyChannel> early() {
        get();
        return Optional.ofNullable(early);
    }
}
