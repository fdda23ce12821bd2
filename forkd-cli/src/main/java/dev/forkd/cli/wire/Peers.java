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

    /** The peer's user name, for the refusal message. */
    public static String peerUser(SocketChannel c) {
        try {
            return c.getOption(ExtendedSocketOptions.SO_PEERCRED).user().getName();
        } catch (IOException | RuntimeException e) {
            return "?";
        }
    }
}
