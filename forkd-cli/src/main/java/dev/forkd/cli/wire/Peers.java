package dev.forkd.cli.wire;

import java.io.IOException;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import jdk.net.ExtendedSocketOptions;
import jdk.net.UnixDomainPrincipal;

/**
 * Who may talk to forkd's sockets: only the user running it. The socket file is mode 0600 in a 0700
 * directory, and every connection's peer credentials (SO_PEERCRED) are checked too, so that a socket
 * reached some other way (a copied path, a permissive umask, a bind mount) still answers only its owner.
 */
public final class Peers {
    private static final String SELF = System.getProperty("user.name");

    private Peers() {}

    public static void restrictToOwner(Path socket) throws IOException {
        Files.setPosixFilePermissions(socket, PosixFilePermissions.fromString("rw-------"));
    }

    /** True if the peer runs as this process's user. */
    public static boolean isOwner(SocketChannel c) {
        try {
            UnixDomainPrincipal p = c.getOption(ExtendedSocketOptions.SO_PEERCRED);
            return p != null && p.user().getName().equals(SELF);
        } catch (IOException | UnsupportedOperationException e) {
            return false;
        }
    }

    /**
     * Ends a connection whose request was not read: FIN first, then what the peer sent is read and dropped
     * (at most 64 KiB, at most 2 s), so that the close does not reset the connection (which, with unread data,
     * it would) before the peer has read the answer.
     */
    public static void closeGently(SocketChannel c) {
        try {
            c.shutdownOutput();
            Thread closer = Thread.ofVirtual().start(() -> {
                try {
                    Thread.sleep(2_000);
                    c.close();
                } catch (InterruptedException | IOException ignored) {
                    // done either way
                }
            });
            java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(4096);
            for (long total = 0; total < 64 * 1024; total += b.position()) {
                b.clear();
                if (c.read(b) < 0) break;
            }
            closer.interrupt();
        } catch (IOException ignored) {
            // the peer went away or the closer closed it
        }
    }

    /** The peer's user name, for the refusal message. */
    public static String peerUser(SocketChannel c) {
        try {
            return c.getOption(ExtendedSocketOptions.SO_PEERCRED).user().getName();
        } catch (IOException | RuntimeException e) {
            return "?";
        }
    }
}
