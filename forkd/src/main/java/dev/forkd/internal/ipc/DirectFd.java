package dev.forkd.internal.ipc;

import java.io.FileDescriptor;
import java.io.IOException;

/**
 * JDK {@code FileDescriptor}s for raw fd numbers, by direct calls into {@code sun.nio.ch.IOUtil} (compiled with
 * {@code --add-exports java.base/sun.nio.ch=dev.forkd}). A direct call costs nothing at start-up, where a
 * method handle costs a fresh JVM ~5 ms and a first {@code Method.invoke} ~10 ms: this class is on the path of
 * a forked child's first message ({@link EarlyChannel}). Kept apart from {@link HandleAdoption}, whose
 * signatures load a dozen channel classes.
 *
 * <p>Without the package open to forkd at run time, every method throws {@link IllegalAccessError}.
 */
final class DirectFd {
    private DirectFd() {}

    /** A FileDescriptor for {@code fd}, registered with no cleaner: dropping it never closes the fd. */
    static FileDescriptor of(int fd) {
        return sun.nio.ch.IOUtil.newFD(fd);
    }

    /** {@link #of}, with the fd switched to blocking mode. */
    static FileDescriptor blocking(int fd) throws IOException {
        FileDescriptor jfd = of(fd);
        sun.nio.ch.IOUtil.configureBlocking(jfd, true);
        return jfd;
    }
}
