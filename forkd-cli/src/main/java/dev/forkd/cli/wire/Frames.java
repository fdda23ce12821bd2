package dev.forkd.cli.wire;

import java.io.IOException;
import java.io.Writer;

/**
 * What the daemon sends back to a client: one line per frame. {@code "1 text"} is a line for the client's
 * stdout, {@code "2 text"} one for its stderr, {@code "x N"} ends the reply with the client's exit status. A
 * client reads frames until {@code x} (or the connection ends, which is an error). Text is one line: a
 * multi-line message is several frames.
 */
public final class Frames {
    private final Writer out;

    public Frames(Writer out) {
        this.out = out;
    }

    public synchronized Frames out(String text) throws IOException {
        return lines('1', text);
    }

    public synchronized Frames err(String text) throws IOException {
        return lines('2', text);
    }

    public synchronized void exit(int status) throws IOException {
        out.write("x " + status + "\n");
        out.flush();
    }

    private Frames lines(char kind, String text) throws IOException {
        String t = text.endsWith("\n") ? text.substring(0, text.length() - 1) : text;
        for (String line : t.split("\n", -1)) {
            out.write(kind);
            out.write(' ');
            out.write(line);
            out.write('\n');
        }
        out.flush();
        return this;
    }
}
