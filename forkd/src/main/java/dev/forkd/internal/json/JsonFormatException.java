package dev.forkd.internal.json;

import java.io.IOException;

/**
 * A line that is not exactly one JSON value: blank (only JSON whitespace) or malformed. The IPC layer reports
 * and drops such a line and reads on (Node crashes on it, forkd must not: DESIGN.md §5).
 */
public final class JsonFormatException extends IOException {
    private static final int EXCERPT = 80;

    private final boolean blank;

    JsonFormatException(boolean blank, String message, Throwable cause) {
        super(message, cause);
        this.blank = blank;
    }

    /** True for an empty line or one holding only JSON whitespace; false for malformed JSON. */
    public boolean blank() {
        return blank;
    }

    /** The first characters of a line, quoted, for messages: enough to recognise it, never megabytes. */
    static String excerpt(String line) {
        String shown = line.length() <= EXCERPT ? line : line.substring(0, EXCERPT) + "…";
        return '"' + shown.replace("\\", "\\\\").replace("\"", "\\\"").replace("\r", "\\r") + '"'
                + (line.length() > EXCERPT ? " (" + line.length() + " chars)" : "");
    }
}
