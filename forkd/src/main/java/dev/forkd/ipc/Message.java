package dev.forkd.ipc;

import java.util.Optional;
import tools.jackson.databind.JsonNode;

/** One message from the peer: its JSON body and, if one was passed with it, a handle. */
public interface Message {
    /** The message as a JSON tree (any JSON value: object, array, string, number, boolean, null). */
    JsonNode body();

    /**
     * The body converted to {@code type} with Jackson (a record, a Map, String...).
     *
     * @throws IllegalArgumentException if it does not convert
     */
    <T> T as(Class<T> type);

    /**
     * The socket passed with this message, already adopted as a working JDK channel.
     *
     * @throws IllegalStateException if a socket came but could not be adopted: this JVM lacks
     *                               {@code --add-opens java.base/sun.nio.ch=ALL-UNNAMED} (the message says so)
     */
    Optional<Handle> handle();
}
