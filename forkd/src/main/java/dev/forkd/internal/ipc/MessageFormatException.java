package dev.forkd.internal.ipc;

import dev.forkd.internal.json.JsonFormatException;
import java.io.IOException;

/**
 * A line received on the IPC channel that is not a message, or passed fds that belong to none. The channel
 * reports it and carries on with the next line: Node crashes on such input, forkd must not (DESIGN.md §5).
 */
final class MessageFormatException extends IOException {
    /** What was wrong with the line. */
    public enum Kind {
        /** An empty line, or one holding only JSON whitespace (a {@link JsonFormatException#blank() blank} one). */
        BLANK_LINE,
        /** Text that is not exactly one JSON value (any other {@link JsonFormatException}). */
        MALFORMED_JSON,
        /** A line longer than the decoder's bound; it was skipped up to its {@code \n}. */
        LINE_TOO_LONG,
        /** The channel ended in the middle of a line. */
        TRUNCATED,
        /** Passed fds that no handle message took (see {@link JsonLineDecoder}); they were closed. */
        STRAY_FDS
    }

    private final Kind kind;
    private final int closedFds;
    private final boolean handleMessage;

    MessageFormatException(Kind kind, String message, int closedFds, Throwable cause) {
        this(kind, message, closedFds, cause, false);
    }

    MessageFormatException(Kind kind, String message, int closedFds, Throwable cause, boolean handleMessage) {
        super(message + (closedFds > 0 ? " (closed " + closedFds + " fd(s) that came with it)" : ""), cause);
        this.kind = kind;
        this.closedFds = closedFds;
        this.handleMessage = handleMessage;
    }

    public Kind kind() {
        return kind;
    }

    /**
     * True when the dropped line {@link JsonLineDecoder#looksLikeHandle looked like a handle message}: its
     * sender waits for an answer (NACK) before it sends anything else.
     */
    public boolean handleMessage() {
        return handleMessage;
    }

    /** How many passed fds arrived with the rejected line and were closed because nobody can use them. */
    public int closedFds() {
        return closedFds;
    }
}
