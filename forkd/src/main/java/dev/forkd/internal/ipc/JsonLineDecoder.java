package dev.forkd.internal.ipc;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;

import dev.forkd.internal.io.Fd;
import dev.forkd.internal.json.JsonCodec;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.List;

/**
 * Frames the bytes of a Node JSON-mode IPC channel into lines, and hands the fds that were passed with them to
 * the handle messages they belong to.
 *
 * <p>Input arrives in arbitrary chunks (one {@code recvmsg} each): several messages coalesced, one message
 * split over many chunks, a split even inside a multi-byte UTF-8 character. Framing is done on bytes, which
 * is exact because byte {@code 0x0A} never occurs inside a UTF-8 multi-byte sequence; each complete line is
 * then decoded as a whole (malformed UTF-8 becomes U+FFFD, as Node's StringDecoder does). U+2028 and U+2029
 * are ordinary characters here.
 *
 * <p><b>Which message an fd belongs to.</b> Fds are not attached to lines: they wait in a queue, in the order
 * they arrived, and each {@code NODE_HANDLE} message takes the oldest ({@link HandleFds#take}) while its line
 * is delivered; every other message takes none. That is Node's rule (its channel keeps the fd of a read as
 * {@code pendingHandle} until a NODE_HANDLE message is parsed, and libuv queues any further fds), and it holds
 * whatever the sender glued into one {@code sendmsg}: a handle message followed by plain ones, plain ones
 * followed by a handle message, several handle messages with as many fds. A handle message finds no fd (and
 * is answered with NACK) when none arrived for it: an fd only counts for a line whose first byte came with or
 * after it. (Chunks that carried fds, or lost them to MSG_CTRUNC, are numbered as <em>generations</em> to
 * tell.)
 *
 * <p>The queue must not go out of step when an fd is left over: a handle message dropped as malformed or too
 * long without {@code NODE_HANDLE} in its first bytes, a peer that attached an fd to a plain message. What
 * the kernel guarantees: the fds of a {@code sendmsg} come with the read that holds its first byte, that read
 * ends inside that {@code sendmsg} (unix_stream_read_generic stops after the segment that carries fds), and
 * a {@code sendmsg} starts at a line boundary. So the last line that starts in a chunk with fds belongs to that
 * chunk's {@code sendmsg}, and every line of an earlier one has ended before it begins: fds of earlier chunks
 * still queued at that point belong to nobody, and are closed and reported
 * ({@link MessageFormatException.Kind#STRAY_FDS}). A left-over fd can thus mislead only handle messages
 * glued in front of that line (the rest of one {@code sendmsg}), never later ones; so can a {@code sendmsg}
 * that glued several messages and lost its fds (MSG_CTRUNC), if one of its handle messages starts in the next
 * chunk with fds. Senders of one message per {@code sendmsg} (Node, forkd) are never misled. Everything still
 * queued is closed at {@link #end()} or {@link #close()}, and more than {@value #MAX_QUEUED_FDS} waiting fds
 * are strays by definition. Of all this, the fast path pays one field store per chunk and a compare per line.
 *
 * <p><b>Bounds.</b> A line longer than {@code maxLineBytes} is reported as
 * {@link MessageFormatException.Kind#LINE_TOO_LONG} as soon as it crosses the bound, its bytes are dropped up
 * to the next {@code \n}, and when its first bytes look like a handle message ({@link #looksLikeHandle}) it
 * takes its fd along, closed; the decoder never buffers more than the bound.
 *
 * <p>Not thread-safe: one reader feeds it. Listener callbacks run inside {@link #feed} and must not throw: the
 * decoder's state is consistent before each call, but the rest of that chunk would be lost with the exception.
 */
final class JsonLineDecoder {
    /** Default bound on one line: {@link dev.forkd.ipc.Channel#DEFAULT_MAX_MESSAGE_BYTES}, 1 GiB. */
    public static final int DEFAULT_MAX_LINE_BYTES = (int) dev.forkd.ipc.Channel.DEFAULT_MAX_MESSAGE_BYTES;

    /** The fds waiting for handle messages, as a line's listener sees them. */
    public interface HandleFds {
        /**
         * The fd for the handle message on the line being delivered: the oldest one waiting, if it arrived no
         * later than the line's first byte (see the class comment), now the caller's; null when none arrived
         * for it (answer NACK). Call it once, only for a {@code NODE_HANDLE} message (or a dropped line that
         * {@link #looksLikeHandle looked like one}, to close what it brought), and only during
         * {@link Listener#line}.
         */
        Fd take();

        /** True when {@link #take} would return an fd now (the line's listener may ask before it parses). */
        boolean pending();
    }

    /** Receives framed lines. */
    public interface Listener {
        /**
         * One complete line without its {@code \n}: the first {@code len} bytes of {@code buf}, which is the
         * listener's from now on (a big line is handed over without a copy). A handle message on it takes its
         * fd from {@code fds} during this call.
         */
        void line(byte[] buf, int len, HandleFds fds);

        /**
         * A line that was dropped ({@code LINE_TOO_LONG}, {@code TRUNCATED}), or fds that no handle message
         * took ({@code STRAY_FDS}); any fds involved are already closed.
         */
        void error(MessageFormatException error);
    }

    private final int maxLineBytes;
    private final Listener listener;

    private byte[] partial = new byte[256];
    private int partialLen;
    /** True while skipping the rest of an over-long line. */
    private boolean discarding;
    private byte[] scratch = new byte[0];
    /** Lines longer than this are handed to the listener without a copy. */
    private static final int BIG_LINE = 64 * 1024;
    /** The length of the last line longer than BIG_LINE: the next buffer starts that big. */
    private int lastBigLine;

    /** An fd waiting for its handle message, with the generation of the chunk it came with. */
    private record Queued(Fd fd, long generation) {}

    /** More fds than this waiting for handle messages cannot all be for messages still to come. */
    static final int MAX_QUEUED_FDS = 4 * FdPassing.MAX_FDS;

    /** Fds not taken yet, oldest first; generations never decrease along it. */
    private final ArrayDeque<Queued> fds = new ArrayDeque<>(2);
    /** The number of chunks so far that carried fds or lost them. */
    private long generation;
    /** The generation of the line in progress (or of the next line, when none is in progress). */
    private long lineGeneration;
    /** Fds closed because no handle message could take them, not yet reported. */
    private int strayClosed;
    /** What a line's listener takes its fd from. */
    private final HandleFds handleFds = new HandleFds() {
        @Override
        public Fd take() {
            return JsonLineDecoder.this.take();
        }

        @Override
        public boolean pending() {
            Queued q = fds.peekFirst();
            return q != null && q.generation() <= lineGeneration;
        }
    };

    public JsonLineDecoder(Listener listener) {
        this(DEFAULT_MAX_LINE_BYTES, listener);
    }

    public JsonLineDecoder(int maxLineBytes, Listener listener) {
        if (maxLineBytes <= 0) throw new IllegalArgumentException("maxLineBytes must be positive: " + maxLineBytes);
        this.maxLineBytes = maxLineBytes;
        this.listener = listener;
    }

    /** The bound on one line, in bytes (without its {@code \n}). */
    public int maxLineBytes() {
        return maxLineBytes;
    }

    /** How far into a dropped line {@link #looksLikeHandle} looks. */
    private static final int HANDLE_SCAN = 64 * 1024;
    private static final byte[] HANDLE_TOKEN = "\"NODE_HANDLE\"".getBytes(StandardCharsets.US_ASCII);

    /**
     * For a line that could not be parsed: true when its first 64 KiB hold {@code "NODE_HANDLE"} (quotes
     * included), as the start of every handle message Node or forkd writes does ({@code cmd} is their first
     * member). Such a line takes its fd along when it is dropped, so that the next handle message gets its
     * own. A false answer costs nothing lasting: the fd stays queued until its generation is over.
     */
    public static boolean looksLikeHandle(byte[] buf, int len) {
        int end = Math.min(len, HANDLE_SCAN) - HANDLE_TOKEN.length;
        outer:
        for (int i = 0; i <= end; i++) {
            if (buf[i] != '"') continue;
            for (int k = 1; k < HANDLE_TOKEN.length; k++) {
                if (buf[i + k] != HANDLE_TOKEN[k]) continue outer;
            }
            return true;
        }
        return false;
    }

    /**
     * Feeds one received chunk (copied). {@code fdsLost}: fds were sent with it but did not arrive (MSG_CTRUNC);
     * a handle message starting in it finds none and is answered with NACK.
     */
    public void feed(MemorySegment chunk, List<Fd> fds, boolean fdsLost) {
        int len = Math.toIntExact(chunk.byteSize());
        if (scratch.length < len) scratch = new byte[Math.max(len, 16 * 1024)];
        MemorySegment.copy(chunk, JAVA_BYTE, 0, scratch, 0, len);
        feed(scratch, 0, len, fds, fdsLost);
    }

    /** Feeds {@code b[off, off+len)}, which arrived together with {@code fds} (ownership passes to the decoder). */
    public void feed(byte[] b, int off, int len, List<Fd> fds) {
        feed(b, off, len, fds, false);
    }

    /** {@link #feed(byte[], int, int, List)}, with {@code fdsLost} as in {@link #feed(MemorySegment, List, boolean)}. */
    public void feed(byte[] b, int off, int len, List<Fd> fds, boolean fdsLost) {
        boolean withFds = !fds.isEmpty() || fdsLost;
        int end = off + len;
        int sweepAt = -1;
        if (withFds) {
            generation++;
            for (Fd fd : fds) this.fds.add(new Queued(fd, generation));
            while (this.fds.size() > MAX_QUEUED_FDS) closeOldest();
            sweepAt = lastLineStart(b, off, end);
        }
        // A line that starts in this chunk belongs to its generation (completeLine sets it for the next one).
        if (partialLen == 0 && !discarding) lineGeneration = generation;
        int pos = off;
        while (pos < end) {
            // This chunk's sendmsg has begun by the last line that starts in it (see the class comment).
            if (pos == sweepAt) closeStray(generation);
            int nl = JsonCodec.indexOfNewline(b, pos, end);
            if (nl < 0) {
                append(b, pos, end - pos);
                break;
            }
            append(b, pos, nl - pos);
            completeLine();
            pos = nl + 1;
        }
        reportStray();
    }

    /**
     * Where the last line that starts in {@code b[off, end)} starts (after its last {@code \n} but one at the
     * very end), or -1 when no line starts in it. Only for chunks with fds.
     */
    private int lastLineStart(byte[] b, int off, int end) {
        for (int i = end - 2; i >= off; i--) {
            if (b[i] == '\n') return i + 1;
        }
        return partialLen == 0 && !discarding ? off : -1;
    }

    /** {@link HandleFds#take}: the oldest fd, if it arrived no later than the line's first byte. */
    private Fd take() {
        Queued q = fds.peekFirst();
        if (q == null || q.generation() > lineGeneration) return null;
        fds.pollFirst();
        return q.fd();
    }

    private void closeOldest() {
        fds.pollFirst().fd().close();
        strayClosed++;
    }

    /** Closes the queued fds of generations before {@code oldestWanted}; they are reported after the chunk. */
    private void closeStray(long oldestWanted) {
        Queued q;
        while ((q = fds.peekFirst()) != null && q.generation() < oldestWanted) closeOldest();
    }

    private void reportStray() {
        if (strayClosed == 0) return;
        int n = strayClosed;
        strayClosed = 0;
        listener.error(new MessageFormatException(MessageFormatException.Kind.STRAY_FDS,
                n + " passed fd(s) arrived that no handle message took", n, null));
    }

    /**
     * The channel reached end of stream. A partial last line is reported as
     * {@link MessageFormatException.Kind#TRUNCATED}; every fd still queued is closed and reported.
     */
    public void end() {
        boolean wasDiscarding = discarding;
        discarding = false;
        int n = partialLen;
        partialLen = 0;
        closeStray(Long.MAX_VALUE);
        if (n > 0 && !wasDiscarding) {
            int closed = strayClosed;
            strayClosed = 0;
            listener.error(new MessageFormatException(MessageFormatException.Kind.TRUNCATED,
                    "the IPC channel ended in the middle of a message (" + n + " bytes without a line feed)",
                    closed, null));
        }
        reportStray();
    }

    /** Drops the line in progress and closes every queued fd, without reports: the reader gave up on the channel. */
    public void close() {
        discarding = false;
        partialLen = 0;
        partial = new byte[0];
        closeStray(Long.MAX_VALUE);
        strayClosed = 0;
    }

    /** Fds waiting for a handle message (for tests and diagnostics). */
    int queuedFds() {
        return fds.size();
    }

    /** Bytes of the line in progress (for tests and diagnostics). */
    int buffered() {
        return partialLen;
    }

    private void append(byte[] b, int off, int len) {
        if (len == 0 || discarding) return;
        if ((long) partialLen + len > maxLineBytes) {
            tooLong(b, off, len);
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

    /** The line in progress plus {@code b[off, off+len)} crosses the bound: report it and skip the rest. */
    private void tooLong(byte[] b, int off, int len) {
        long seen = (long) partialLen + len;
        byte[] head = Arrays.copyOf(partial, (int) Math.min(seen, HANDLE_SCAN));
        if (partialLen < head.length) System.arraycopy(b, off, head, partialLen, head.length - partialLen);
        discarding = true;
        partialLen = 0;
        partial = new byte[256];
        boolean handle = looksLikeHandle(head, head.length);
        Fd lost = handle ? take() : null;
        if (lost != null) lost.close();
        listener.error(new MessageFormatException(MessageFormatException.Kind.LINE_TOO_LONG,
                "IPC message longer than the limit of " + maxLineBytes + " bytes (" + seen
                        + " bytes so far without a line feed); skipping it", lost != null ? 1 : 0, null, handle));
    }

    private void completeLine() {
        try {
            if (discarding) {
                discarding = false;
                return;
            }
            int len = partialLen;
            partialLen = 0;
            if (len > BIG_LINE || partial.length > BIG_LINE) {
                // Hand the buffer over instead of copying it (a big buffer is not kept for the next line anyway),
                // and after a big line, size the next one for a line like it.
                byte[] line = partial;
                partial = new byte[256];
                if (len > BIG_LINE) lastBigLine = len;
                listener.line(line, len, handleFds);
            } else {
                listener.line(Arrays.copyOf(partial, len), len, handleFds);
            }
        } finally {
            lineGeneration = generation; // the next line starts in this chunk, or is set when its chunk comes
        }
    }
}
