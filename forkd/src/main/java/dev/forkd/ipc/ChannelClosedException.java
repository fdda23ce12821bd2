package dev.forkd.ipc;

import java.io.IOException;

/** A send on a channel that is closed, or that closed before the message could be written. */
public class ChannelClosedException extends IOException {
    public ChannelClosedException(String message) {
        super(message);
    }
}
