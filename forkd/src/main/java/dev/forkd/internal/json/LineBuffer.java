package dev.forkd.internal.json;

import java.util.Arrays;

/**
 * A growable byte buffer that {@link JsonCodec#encodePlain} writes one framed line into, as UTF-8: no
 * StringBuilder, no String, no copy until the caller takes the bytes. Not thread-safe; a sender keeps one per
 * thread ({@link #claim} guards against an encoder that calls user code which sends on the same thread).
 */
public final class LineBuffer {
    byte[] buf;
    int len;
    private boolean inUse;

    public LineBuffer(int capacity) {
        buf = new byte[capacity];
    }

    /** The buffer: the line is its first {@link #length()} bytes. */
    public byte[] bytes() {
        return buf;
    }

    public int length() {
        return len;
    }

    public void reset() {
        len = 0;
    }

    /** Marks this buffer as in use; false when it already was (use another one). */
    public boolean claim() {
        if (inUse) return false;
        inUse = true;
        return true;
    }

    public void release() {
        inUse = false;
    }

    void ensure(int more) {
        if (len + more > buf.length) {
            buf = Arrays.copyOf(buf, Math.max(buf.length * 2, len + more));
        }
    }

    void ascii(char c) {
        ensure(1);
        buf[len++] = (byte) c;
    }

    void ascii(String s) {
        int n = s.length();
        ensure(n);
        for (int i = 0; i < n; i++) buf[len + i] = (byte) s.charAt(i);
        len += n;
    }

    /** A long in decimal, as {@code Long.toString} writes it, without the String. */
    void decimal(long v) {
        if (v == Long.MIN_VALUE) {
            ascii("-9223372036854775808");
            return;
        }
        ensure(20);
        if (v < 0) {
            buf[len++] = '-';
            v = -v;
        }
        int digits = 1;
        for (long t = v; t >= 10; t /= 10) digits++;
        int end = len + digits;
        for (int i = end - 1; i >= len; i--) {
            buf[i] = (byte) ('0' + (v % 10));
            v /= 10;
        }
        len = end;
    }
}
