package dev.forkd.internal.notify;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The text of sd_notify(3) datagrams: newline-separated {@code KEY=VALUE} lines in one datagram, UTF-8, no
 * NUL bytes. {@link #format} is the one place a message to send is checked; {@link #parse} the one place a
 * received datagram is judged.
 */
public final class NotifyProtocol {
    private NotifyProtocol() {}

    /** A received datagram that is not a notify message; the text says why, for the log. */
    public static final class MalformedException extends Exception {
        MalformedException(String reason) {
            super(reason, null, false, false);
        }
    }

    /**
     * Joins {@code lines} with {@code \n} (no trailing newline, as systemd-notify sends).
     *
     * @throws IllegalArgumentException for no lines, or a line that is not {@code KEY=VALUE} with a non-empty
     *                                  key, or that holds a newline or a NUL (it would forge another field)
     */
    public static String format(List<String> lines) {
        if (lines.isEmpty()) throw new IllegalArgumentException("a notify message needs at least one KEY=VALUE line");
        for (String line : lines) {
            if (line.indexOf('=') < 1) {
                throw new IllegalArgumentException("not a KEY=VALUE line: " + quote(line));
            }
            if (line.indexOf('\n') >= 0 || line.indexOf('\0') >= 0) {
                throw new IllegalArgumentException("a notify line cannot contain a newline or a NUL: " + quote(line));
            }
        }
        return String.join("\n", lines);
    }

    /**
     * The fields of one datagram, in the order they came. Empty lines are skipped (a trailing newline is
     * common); when a key repeats, the first value wins, as in systemd's service manager.
     *
     * @throws MalformedException for a NUL byte, bytes that are not UTF-8, or a line without {@code KEY=}
     */
    public static Map<String, String> parse(byte[] datagram) throws MalformedException {
        for (byte b : datagram) {
            if (b == 0) throw new MalformedException("it contains a NUL byte");
        }
        String text;
        try {
            text = StandardCharsets.UTF_8.newDecoder().decode(ByteBuffer.wrap(datagram)).toString();
        } catch (CharacterCodingException e) {
            throw new MalformedException("it is not UTF-8");
        }
        Map<String, String> fields = new LinkedHashMap<>();
        int lineNo = 0;
        for (String line : text.split("\n", -1)) {
            lineNo++;
            if (line.isEmpty()) continue;
            int eq = line.indexOf('=');
            if (eq < 1) throw new MalformedException("line " + lineNo + " is not KEY=VALUE: " + quote(line));
            fields.putIfAbsent(line.substring(0, eq), line.substring(eq + 1));
        }
        return Collections.unmodifiableMap(fields);
    }

    static String quote(String s) {
        String shown = s.length() > 80 ? s.substring(0, 80) + "..." : s;
        StringBuilder b = new StringBuilder(shown.length() + 2).append('"');
        shown.codePoints().forEach(c -> {
            if (c == '"' || c == '\\') b.append('\\').appendCodePoint(c);
            else if (c < 0x20 || c == 0x7f) b.append(String.format("\\x%02x", c));
            else b.appendCodePoint(c);
        });
        return b.append('"').toString();
    }
}
