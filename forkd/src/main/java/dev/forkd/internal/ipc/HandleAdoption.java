package dev.forkd.internal.ipc;

import dev.forkd.internal.posix.PosixException;
import dev.forkd.internal.posix.Sockets;
import java.io.FileDescriptor;
import java.io.IOException;
import java.lang.reflect.Constructor;
import java.lang.reflect.InaccessibleObjectException;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.net.ProtocolFamily;
import java.net.SocketAddress;
import java.net.StandardProtocolFamily;
import java.nio.channels.Channel;
import java.nio.channels.DatagramChannel;
import java.nio.channels.SelectableChannel;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.channels.spi.SelectorProvider;

/**
 * Turns a socket fd received over the channel into an ordinary JDK channel ({@link ServerSocketChannel},
 * {@link SocketChannel}, {@link DatagramChannel}) that selectors, virtual threads, socket options and
 * servers built on NIO accept as their own — and back: the fd number behind a JDK channel, to pass it on.
 *
 * <p>There is no public JDK API for either direction, so this reaches into {@code sun.nio.ch} by reflection:
 * {@code IOUtil.newFD(int)}, the package-private constructors the JDK itself uses for
 * {@code System.inheritedChannel()} and for accepted sockets, and {@code SelChImpl.getFDVal()}. The JVM must
 * open that package: {@code --add-opens java.base/sun.nio.ch=ALL-UNNAMED}, or the manifest attribute
 * {@code Add-Opens: java.base/sun.nio.ch} for {@code java -jar}. Without it every method throws one
 * {@link IllegalStateException} that says so. Checked against JDK 25 (research/native-layer-measurements.md
 * Q5); internal API may change in any JDK release, which is why it is confined to this class.
 *
 * <p><b>Ownership.</b> On success the returned channel owns the fd: closing the channel closes it, and the
 * caller must not close the fd itself. A refusal (not a socket, or not of the requested kind; checked with
 * getsockopt before any JDK code runs) leaves the fd untouched and still the caller's. Should a JDK constructor
 * itself fail (not seen: it only calls getsockname on the already-checked socket), treat the fd as gone: the
 * datagram constructor registers a cleaner that may close it later. The fd's
 * blocking mode is left as it arrived (it is shared with the sender's copy); the JDK copes with a
 * non-blocking fd in a blocking channel by polling.
 */
public final class HandleAdoption {
    private HandleAdoption() {}

    /**
     * Throws the same clear {@link IllegalStateException} as every other method here when this JVM does not open
     * {@code sun.nio.ch} to forkd; for callers that will need it later (a cluster primary) and should fail at once.
     */
    public static void requireAccess() {
        Reflection.get();
    }

    /** A listening TCP (or AF_UNIX stream) socket as a {@link ServerSocketChannel}. */
    public static ServerSocketChannel serverSocket(int fd) throws IOException {
        Reflection r = Reflection.get();
        int family = SocketInfo.family(fd);
        requireType(fd, Sockets.SOCK_STREAM, "a server socket");
        if (!SocketInfo.listening(fd)) {
            throw new IllegalArgumentException("fd " + fd + " is a stream socket that is not listening");
        }
        // The JDK picks INET6 itself for every IP family (as for System.inheritedChannel()); UNIX matters.
        return (ServerSocketChannel) r.construct(r.serverSocket, SelectorProvider.provider(),
                protocolFamily(fd, family), r.newFd(fd), true);
    }

    /** A connected TCP (or AF_UNIX stream) socket as a {@link SocketChannel}. */
    public static SocketChannel socket(int fd) throws IOException {
        Reflection r = Reflection.get();
        int family = SocketInfo.family(fd);
        requireType(fd, Sockets.SOCK_STREAM, "a connected socket");
        if (SocketInfo.listening(fd)) {
            throw new IllegalArgumentException("fd " + fd + " is a listening socket, not a connection");
        }
        SocketAddress remote = SocketInfo.remoteAddress(fd); // ENOTCONN for an unconnected socket
        return (SocketChannel) r.construct(r.socket, SelectorProvider.provider(),
                protocolFamily(fd, family), r.newFd(fd), remote);
    }

    /**
     * A UDP socket as a {@link DatagramChannel}.
     *
     * <p>The JDK constructor (the one {@code System.inheritedChannel()} uses) assumes INET6 whenever the host
     * has IPv6, even for an AF_INET socket; {@code receive} and {@code send} to an IPv4 peer were verified to
     * work regardless (HandleAdoptionTest). IPv4 multicast options on such a channel are untested.
     */
    public static DatagramChannel datagram(int fd) throws IOException {
        Reflection r = Reflection.get();
        int family = SocketInfo.family(fd);
        requireType(fd, Sockets.SOCK_DGRAM, "a datagram socket");
        if (family != Sockets.AF_INET && family != Sockets.AF_INET6) {
            throw new IllegalArgumentException("fd " + fd + " is not a UDP socket (address family " + family + ")");
        }
        return (DatagramChannel) r.construct(r.datagram, SelectorProvider.provider(), r.newFd(fd));
    }

    /** Whichever of the three the fd is: listening stream → server, other stream → socket, datagram. */
    public static SelectableChannel adopt(int fd) throws IOException {
        int type = SocketInfo.type(fd);
        if (type == Sockets.SOCK_DGRAM) return datagram(fd);
        if (type == Sockets.SOCK_STREAM) return SocketInfo.listening(fd) ? serverSocket(fd) : socket(fd);
        throw new IllegalArgumentException("fd " + fd + " is a socket of unsupported type " + type);
    }

    /**
     * The fd number behind a JDK socket channel, for passing it to another process. The channel keeps owning
     * it; the number is valid only while the channel is open.
     *
     * @throws IllegalArgumentException for a channel the JDK's socket implementation did not create
     */
    public static int fdOf(Channel channel) {
        Reflection r = Reflection.get();
        if (!r.selChImpl.isInstance(channel)) {
            throw new IllegalArgumentException("not a JDK socket channel: " + channel.getClass().getName());
        }
        try {
            return (int) r.fdVal.invoke(channel);
        } catch (IllegalAccessException | InvocationTargetException e) {
            throw new IllegalStateException("sun.nio.ch.SelChImpl.getFDVal failed", e);
        }
    }

    /** Throws the actionable {@link IllegalStateException} now if adoption cannot work in this JVM. */
    public static void checkAvailable() {
        Reflection.get();
    }

    private static void requireType(int fd, int expected, String what) throws PosixException {
        int type = SocketInfo.type(fd);
        if (type != expected) {
            throw new IllegalArgumentException("fd " + fd + " cannot be adopted as " + what + ": socket type " + type);
        }
    }

    private static ProtocolFamily protocolFamily(int fd, int family) {
        return switch (family) {
            case Sockets.AF_INET -> StandardProtocolFamily.INET;
            case Sockets.AF_INET6 -> StandardProtocolFamily.INET6;
            case Sockets.AF_UNIX -> StandardProtocolFamily.UNIX;
            default -> throw new IllegalArgumentException("fd " + fd + " has unsupported address family " + family);
        };
    }

    /** The reflective handles, looked up once; or the one actionable error if the package is closed. */
    private static final class Reflection {
        final Constructor<?> serverSocket;
        final Constructor<?> socket;
        final Constructor<?> datagram;
        final Class<?> selChImpl;
        final Method fdVal;

        private static final Object INSTANCE = load();

        private Reflection() throws ReflectiveOperationException {
            serverSocket = accessible(Class.forName("sun.nio.ch.ServerSocketChannelImpl").getDeclaredConstructor(
                    SelectorProvider.class, ProtocolFamily.class, FileDescriptor.class, boolean.class));
            socket = accessible(Class.forName("sun.nio.ch.SocketChannelImpl").getDeclaredConstructor(
                    SelectorProvider.class, ProtocolFamily.class, FileDescriptor.class, SocketAddress.class));
            datagram = accessible(Class.forName("sun.nio.ch.DatagramChannelImpl").getDeclaredConstructor(
                    SelectorProvider.class, FileDescriptor.class));
            selChImpl = Class.forName("sun.nio.ch.SelChImpl");
            fdVal = accessible(selChImpl.getMethod("getFDVal"));
        }

        private static Object load() {
            try {
                return new Reflection();
            } catch (InaccessibleObjectException e) {
                return new IllegalStateException(missingFlagMessage(), e);
            } catch (ReflectiveOperationException | RuntimeException e) {
                return internalsMissing(e);
            }
        }

        static Reflection get() {
            return loaded(INSTANCE, Reflection.class);
        }

        private static <T extends java.lang.reflect.AccessibleObject> T accessible(T member) {
            member.setAccessible(true);
            return member;
        }

        FileDescriptor newFd(int fd) {
            return DirectFd.of(fd); // the lookups above have shown that sun.nio.ch is open to forkd
        }

        Object construct(Constructor<?> c, Object... args) throws IOException {
            try {
                return c.newInstance(args);
            } catch (InvocationTargetException e) {
                if (e.getCause() instanceof IOException io) throw io;
                if (e.getCause() instanceof RuntimeException re) throw re;
                throw new IllegalStateException(c.getDeclaringClass().getName() + " constructor failed", e.getCause());
            } catch (InstantiationException | IllegalAccessException e) {
                throw new IllegalStateException(c.getDeclaringClass().getName() + " constructor failed", e);
            }
        }
    }

    /** The looked-up instance, or a fresh copy of the load error, so that each has the caller's stack trace. */
    private static <T> T loaded(Object instance, Class<T> type) {
        if (type.isInstance(instance)) return type.cast(instance);
        IllegalStateException cause = (IllegalStateException) instance;
        throw new IllegalStateException(cause.getMessage(), cause.getCause());
    }

    private static IllegalStateException internalsMissing(Exception e) {
        return new IllegalStateException("forkd cannot adopt passed sockets on this JDK (" + Runtime.version()
                + "): sun.nio.ch does not have the internals forkd needs: " + e, e);
    }

    private static String missingFlagMessage() {
        Module self = HandleAdoption.class.getModule();
        String target = self.isNamed() ? self.getName() : "ALL-UNNAMED";
        return "forkd needs access to the JDK's socket internals to send or receive sockets over IPC: start the JVM with "
                + "--add-opens java.base/sun.nio.ch=" + target
                + " (for java -jar, put 'Add-Opens: java.base/sun.nio.ch' in the jar's manifest instead)";
    }
}
