package dev.forkd;

import java.io.InputStream;
import java.io.OutputStream;

/**
 * The parent's end of one piped child fd. fd 0 can only be written, fds 1 and 2 only read; fds 3 and up are
 * sockets and go both ways.
 */
public interface StdioStream {
    /** What the child writes to this fd. @throws IllegalStateException if the parent cannot read it */
    InputStream input();

    /** What the child reads from this fd. @throws IllegalStateException if the parent cannot write it */
    OutputStream output();
}
