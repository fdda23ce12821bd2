package dev.forkd.ipc;

import java.io.IOException;

/**
 * A send whose message encodes to more JSON than the channel's {@link Channel#maxMessageBytes() limit}. Nothing
 * of it was written, and the channel goes on with the next message. (The peer applies its own limit to what
 * it receives; forkd channels on both ends of a fork or an {@code ipc} stdio share one, see
 * {@link Channel#maxMessageBytes()}.)
 */
public class MessageTooLargeException extends IOException {
    private final long size;
    private final long limit;

    /**
     * @param size  the message's length: bytes of UTF-8 JSON, without the line feed that ends it on the wire
     * @param limit the channel's limit it exceeds
     */
    public MessageTooLargeException(long size, long limit) {
        super("the IPC message is " + size + " bytes of JSON, more than the channel's limit of " + limit
                + " bytes (maxMessageBytes); it was not sent");
        this.size = size;
        this.limit = limit;
    }

    /** The message's length in bytes of UTF-8 JSON (without the line feed). */
    public long size() {
        return size;
    }

    /** The channel's limit, {@link Channel#maxMessageBytes()}. */
    public long limit() {
        return limit;
    }
}
