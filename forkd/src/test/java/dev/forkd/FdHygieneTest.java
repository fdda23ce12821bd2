package dev.forkd;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.FileInputStream;
import java.io.RandomAccessFile;
import java.net.InetSocketAddress;
import java.nio.channels.FileChannel;
import java.nio.channels.ServerSocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The child's fd table holds 0-2 plus what was mapped, never what the parent happens to have open. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class FdHygieneTest {

    /** fd numbers the child sees, minus the one {@code ls} opens to read the directory itself. */
    private static List<Integer> childFds(Command cmd) throws Exception {
        ChildProcess p = ChildProcesses.spawn(cmd);
        String out = new String(p.stdout().readAllBytes()).trim();
        assertThat(p.waitFor().success()).isTrue();
        List<Integer> fds = Arrays.stream(out.split("\\s+")).map(Integer::parseInt).sorted().toList();
        return fds.subList(0, fds.size() - 1); // ls's own directory fd is always the highest
    }

    @Test
    void childSeesOnlyItsStdioWhileTheParentHoldsFilesSocketsAndJdkChildren(@TempDir Path dir) throws Exception {
        Path file = Files.writeString(dir.resolve("f"), "x");
        Process jdkChild = new ProcessBuilder("sleep", "30").start(); // its three pipes are open in this JVM
        try (FileInputStream fis = new FileInputStream(file.toFile());
             RandomAccessFile raf = new RandomAccessFile(file.toFile(), "r");
             FileChannel fc = FileChannel.open(file, StandardOpenOption.READ);
             ServerSocketChannel server = ServerSocketChannel.open().bind(new InetSocketAddress("127.0.0.1", 0))) {
            assertThat(Procs.openFdCount()).isGreaterThan(10);
            assertThat(childFds(Command.of("ls", "/proc/self/fd"))).containsExactly(0, 1, 2);
            assertThat(childFds(Command.of("ls", "/proc/self/fd")
                    .stdio(Stdio.ignore(), Stdio.pipe(), Stdio.inherit(), Stdio.pipe(), Stdio.file(dir.resolve("g")))))
                    .containsExactly(0, 1, 2, 3, 4);
        } finally {
            jdkChild.destroyForcibly().waitFor();
        }
    }

    @Test
    void mappedParentFdArrivesAtItsSlot(@TempDir Path dir) throws Exception {
        Path file = Files.writeString(dir.resolve("data"), "mapped-content");
        try (FileInputStream fis = new FileInputStream(file.toFile())) {
            int fd = fdOf(fis);
            ChildProcess p = ChildProcesses.spawn(Command.of("sh", "-c", "cat <&3")
                    .stdio(Stdio.ignore(), Stdio.pipe(), Stdio.inherit(), Stdio.fd(fd)));
            assertThat(new String(p.stdout().readAllBytes())).isEqualTo("mapped-content");
        }
    }

    /** Where the child's fd points, read from the parent while the child sleeps. */
    private static String childLink(ChildProcess p, int fd) throws Exception {
        return Files.readSymbolicLink(Path.of("/proc/" + p.pid() + "/fd/" + fd)).toString();
    }

    private static String ourLink(int fd) throws Exception {
        return Files.readSymbolicLink(Path.of("/proc/self/fd/" + fd)).toString();
    }

    @Test
    void permutedMappingsDoNotClobberEachOther() throws Exception {
        // child 3 <- parent 2 and child 4 <- parent 1, while 1 and 2 are themselves targets.
        ChildProcess p = ChildProcesses.spawn(Command.of("sleep", "30")
                .stdio(Stdio.ignore(), Stdio.inherit(), Stdio.inherit(), Stdio.fd(2), Stdio.fd(1)));
        try {
            assertThat(childLink(p, 3)).isEqualTo(ourLink(2));
            assertThat(childLink(p, 4)).isEqualTo(ourLink(1));
        } finally {
            p.kill();
            p.waitFor();
        }
    }

    @Test
    void swappedLowFdsAreMappedCorrectly() throws Exception {
        // child 0 <- parent 1, child 1 <- parent 0, child 2 <- parent 2: the classic permutation case.
        ChildProcess p = ChildProcesses.spawn(Command.of("sleep", "30")
                .stdio(Stdio.fd(1), Stdio.fd(0), Stdio.fd(2)));
        try {
            assertThat(childLink(p, 0)).isEqualTo(ourLink(1));
            assertThat(childLink(p, 1)).isEqualTo(ourLink(0));
            assertThat(childLink(p, 2)).isEqualTo(ourLink(2));
        } finally {
            p.kill();
            p.waitFor();
        }
    }

    @Test
    void parentSideFdsAreCloseOnExec() throws Exception {
        ChildProcess p = ChildProcesses.spawn("sleep", "30");
        try {
            // The JDK's own ProcessBuilder child must not inherit forkd's pipe ends either.
            Process jdk = new ProcessBuilder("sh", "-c", "ls /proc/self/fd | wc -l").start();
            String count = new String(jdk.getInputStream().readAllBytes()).trim();
            assertThat(jdk.waitFor()).isZero();
            assertThat(Integer.parseInt(count)).isLessThanOrEqualTo(5); // 0-2, ls's dir fd, maybe one of sh's
            for (Path fdPath : Files.list(Path.of("/proc/self/fdinfo")).toList()) {
                String target;
                try {
                    target = Files.readSymbolicLink(Path.of("/proc/self/fd", fdPath.getFileName().toString())).toString();
                } catch (Exception gone) {
                    continue;
                }
                if (target.startsWith("pipe:") || target.contains("pidfd") || target.contains("eventpoll")
                        || target.contains("eventfd")) {
                    String info = Files.readString(fdPath);
                    long flags = Long.parseLong(info.lines().filter(l -> l.startsWith("flags:")).findFirst()
                            .orElseThrow().substring(6).trim(), 8);
                    boolean jdkPipe = !(target.contains("pidfd") || target.contains("eventpoll")
                            || target.contains("eventfd")) && (flags & 02000000) == 0;
                    if (!jdkPipe) {
                        assertThat(flags & 02000000).as("O_CLOEXEC on " + target).isNotZero();
                    }
                }
            }
        } finally {
            p.kill();
            p.waitFor();
        }
    }

    static int fdOf(FileInputStream in) throws Exception {
        java.io.FileDescriptor fd = in.getFD();
        // No public accessor: find the fd number through /proc by matching the open file.
        for (Path link : Files.list(Path.of("/proc/self/fd")).toList()) {
            try {
                if (Files.readSymbolicLink(link).toString().endsWith("/data")) {
                    return Integer.parseInt(link.getFileName().toString());
                }
            } catch (Exception ignored) {
                // raced with a close
            }
        }
        throw new AssertionError("fd of " + fd + " not found");
    }
}
