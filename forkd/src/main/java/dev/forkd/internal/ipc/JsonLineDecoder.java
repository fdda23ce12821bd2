package dev.forkd.internal.ipc;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;

import dev.forkd.internal.io.Fd;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import tools.jackson.databind.JsonNode;

/**
 * Frames the bytes of a Node JSON-mode IPC channel into lines, and attaches passed fds to the line they came
 * with.
 *
 * <p>Input arrives in arbitrary chunks (one {@code recvmsg} each): several messages coalesced, one message
 * split over many chunks, a split even inside a multi-byte UTF-8 character. Framing is done on bytes, which
 * is exact because byte {@code 0x0A} never occurs inside a UTF-8 multi-byte sequence; each complete line is
 * then decoded as a whole (malformed UTF-8 becomes U+FFFD, as Node's StringDecoder does). U+2028 and U+2029
 * are ordinary characters here.
 *
 * <p><b>Which line an fd belongs to.</b> The fds of a chunk go to the <em>last line that starts in that
 * chunk</em>, or, when no line starts in it, to the line in progress. Why the last: Linux's unix stream
 * {@code recvmsg} may glue earlier fd-less data in front of the segment that carries fds, but stops right
 * after that segment (unix_stream_read_generic), and senders (libuv, {@link FdPassing}) start the handle's
 * line at the first byte of the {@code sendmsg} that carries the fd and put nothing after it. So the handle
 * line is the last one to begin in the chunk. ("The first line starting in the chunk" is wrong when a plain
 * message is glued in front; Node itself sidesteps this by handing the fd to the first NODE_HANDLE message
 * parsed from the chunk.)
 *
 * <p><b>Bounds.</b> A line longer than {@code maxLineBytes} is reported as
 * {@link MessageFormatException.Kind#LINE_TOO_LONG} as soon as it crosses the bound, its bytes are dropped up
 * to the next {@code \n} and its fds are closed; the decoder never buffers more than the bound.
 *
 * <p>Not thread-safe: one reader feeds it. Listener callbacks run inside {@link #feed}.
 */
public final class JsonLineDecoder {
    /** Default bound on one line: 64 MiB. */
    public static final int DEFAULT_MAX_LINE_BYTES = 64 << 20;

    /** Receives framed lines. */
    public interface Listener {
        /**
         * One complete line, without its {@code \n}.
         *
         * @param fds the fds that arrived with it, owned by the listener from now on (usually empty)
         */
        void line(String line, List<Fd> fds);

        /**
         * The same line as UTF-8 bytes (the decoder's own copy, now the listener's). Override to skip the
         * String: a JSON parser reads bytes faster than chars. By default decodes and calls {@link #line}.
         */
        default void line(byte[] utf8, List<Fd> fds) {
            line(new String(utf8, StandardCharsets.UTF_8), fds);
        }

        /**
         * The line as the first {@code len} bytes of {@code buf}, which is the listener's from now on (a big
         * line is handed over without a copy). By default copies to an exact array and calls {@link #line(byte[], List)}.
         */
        default void line(byte[] buf, int len, List<Fd> fds) {
            line(buf.length == len ? buf : Arrays.copyOf(buf, len), fds);
        }

        /** A line that was dropped ({@code LINE_TOO_LONG}, {@code TRUNCATED}); its fds are already closed. */
        void error(MessageFormatException error);
    }

    /** Receives parsed messages; see {@link #messages}. */
    public interface MessageListener {
        /** A parsed message and the fds that came with it (owned by the listener). */
        void message(JsonNode message, List<Fd> fds);

        /** A line that was not a message; any fds that came with it are already closed. */
        void error(MessageFormatException error);
    }

    private final int maxLineBytes;
    private final Listener listener;

    private byte[] partial = new byte[256];
    private int partialLen;
    private final List<Fd> partialFds = new ArrayList<>(1);
    /** True while skipping the rest of an over-long line. */
    private boolean discarding;
    private byte[] scratch = new byte[0];
    /** Lines longer than this are handed to the listener without a copy. */
    private static final int BIG_LINE = 64 * 1024;
    /** The length of the last line longer than BIG_LINE: the next buffer starts that big. */
    private int lastBigLine;
    private static final VarHandle LONGS = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
    private static final long ONES = 0x0101010101010101L;
    private static final long HIGHS = 0x8080808080808080L;
    private static final long NEWLINES = 0x0a0a0a0a0a0a0a0aL;

    public JsonLineDecoder(Listener listener) {
        this(DEFAULT_MAX_LINE_BYTES, listener);
    }

    public JsonLineDecoder(int maxLineBytes, Listener listener) {
        if (maxLineBytes <= 0) throw new IllegalArgumentException("maxLineBytes must be positive: " + maxLineBytes);
        this.maxLineBytes = maxLineBytes;
        this.listener = listener;
    }

    /**
     * A listener that parses each line with {@code codec}: a valid line goes to {@code target.message}, a
     * blank or malformed one to {@code target.error} (with its fds closed), and decoding carries on.
     */
    public static Listener messages(JsonCodec codec, MessageListener target) {
        return new Listener() {
            @Override
            public void line(String line, List<Fd> fds) {
                JsonNode message;
                try {
                    message = codec.parse(line);
                } catch (MessageFormatException e) {
                    fds.forEach(Fd::close);
                    target.error(fds.isEmpty() ? e
                            : new MessageFormatException(e.kind(), e.getMessage(), fds.size(), e.getCause()));
                    return;
                }
                target.message(message, fds);
            }

            @Override
            public void error(MessageFormatException error) {
                target.error(error);
            }
        };
    }

    /** Feeds one received chunk (copied; the segment may be reused afterwards). */
    public void feed(MemorySegment chunk, List<Fd> fds) {
        int len = Math.toIntExact(chunk.byteSize());
        if (scratch.length < len) scratch = new byte[Math.max(len, 16 * 1024)];
        MemorySegment.copy(chunk, JAVA_BYTE, 0, scratch, 0, len);
        feed(scratch, 0, len, fds);
    }

    /** Feeds {@code b[off, off+len)}, which arrived together with {@code fds} (ownership passes to the decoder). */
    public void feed(byte[] b, int off, int len, List<Fd> fds) {
        int end = off + len;
        int fdTarget = -1;
        if (!fds.isEmpty()) {
            fdTarget = lastLineStart(b, off, end);
            if (fdTarget < 0) attach(fds);
        }
        int pos = off;
        while (pos < end) {
            if (pos == fdTarget) attach(fds);
            int nl = indexOfNewline(b, pos, end);
            if (nl < 0) {
                append(b, pos, end - pos);
                return;
            }
            append(b, pos, nl - pos);
            completeLine();
            pos = nl + 1;
        }
    }

    /**
     * The channel reached end of stream. A partial last line is reported as
     * {@link MessageFormatException.Kind#TRUNCATED} and its fds are closed.
     */
    public void end() {
        if (discarding) {
            discarding = false;
            return;
        }
        if (partialLen > 0 || !partialFds.isEmpty()) {
            int n = partialLen;
            int closed = closePartialFds();
            partialLen = 0;
            listener.error(new MessageFormatException(MessageFormatException.Kind.TRUNCATED,
                    "the IPC channel ended in the middle of a message (" + n + " bytes without a line feed)",
                    closed, null));
        }
    }

    /** Bytes of the line in progress (for tests and diagnostics). */
    int buffered() {
        return partialLen;
    }

    private int lastLineStart(byte[] b, int off, int end) {
        int start = (partialLen == 0 && !discarding) ? off : -1;
        for (int i = off; i < end - 1; i++) {
            if (b[i] == '\n') start = i + 1;
        }
        return start;
    }

    private void attach(List<Fd> fds) {
        if (discarding) {
            fds.forEach(Fd::close);
        } else {
            partialFds.addAll(fds);
        }
    }

    private void append(byte[] b, int off, int len) {
        if (len == 0 || discarding) return;
        if ((long) partialLen + len > maxLineBytes) {
            long seen = (long) partialLen + len;
            discarding = true;
            partialLen = 0;
            partial = new byte[256];
            int closed = closePartialFds();
            listener.error(new MessageFormatException(MessageFormatException.Kind.LINE_TOO_LONG,
                    "IPC message longer than " + maxLineBytes + " bytes (" + seen
                            + " bytes so far without a line feed); skipping it", closed, null));
            return;
        }
        if (partialLen + len > partial.length) {
            // Big messages tend to follow each other: grow straight to the last big line's size.
            long grown = Math.max(Math.max((long) partial.length * 2, (long) partialLen + len),
                    partialLen == 0 ? Math.min(lastBigLine + 1L, 2L * len + BIG_LINE) : 0);
            int want = (int) Math.min(grown, maxLineBytes);
            partial = Arrays.copyOf(partial, want);
        }
        System.arraycopy(b, off, partial, partialLen, len);
        partialLen += len;
    }

    private void completeLine() {
        if (discarding) {
            discarding = false;
            return;
        }
        List<Fd> fds = partialFds.isEmpty() ? List.of() : List.copyOf(partialFds);
        partialFds.clear();
        int len = partialLen;
        partialLen = 0;
        if (len > BIG_LINE) {
            // Hand the buffer over instead of copying it, and size the next one for a line like this one.
            byte[] line = partial;
            partial = new byte[256];
            lastBigLine = len;
            listener.line(line, len, fds);
        } else {
            if (partial.length > BIG_LINE) partial = new byte[256]; // do not pin a big buffer after a big line
            listener.line(Arrays.copyOf(partial, len), len, fds);
        }
    }

    private int closePartialFds() {
        int n = partialFds.size();
        partialFds.forEach(Fd::close);
        partialFds.clear();
        return n;
    }

    /** The first {@code \n} in {@code b[from, end)}, or -1; eight bytes per step (SWAR). */
    static int indexOfNewline(byte[] b, int from, int end) {
        int i = from;
        for (; i + 8 <= end; i += 8) {
            long x = (long) LONGS.get(b, i) ^ NEWLINES; // a zero byte where b has '\n'
            long found = (x - ONES) & ~x & HIGHS;
            if (found != 0) return i + (Long.numberOfTrailingZeros(found) >>> 3);
        }
        for (; i < end; i++) {
            if (b[i] == '\n') return i;
        }
        return -1;
    }
}
