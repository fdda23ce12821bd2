package dev.forkd.internal.ipc;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

import dev.forkd.internal.posix.PosixException;
import dev.forkd.internal.posix.Sockets;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.UnixDomainSocketAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;

/** What a raw socket fd is: its family, type, whether it listens, and its addresses (decoded sockaddrs). */
final class SocketInfo {
    private SocketInfo() {}

    /** {@code SO_DOMAIN}: {@link Sockets#AF_INET}, {@link Sockets#AF_INET6}, {@link Sockets#AF_UNIX}, … */
    public static int family(int fd) throws PosixException {
        return intOption(fd, Sockets.SO_DOMAIN, "SO_DOMAIN");
    }

    /** {@code SO_TYPE}: {@link Sockets#SOCK_STREAM}, {@link Sockets#SOCK_DGRAM}, … */
    public static int type(int fd) throws PosixException {
        return intOption(fd, Sockets.SO_TYPE, "SO_TYPE");
    }

    /** {@code SO_ACCEPTCONN}: true for a socket on which listen(2) was called. */
    public static boolean listening(int fd) throws PosixException {
        return intOption(fd, Sockets.SO_ACCEPTCONN, "SO_ACCEPTCONN") != 0;
    }

    /** getsockname(2), decoded. */
    public static SocketAddress localAddress(int fd) throws PosixException {
        return address(fd, false);
    }

    /** getpeername(2), decoded. @throws PosixException ENOTCONN for an unconnected socket */
    public static SocketAddress remoteAddress(int fd) throws PosixException {
        return address(fd, true);
    }

    private static int intOption(int fd, int name, String label) throws PosixException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment value = arena.allocate(JAVA_INT);
            MemorySegment len = arena.allocate(JAVA_INT);
            len.set(JAVA_INT, 0, 4);
            if (Sockets.getsockopt(fd, Sockets.SOL_SOCKET, name, value, len) != 0) {
                throw new PosixException("getsockopt(" + label + ")", Sockets.errno(), "fd " + fd);
            }
            return value.get(JAVA_INT, 0);
        }
    }

    private static SocketAddress address(int fd, boolean peer) throws PosixException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment sa = arena.allocate(Sockets.SIZEOF_SOCKADDR_STORAGE, 8);
            MemorySegment len = arena.allocate(JAVA_INT);
            len.set(JAVA_INT, 0, (int) Sockets.SIZEOF_SOCKADDR_STORAGE);
            int rc = peer ? Sockets.getpeername(fd, sa, len) : Sockets.getsockname(fd, sa, len);
            if (rc != 0) throw new PosixException(peer ? "getpeername" : "getsockname", Sockets.errno(), "fd " + fd);
            return decode(sa, len.get(JAVA_INT, 0));
        }
    }

    /** A sockaddr of {@code len} bytes as a Java address. */
    static SocketAddress decode(MemorySegment sa, int len) {
        int family = Short.toUnsignedInt(sa.get(JAVA_SHORT, 0));
        try {
            return switch (family) {
                case Sockets.AF_INET -> new InetSocketAddress(
                        InetAddress.getByAddress(sa.asSlice(Sockets.SIN_ADDR, 4).toArray(JAVA_BYTE)), port(sa));
                case Sockets.AF_INET6 -> {
                    byte[] addr = sa.asSlice(Sockets.SIN6_ADDR, 16).toArray(JAVA_BYTE);
                    int scope = sa.get(JAVA_INT, Sockets.SIN6_SCOPE_ID);
                    // Like the JDK: no "%0" suffix without a scope, and ::ffff:a.b.c.d becomes an Inet4Address.
                    InetAddress ia = scope == 0 ? InetAddress.getByAddress(addr)
                            : Inet6Address.getByAddress(null, addr, scope);
                    yield new InetSocketAddress(ia, port(sa));
                }
                case Sockets.AF_UNIX -> UnixDomainSocketAddress.of(unixPath(sa, len));
                default -> throw new IllegalArgumentException("unsupported address family " + family);
            };
        } catch (UnknownHostException e) {
            throw new IllegalStateException("impossible: raw address of fixed length", e);
        }
    }

    /** Ports are big-endian in a sockaddr; JAVA_SHORT reads native order, hence the explicit assembly. */
    private static int port(MemorySegment sa) {
        return (Byte.toUnsignedInt(sa.get(JAVA_BYTE, 2)) << 8) | Byte.toUnsignedInt(sa.get(JAVA_BYTE, 3));
    }

    private static String unixPath(MemorySegment sa, int len) {
        int max = Math.max(0, len - (int) Sockets.SUN_PATH);
        byte[] raw = sa.asSlice(Sockets.SUN_PATH, max).toArray(JAVA_BYTE);
        if (raw.length > 0 && raw[0] == 0) {
            // An abstract address (leading NUL) has no path; an unnamed socket has len == 2.
            return "";
        }
        int n = 0;
        while (n < raw.length && raw[n] != 0) n++;
        return new String(raw, 0, n, StandardCharsets.UTF_8);
    }
}
