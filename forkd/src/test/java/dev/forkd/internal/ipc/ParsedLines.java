package dev.forkd.internal.ipc;

import dev.forkd.internal.io.Fd;
import dev.forkd.internal.json.JsonCodec;
import dev.forkd.internal.json.JsonFormatException;
import tools.jackson.databind.JsonNode;

/** A {@link JsonLineDecoder.Listener} for tests and raw peers: it parses each line, as a channel would. */
final class ParsedLines {
    private ParsedLines() {}

    /** Receives parsed messages; see {@link #messages}. */
    interface MessageListener {
        /**
         * A parsed message, and for a {@code NODE_HANDLE} message the fd that belongs to it (owned by the
         * listener; null when none arrived). Null for every other message.
         */
        void message(JsonNode message, Fd handleFd);

        /** A line that was not a message; any fd that came for it is already closed. */
        void error(MessageFormatException error);
    }

    /**
     * A listener that parses each line with {@code codec}: a valid line goes to {@code target.message} (a
     * {@code NODE_HANDLE} message with its fd), a blank or malformed one to {@code target.error} (closing the
     * fd it brought if it {@link JsonLineDecoder#looksLikeHandle looked like a handle message}), and decoding
     * carries on.
     */
    static JsonLineDecoder.Listener messages(JsonCodec codec, MessageListener target) {
        return new JsonLineDecoder.Listener() {
            @Override
            public void line(byte[] buf, int len, JsonLineDecoder.HandleFds fds) {
                JsonNode message;
                try {
                    message = codec.parse(buf, len);
                } catch (JsonFormatException e) {
                    boolean handle = JsonLineDecoder.looksLikeHandle(buf, len);
                    Fd lost = handle ? fds.take() : null;
                    if (lost != null) lost.close();
                    target.error(new MessageFormatException(e.blank() ? MessageFormatException.Kind.BLANK_LINE
                            : MessageFormatException.Kind.MALFORMED_JSON, e.getMessage(), lost != null ? 1 : 0,
                            e.getCause(), handle));
                    return;
                }
                target.message(message, isHandleMessage(message) ? fds.take() : null);
            }

            @Override
            public void error(MessageFormatException error) {
                target.error(error);
            }
        };
    }

    /** True for a {@code NODE_HANDLE} message: an object whose {@code cmd} is that string. */
    static boolean isHandleMessage(JsonNode message) {
        JsonNode cmd = message.isObject() ? message.get("cmd") : null;
        return cmd != null && cmd.isString() && cmd.stringValue().equals("NODE_HANDLE");
    }
}
