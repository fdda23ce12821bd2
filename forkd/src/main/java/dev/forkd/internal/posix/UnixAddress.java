package dev.forkd.internal.posix;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * An AF_UNIX socket address as systemd ({@code NOTIFY_SOCKET}) and ss(8) write it: an absolute path, or
 * {@code @name} for Linux's abstract namespace, where {@code sun_path[0]} is NUL and the name is every byte
 * after it up to the address length (no terminating NUL, which would be part of the name).
 *
 * <p>{@link #length()} is the {@code addrlen} to pass with {@link #encode}: offsetof(sun_path) + the path + its
 * NUL, or offsetof(sun_path) + 1 + the name. Both kinds hold at most 107 bytes (UTF-8) of path or name, as
 * libsystemd requires: sun_path is 108 bytes and one goes to the NUL.
 */
public final class UnixAddress {
    /** The most bytes of a path or an abstract name. */
    public static final int MAX_NAME_BYTES = (int) Sockets.SIZEOF_SUN_PATH - 1;

    private final String text;
    /** sun_path's bytes as the kernel counts them: the path and its NUL, or a NUL and the name. */
    private final byte[] sunPath;

    private UnixAddress(String text, byte[] sunPath) {
        this.text = text;
        this.sunPath = sunPath;
    }

    /**
     * Parses {@code /path} or {@code @name}.
     *
     * @throws IllegalArgumentException naming the problem: not absolute and not {@code @}, empty name, a NUL
     *                                  byte, more than {@value #MAX_NAME_BYTES} bytes
     */
    public static UnixAddress parse(String text) {
        if (text.startsWith("@")) return ofAbstract(text.substring(1));
        if (text.startsWith("/")) return ofPath(text);
        throw new IllegalArgumentException("not an absolute path or an abstract name (@name): " + quote(text));
    }

    /** A file-system address; {@code path} must be absolute. */
    public static UnixAddress ofPath(String path) {
        if (!path.startsWith("/")) throw new IllegalArgumentException("not an absolute path: " + quote(path));
        byte[] name = bytes(path, "path");
        return new UnixAddress(path, Arrays.copyOf(name, name.length + 1));
    }

    /** An abstract address; {@code name} is without the leading {@code @}. */
    public static UnixAddress ofAbstract(String name) {
        if (name.isEmpty()) throw new IllegalArgumentException("empty abstract socket name");
        byte[] b = bytes(name, "abstract name");
        byte[] sun = new byte[b.length + 1];
        System.arraycopy(b, 0, sun, 1, b.length);
        return new UnixAddress("@" + name, sun);
    }

    private static byte[] bytes(String s, String what) {
        if (s.indexOf('\0') >= 0) throw new IllegalArgumentException(what + " contains a NUL byte: " + quote(s));
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        if (b.length > MAX_NAME_BYTES) {
            throw new IllegalArgumentException(what + " is " + b.length + " bytes, more than the " + MAX_NAME_BYTES
                    + " a unix socket address holds: " + quote(s));
        }
        return b;
    }

    /** The address getsockname(2) or recvmsg(2) returned; {@code addrlen} as the kernel set it. */
    static UnixAddress decode(MemorySegment addr, int addrlen) {
        int n = (int) Math.min(addrlen - Sockets.SUN_PATH, Sockets.SIZEOF_SUN_PATH);
        if (n <= 0) throw new IllegalArgumentException("an unnamed unix socket has no address");
        byte[] sun = addr.asSlice(Sockets.SUN_PATH, n).toArray(ValueLayout.JAVA_BYTE);
        if (sun[0] == 0) {
            return new UnixAddress("@" + new String(sun, 1, n - 1, StandardCharsets.UTF_8), sun);
        }
        int end = 0;
        while (end < n && sun[end] != 0) end++;
        return new UnixAddress(new String(sun, 0, end, StandardCharsets.UTF_8), Arrays.copyOf(sun, end + 1));
    }

    public boolean isAbstract() {
        return sunPath[0] == 0;
    }

    /** The addrlen for {@link #encode}'s struct. */
    public int length() {
        return (int) Sockets.SUN_PATH + sunPath.length;
    }

    /** A struct sockaddr_un in {@code arena}, {@link #length()} bytes of it meaningful. */
    public MemorySegment encode(Arena arena) {
        MemorySegment addr = arena.allocate(Sockets.SIZEOF_SOCKADDR_UN, 8);
        addr.set(ValueLayout.JAVA_SHORT, 0, (short) Sockets.AF_UNIX);
        MemorySegment.copy(sunPath, 0, addr, ValueLayout.JAVA_BYTE, Sockets.SUN_PATH, sunPath.length);
        return addr;
    }

    /** {@code /path} or {@code @name}: what {@code NOTIFY_SOCKET} holds. */
    @Override
    public String toString() {
        return text;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof UnixAddress a && Arrays.equals(sunPath, a.sunPath);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(sunPath);
    }

    private static String quote(String s) {
        String shown = s.length() > 120 ? s.substring(0, 120) + "..." : s;
        return '"' + shown.replace("\0", "\\0") + '"';
    }
}
