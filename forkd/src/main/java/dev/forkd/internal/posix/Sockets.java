package dev.forkd.internal.posix;

import static dev.forkd.internal.posix.Native.addr;
import static dev.forkd.internal.posix.Native.call;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.ref.Reference.reachabilityFence;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * Socket bindings for the IPC channel and the notify socket: {@code socket}, {@code bind},
 * {@code sendmsg}/{@code recvmsg} with SCM_RIGHTS and SCM_CREDENTIALS, socket inspection ({@code getsockname},
 * {@code getpeername}, {@code getsockopt}) and {@code shutdown}. Same rules as
 * {@link LibC}: {@link Native}'s one downcall shape, function addresses looked up lazily, errno captured by
 * every call and read with {@link #errno()}.
 *
 * <p>Struct offsets are for LP64 Linux (x86_64 and aarch64 agree), measured with offsetof() on glibc 2.36.
 */
public final class Sockets {
    private Sockets() {}

    // ---- constants ----
    public static final int AF_UNIX = 1, AF_INET = 2, AF_INET6 = 10;
    public static final int SOCK_STREAM = 1, SOCK_DGRAM = 2;
    public static final int SOCK_NONBLOCK = 0x800, SOCK_CLOEXEC = 0x80000;
    public static final int SOL_SOCKET = 1, SCM_RIGHTS = 1, SCM_CREDENTIALS = 2;
    public static final int SO_TYPE = 3, SO_SNDBUF = 7, SO_PASSCRED = 16, SO_ACCEPTCONN = 30, SO_DOMAIN = 39;
    /** MSG_TRUNC: in recvmsg's flags, return a datagram's real length; in msg_flags, the datagram was cut. */
    public static final int MSG_CTRUNC = 0x8, MSG_TRUNC = 0x20, MSG_DONTWAIT = 0x40, MSG_NOSIGNAL = 0x4000,
            MSG_CMSG_CLOEXEC = 0x40000000;
    /** The most fds one SCM_RIGHTS message can carry (the kernel's SCM_MAX_FD). */
    public static final int SCM_MAX_FD = 253;
    public static final int SHUT_RD = 0, SHUT_WR = 1, SHUT_RDWR = 2;

    // ---- struct msghdr (56 bytes) ----
    public static final long SIZEOF_MSGHDR = 56;
    public static final long MSG_NAME = 0, MSG_NAMELEN = 8, MSG_IOV = 16, MSG_IOVLEN = 24, MSG_CONTROL = 32,
            MSG_CONTROLLEN = 40, MSG_FLAGS = 48;

    // ---- struct iovec (16 bytes) ----
    public static final long SIZEOF_IOVEC = 16;
    public static final long IOV_BASE = 0, IOV_LEN = 8;

    // ---- struct cmsghdr: header 16 bytes, data 8-aligned after it ----
    public static final long SIZEOF_CMSGHDR = 16;
    /** cmsg_len is a size_t, not an int: writing it as an int leaves garbage in the high half. */
    public static final long CMSG_LEN_OFFSET = 0, CMSG_LEVEL = 8, CMSG_TYPE = 12, CMSG_DATA = 16;

    /** sockaddr_storage: big enough for any address the kernel returns. */
    public static final long SIZEOF_SOCKADDR_STORAGE = 128;
    /** sockaddr_in: family u16 @0, port u16 big-endian @2, address 4 bytes @4. */
    public static final long SIN_PORT = 2, SIN_ADDR = 4;
    /** sockaddr_in6: family @0, port big-endian @2, flowinfo @4, address 16 bytes @8, scope id @24. */
    public static final long SIN6_PORT = 2, SIN6_ADDR = 8, SIN6_SCOPE_ID = 24;
    /** sockaddr_un: family @0, path (up to 108 bytes, NUL-terminated unless full) @2; 110 bytes in all. */
    public static final long SUN_PATH = 2, SIZEOF_SUN_PATH = 108, SIZEOF_SOCKADDR_UN = 110;

    /** struct ucred (SCM_CREDENTIALS data, 12 bytes): pid @0, uid @4, gid @8, all 32-bit. */
    public static final long SIZEOF_UCRED = 12, UCRED_PID = 0, UCRED_UID = 4, UCRED_GID = 8;

    /** {@code CMSG_ALIGN(len)}: rounds up to a multiple of sizeof(size_t). */
    public static long cmsgAlign(long len) {
        return (len + 7) & ~7L;
    }

    /** {@code CMSG_SPACE(len)}: bytes a control message with {@code len} data bytes occupies. 24 for one fd. */
    public static long cmsgSpace(long len) {
        return SIZEOF_CMSGHDR + cmsgAlign(len);
    }

    /** {@code CMSG_LEN(len)}: the value of cmsg_len for {@code len} data bytes. 20 for one fd. */
    public static long cmsgLen(long len) {
        return SIZEOF_CMSGHDR + len;
    }

    public static int errno() {
        return Native.errno();
    }

    // ---- creating and naming (errno) ----

    private static final class Create {
        static final MemorySegment SOCKET = Native.symbol("socket");
        static final MemorySegment BIND = Native.symbol("bind");
    }

    /** socket(2): the new fd, or -1 with errno. Pass {@link #SOCK_CLOEXEC} in {@code type}, always. */
    public static int socket(int domain, int type, int protocol) {
        return (int) call(Create.SOCKET, domain, type, protocol);
    }

    /**
     * bind(2): 0, or -1 with errno. For AF_UNIX, {@code addrlen} decides what the name is: an abstract name
     * has no terminating NUL and the kernel counts every byte up to {@code addrlen}; {@code addrlen} equal to
     * the family field's size alone (2) asks the kernel to choose an abstract name ("autobind").
     */
    public static int bind(int fd, MemorySegment addr, int addrlen) {
        try {
            return (int) call(Create.BIND, fd, addr(addr), addrlen);
        } finally {
            reachabilityFence(addr);
        }
    }

    // ---- messages (errno) ----

    private static final class Msg {
        static final MemorySegment SENDMSG = Native.symbol("sendmsg");
        static final MemorySegment RECVMSG = Native.symbol("recvmsg");
    }

    /** sendmsg(2): bytes sent, or -1 with errno. msg_name, when set, addresses an unconnected datagram. */
    public static long sendmsg(int fd, MemorySegment msghdr, int flags) {
        try {
            return call(Msg.SENDMSG, fd, addr(msghdr), flags);
        } finally {
            reachabilityFence(msghdr);
        }
    }

    /**
     * recvmsg(2): bytes received (0 at end of stream, or an empty datagram), or -1 with errno. With
     * {@link #MSG_TRUNC} in {@code flags}, a datagram socket returns the datagram's full length even when the
     * buffer held less.
     */
    public static long recvmsg(int fd, MemorySegment msghdr, int flags) {
        try {
            return call(Msg.RECVMSG, fd, addr(msghdr), flags);
        } finally {
            reachabilityFence(msghdr);
        }
    }

    // ---- inspection and options (errno) ----

    private static final class Inspect {
        static final MemorySegment GETSOCKNAME = Native.symbol("getsockname");
        static final MemorySegment GETPEERNAME = Native.symbol("getpeername");
        static final MemorySegment GETSOCKOPT = Native.symbol("getsockopt");
        static final MemorySegment SETSOCKOPT = Native.symbol("setsockopt");
        static final MemorySegment SHUTDOWN = Native.symbol("shutdown");
    }

    /** getsockname(2); {@code addrlen} points to a socklen_t (int) holding the buffer size on entry. */
    public static int getsockname(int fd, MemorySegment addr, MemorySegment addrlen) {
        try {
            return (int) call(Inspect.GETSOCKNAME, fd, addr(addr), addr(addrlen));
        } finally {
            reachabilityFence(addr);
            reachabilityFence(addrlen);
        }
    }

    /** getpeername(2); ENOTCONN for a socket with no peer. */
    public static int getpeername(int fd, MemorySegment addr, MemorySegment addrlen) {
        try {
            return (int) call(Inspect.GETPEERNAME, fd, addr(addr), addr(addrlen));
        } finally {
            reachabilityFence(addr);
            reachabilityFence(addrlen);
        }
    }

    /** getsockopt(2); used for SO_TYPE, SO_DOMAIN and SO_ACCEPTCONN, which are ints. */
    public static int getsockopt(int fd, int level, int name, MemorySegment value, MemorySegment valueLen) {
        try {
            return (int) call(Inspect.GETSOCKOPT, fd, level, name, addr(value), addr(valueLen));
        } finally {
            reachabilityFence(value);
            reachabilityFence(valueLen);
        }
    }

    /** setsockopt(2) for an int option. */
    public static int setsockopt(int fd, int level, int name, int value) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment v = arena.allocateFrom(JAVA_INT, value);
            return (int) call(Inspect.SETSOCKOPT, fd, level, name, addr(v), JAVA_INT.byteSize());
        }
    }

    /** shutdown(2) with {@link #SHUT_RD}, {@link #SHUT_WR} or {@link #SHUT_RDWR}. */
    public static int shutdown(int fd, int how) {
        return (int) call(Inspect.SHUTDOWN, fd, how);
    }
}
