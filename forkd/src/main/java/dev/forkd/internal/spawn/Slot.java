package dev.forkd.internal.spawn;

/** One child fd after normalisation by {@link StdioPlan}: what the spawner must put there. */
public sealed interface Slot {
    /** A pipe the parent writes (child fd 0). */
    record ParentWrites() implements Slot {}

    /** A pipe the parent reads (child fds 1, 2). */
    record ParentReads() implements Slot {}

    /** An AF_UNIX socketpair both sides use (child fds 3 and up). */
    record Duplex() implements Slot {}

    /** {@code /dev/null}. */
    record Null() implements Slot {}

    /** A duplicate of the parent's fd. */
    record Dup(int parentFd) implements Slot {}

    /** A file the parent opens with these open(2) flags. */
    record OpenFile(String path, int flags) implements Slot {}

    /** The IPC channel, with its limit on one message (bytes of JSON). */
    record Ipc(long maxMessageBytes) implements Slot {}
}
