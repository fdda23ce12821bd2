package dev.forkd.internal.posix;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The single downcall shape (every argument a long, the result a long) against what the C declarations say:
 * int results with their sign, short and int arguments, pointers in and out, errno, and the variadic
 * functions that go through syscall(2).
 */
class NativeShapeTest {
    @Test
    void intResultsKeepTheirSignAndErrnoIsCaptured() {
        assertThat(LibC.close(-1)).isEqualTo(-1);
        assertThat(LibC.errno()).isEqualTo(Errno.EBADF);
        assertThat(LibC.fcntl(-1, LibC.F_GETFD, 0)).isEqualTo(-1);
        assertThat(LibC.errno()).isEqualTo(Errno.EBADF);
    }

    @Test
    void pointersGoInAndComeBack() throws Exception {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment fds = arena.allocate(ValueLayout.JAVA_INT, 2);
            assertThat(LibC.pipe2(fds, LibC.O_CLOEXEC)).isZero();
            int r = fds.getAtIndex(ValueLayout.JAVA_INT, 0), w = fds.getAtIndex(ValueLayout.JAVA_INT, 1);
            try {
                MemorySegment msg = arena.allocateFrom("hello", StandardCharsets.UTF_8);
                assertThat(LibC.write(w, msg, 5)).isEqualTo(5);
                MemorySegment buf = arena.allocate(16);
                assertThat(LibC.read(r, buf, 16)).isEqualTo(5);
                assertThat(buf.getString(0, StandardCharsets.UTF_8)).isEqualTo("hello");
                // fcntl through syscall(2): flags in, flags out
                assertThat(LibC.fcntl(r, LibC.F_GETFD, 0) & LibC.FD_CLOEXEC).isEqualTo(LibC.FD_CLOEXEC);
                int fl = LibC.fcntl(r, LibC.F_GETFL, 0);
                assertThat(LibC.fcntl(r, LibC.F_SETFL, fl | LibC.O_NONBLOCK)).isZero();
                assertThat(LibC.read(r, buf, 16)).isEqualTo(-1);
                assertThat(LibC.errno()).isEqualTo(Errno.EAGAIN);
            } finally {
                LibC.close(r);
                LibC.close(w);
            }
        }
    }

    @Test
    void openGoesThroughOpenat(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("made");
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment path = arena.allocateFrom(file.toString(), StandardCharsets.UTF_8);
            int fd = LibC.open(path, LibC.O_WRONLY | LibC.O_CREAT | LibC.O_EXCL | LibC.O_CLOEXEC, 0640);
            assertThat(fd).isGreaterThanOrEqualTo(0);
            LibC.close(fd);
            assertThat(Files.getPosixFilePermissions(file)).hasToString("[OWNER_READ, OWNER_WRITE, GROUP_READ]");
            assertThat(LibC.open(path, LibC.O_WRONLY | LibC.O_CREAT | LibC.O_EXCL | LibC.O_CLOEXEC, 0640)).isEqualTo(-1);
            assertThat(LibC.errno()).isEqualTo(Errno.EEXIST);
        }
    }

    @Test
    void aShortArgumentArrives() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment attr = arena.allocate(LibC.SIZEOF_SPAWNATTR, 8);
            assertThat(LibC.posix_spawnattr_init(attr)).isZero();
            short flags = (short) (LibC.POSIX_SPAWN_SETSIGMASK | LibC.POSIX_SPAWN_SETSID);
            assertThat(LibC.posix_spawnattr_setflags(attr, flags)).isZero();
            // glibc keeps the flags as the struct's first short
            assertThat(attr.get(ValueLayout.JAVA_SHORT, 0)).isEqualTo(flags);
            assertThat(LibC.posix_spawnattr_setflags(attr, (short) 0x4000)).isEqualTo(Errno.EINVAL);
            LibC.posix_spawnattr_destroy(attr);
        }
    }

    @Test
    void aHeapSegmentIsRefusedNotPassedAsGarbage() {
        MemorySegment heap = MemorySegment.ofArray(new byte[8]);
        assertThatThrownBy(() -> LibC.write(1, heap, 8)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("heap");
    }
}
