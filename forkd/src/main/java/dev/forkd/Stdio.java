package dev.forkd;

import java.nio.channels.NetworkChannel;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.util.Objects;
import java.util.Set;

/**
 * What one of the child's file descriptors is connected to: Node's {@code stdio} array entries.
 *
 * <ul>
 *   <li>{@link #pipe()}: a pipe to the parent. fd 0 is written by the parent ({@link ChildProcess#stdin()}),
 *       fds 1 and 2 are read by it; fds 3 and up are duplex AF_UNIX sockets, as in Node.</li>
 *   <li>{@link #inherit()}: the parent's own fd with the same number (fds 0-2; from fd 3 on it acts as
 *       {@link #ignore()}, as Node's documentation says).</li>
 *   <li>{@link #ignore()}: {@code /dev/null}.</li>
 *   <li>{@link #ipc()}: the IPC channel (at most one per child; not allowed in the sync variants);
 *       {@link #ipc(long)} with a message size limit other than the default.</li>
 *   <li>{@link #fd(int)}: a duplicate of the parent's fd {@code n}.</li>
 *   <li>{@link #socket(NetworkChannel)}: a socket of the parent's, shared with the child (a listening server for
 *       socket activation, a connected socket, a datagram socket).</li>
 *   <li>{@link #file(Path, OpenOption...)}: a file the parent opens for the child (default: read for fd 0,
 *       write/create/truncate for the others).</li>
 * </ul>
 */
public sealed interface Stdio {
    record Pipe() implements Stdio {}

    record Inherit() implements Stdio {}

    record Ignore() implements Stdio {}

    /**
     * The IPC channel.
     *
     * @param maxMessageBytes the channel's {@link dev.forkd.ipc.Channel#maxMessageBytes()}, from 1 to
     *                        {@link dev.forkd.ipc.Channel#MAX_MESSAGE_BYTES_LIMIT}
     */
    record Ipc(long maxMessageBytes) implements Stdio {
        public Ipc {
            if (maxMessageBytes < 1 || maxMessageBytes > dev.forkd.ipc.Channel.MAX_MESSAGE_BYTES_LIMIT) {
                throw new IllegalArgumentException("maxMessageBytes must be from 1 to "
                        + dev.forkd.ipc.Channel.MAX_MESSAGE_BYTES_LIMIT + ": " + maxMessageBytes);
            }
        }

        /** The channel with the default limit, {@link dev.forkd.ipc.Channel#DEFAULT_MAX_MESSAGE_BYTES}. */
        public Ipc() {
            this(dev.forkd.ipc.Channel.DEFAULT_MAX_MESSAGE_BYTES);
        }
    }

    record Fd(int fd) implements Stdio {
        public Fd {
            if (fd < 0) throw new IllegalArgumentException("negative fd " + fd);
        }
    }

    record File(Path path, Set<OpenOption> options) implements Stdio {
        public File {
            Objects.requireNonNull(path, "path");
            options = Set.copyOf(options);
        }
    }

    static Stdio pipe() {
        return new Pipe();
    }

    static Stdio inherit() {
        return new Inherit();
    }

    static Stdio ignore() {
        return new Ignore();
    }

    static Stdio ipc() {
        return new Ipc();
    }

    /**
     * A socket of the parent's, shared with the child at this fd: how a listening server reaches a program
     * that speaks systemd socket activation ({@code LISTEN_FDS}, fd 3 on), or a connection reaches a child
     * that serves it. Node's {@code stdio: [..., server]}. The parent's channel stays open and the parent's
     * own; keep it open until the spawn has returned.
     *
     * @param channel a channel of the JDK's socket implementation ({@code ServerSocketChannel},
     *                {@code SocketChannel}, {@code DatagramChannel})
     */
    record Socket(NetworkChannel channel) implements Stdio {
        public Socket {
            Objects.requireNonNull(channel, "channel");
        }
    }

    /** See {@link Socket}. */
    static Stdio socket(NetworkChannel channel) {
        return new Socket(channel);
    }

    /**
     * The IPC channel, sending and accepting messages of up to {@code maxMessageBytes} bytes of JSON (see
     * {@link dev.forkd.ipc.Channel#maxMessageBytes()}). When that is not the default, the child gets
     * {@code FORKD_IPC_MAX_MESSAGE_BYTES=<n>} in its environment, from which a forkd child's
     * {@link dev.forkd.ipc.Channel#parent()} takes the same limit.
     *
     * @throws IllegalArgumentException unless 1 ≤ {@code maxMessageBytes} ≤
     *                                  {@link dev.forkd.ipc.Channel#MAX_MESSAGE_BYTES_LIMIT}
     */
    static Stdio ipc(long maxMessageBytes) {
        return new Ipc(maxMessageBytes);
    }

    static Stdio fd(int fd) {
        return new Fd(fd);
    }

    static Stdio file(Path path, OpenOption... options) {
        return new File(path, Set.of(options));
    }
}
