package dev.forkd;

import dev.forkd.internal.ipc.HandleAdoption;
import dev.forkd.internal.posix.Posix;
import java.io.IOException;
import java.nio.channels.SelectableChannel;
import java.nio.channels.ServerSocketChannel;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * The sockets this process was started with by systemd's socket activation, or by anything that speaks its
 * protocol ({@code systemd-socket-activate}, forkd's cluster mode): {@code sd_listen_fds(3)} for the JVM.
 * They are fds 3 and up, {@code LISTEN_FDS} of them, named by {@code LISTEN_FDNAMES}, and meant for this
 * process only if {@code LISTEN_PID} is its pid (a child that inherited the variables gets none).
 *
 * {@snippet :
 * ServerSocketChannel listener = SocketActivation.server().orElseGet(() -> bindMyOwn());
 * }
 *
 * <p>Each socket is adopted once, as the JDK channel of its kind (a listening stream socket is a
 * {@link ServerSocketChannel}, a connected one a {@code SocketChannel}, a datagram socket a
 * {@code DatagramChannel}), made close-on-exec, and then owned by the caller: closing it closes the fd.
 * Needs {@code --add-opens java.base/sun.nio.ch=ALL-UNNAMED}, as every fd adoption in forkd does.
 */
public final class SocketActivation {
    /** The first inherited fd, systemd's SD_LISTEN_FDS_START. */
    public static final int FIRST_FD = 3;

    /**
     * One inherited socket.
     *
     * @param name    its name from {@code LISTEN_FDNAMES} ({@code "unknown"} without one, as systemd says)
     * @param fd      its fd number
     * @param channel the JDK channel it was adopted as
     */
    public record Listener(String name, int fd, SelectableChannel channel) {
        public Listener {
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(channel, "channel");
        }
    }

    private static List<Listener> adopted; // guarded by SocketActivation.class

    private SocketActivation() {}

    /**
     * The inherited sockets, in fd order; empty when this process was not socket-activated. Adopted on the
     * first call; later calls return the same list.
     *
     * @throws IOException if an announced fd is not a socket this JVM can adopt, naming the fd
     */
    public static synchronized List<Listener> listeners() throws IOException {
        if (adopted == null) adopted = adopt(System.getenv(), ProcessHandle.current().pid());
        return adopted;
    }

    /** The first inherited listening socket, or empty. */
    public static Optional<ServerSocketChannel> server() throws IOException {
        for (Listener l : listeners()) if (l.channel() instanceof ServerSocketChannel s) return Optional.of(s);
        return Optional.empty();
    }

    /** The inherited listening socket named {@code name}, or empty. */
    public static Optional<ServerSocketChannel> server(String name) throws IOException {
        for (Listener l : listeners()) {
            if (l.name().equals(name) && l.channel() instanceof ServerSocketChannel s) return Optional.of(s);
        }
        return Optional.empty();
    }

    static List<Listener> adopt(Map<String, String> env, long self) throws IOException {
        String pid = env.get("LISTEN_PID");
        String fds = env.get("LISTEN_FDS");
        if (pid == null || fds == null || !pid.trim().equals(Long.toString(self))) return List.of();
        int n;
        try {
            n = Integer.parseInt(fds.trim());
        } catch (NumberFormatException e) {
            throw new IOException("LISTEN_FDS=" + fds + " is not a number of sockets");
        }
        String[] names = env.getOrDefault("LISTEN_FDNAMES", "").isEmpty() ? new String[0]
                : env.get("LISTEN_FDNAMES").split(":", -1);
        List<Listener> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            int fd = FIRST_FD + i;
            try {
                Posix.setCloexec(fd, "LISTEN_FDS fd " + fd);
                out.add(new Listener(i < names.length ? names[i] : "unknown", fd, HandleAdoption.adopt(fd)));
            } catch (IllegalArgumentException e) {
                throw new IOException("LISTEN_FDS fd " + fd + ": " + e.getMessage(), e);
            }
        }
        return List.copyOf(out);
    }
}
