package dev.forkd.internal.ipc;

import dev.forkd.internal.json.JsonCodec;
import dev.forkd.ipc.Handle;
import dev.forkd.ipc.Message;
import java.util.Optional;
import tools.jackson.databind.JsonNode;

/**
 * A delivered message. A handle that could not be adopted (no {@code --add-opens}) is reported by
 * {@link #handle()} throwing that error, so the failure reaches the code that wanted the handle.
 */
record ReceivedMessage(JsonNode body, JsonCodec codec, Handle received, RuntimeException handleError)
        implements Message {

    @Override
    public <T> T as(Class<T> type) {
        return codec.convert(body, type);
    }

    @Override
    public Optional<Handle> handle() {
        if (handleError != null) throw handleError;
        return Optional.ofNullable(received);
    }

    @Override
    public String toString() {
        return "Message" + body + (received != null ? " + " + received : "");
    }
}
