package dev.forkd.internal.ipc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.forkd.internal.io.Fd;
import dev.forkd.internal.io.Fds;
import dev.forkd.internal.posix.LibC;
import dev.forkd.internal.posix.PosixException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class FdPassingTest {
    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static FdPassing.Received.Data recvData(int sock, MemorySegment buf) throws PosixException {
        FdPassing.Received r = FdPassing.recv(sock, buf);
        assertThat(r).isInstanceOf(FdPassing.Received.Data.class);
        return (FdPassing.Received.Data) r;
    }

    @Test
    void aPassedPipeEndArrivesAsANewCloexecFdThatWritesIntoTheSamePipe() throws Exception {
        long before = OpenFds.count();
        Fd[] pair = Fds.socketPair();
        Fd[] pipe = Fds.pipe();
        try (Arena arena = Arena.ofConfined()) {
            byte[] msg = utf8("{\"cmd\":\"NODE_HANDLE\",\"type\":\"net.Native\",\"msg\":1}\n");
            assertThat(FdPassing.send(pair[0].value(), msg, 0, msg.length, pipe[1].value())).isEqualTo(msg.length);

            MemorySegment buf = arena.allocate(64 * 1024);
            FdPassing.Received.Data data = recvData(pair[1].value(), buf);
            assertThat(data.bytes()).isEqualTo(msg.length);
            assertThat(buf.asSlice(0, data.bytes()).toArray(java.lang.foreign.ValueLayout.JAVA_BYTE)).isEqualTo(msg);
            assertThat(data.fdsTruncated()).isFalse();
            assertThat(data.fds()).hasSize(1);
            Fd received = data.fds().getFirst();
            assertThat(received.value()).isNotEqualTo(pipe[1].number());
            pipe[1].close(); // only the received copy is left to write with
            assertThat(LibC.fcntl(received.value(), LibC.F_GETFD, 0) & LibC.FD_CLOEXEC).isEqualTo(LibC.FD_CLOEXEC);

            MemorySegment hello = arena.allocateFrom("hi through a passed fd", StandardCharsets.UTF_8);
            assertThat(LibC.write(received.value(), hello, 22)).isEqualTo(22);
            received.close();
            MemorySegment in = arena.allocate(64);
            assertThat(LibC.read(pipe[0].value(), in, 64)).isEqualTo(22);
            assertThat(in.getString(0, StandardCharsets.UTF_8)).isEqualTo("hi through a passed fd");
        } finally {
            pipe[0].close();
            pipe[1].close();
            pair[0].close();
            pair[1].close();
        }
        assertThat(OpenFds.count()).isEqualTo(before);
    }

    @Test
    void aMessageWithoutAnFdArrivesWithNone() throws Exception {
        Fd[] pair = Fds.socketPair();
        try (Arena arena = Arena.ofConfined()) {
            byte[] msg = utf8("{\"i\":0}\n");
            assertThat(FdPassing.send(pair[0].value(), msg, 0, msg.length, -1)).isEqualTo(msg.length);
            FdPassing.Received.Data data = recvData(pair[1].value(), arena.allocate(1024));
            assertThat(data.bytes()).isEqualTo(msg.length);
            assertThat(data.fds()).isEmpty();
        } finally {
            pair[0].close();
            pair[1].close();
        }
    }

    @Test
    void theKernelGluesAPlainMessageInFrontOfAHandleMessageAndTheDecoderStillPicksTheHandleLine()
            throws Exception {
        Fd[] pair = Fds.socketPair();
        Fd[] pipe = Fds.pipe();
        try (Arena arena = Arena.ofConfined()) {
            byte[] plain = utf8("{\"plain\":1}\n");
            byte[] handle = utf8("{\"cmd\":\"NODE_HANDLE\",\"type\":\"net.Server\",\"msg\":2}\n");
            byte[] after = utf8("{\"after\":3}\n");
            FdPassing.send(pair[0].value(), plain, 0, plain.length, -1);
            FdPassing.send(pair[0].value(), handle, 0, handle.length, pipe[0].value());
            FdPassing.send(pair[0].value(), after, 0, after.length, -1);

            List<String> lines = new ArrayList<>();
            List<Fd> fds = new ArrayList<>();
            JsonLineDecoder d = new JsonLineDecoder(handleTaker(lines, fds));
            MemorySegment buf = arena.allocate(64 * 1024);
            FdPassing.Received.Data first = recvData(pair[1].value(), buf);
            // Linux reads up to and including the segment that carries fds, and stops there.
            assertThat(first.bytes()).isEqualTo(plain.length + handle.length);
            d.feed(buf.asSlice(0, first.bytes()), first.fds(), false);
            FdPassing.Received.Data second = recvData(pair[1].value(), buf);
            assertThat(second.bytes()).isEqualTo(after.length);
            d.feed(buf.asSlice(0, second.bytes()), second.fds(), false);

            assertThat(lines).hasSize(3);
            assertThat(fds.get(0)).isNull();
            assertThat(fds.get(1)).isNotNull();
            assertThat(fds.get(2)).isNull();
            fds.get(1).close();
        } finally {
            pipe[0].close();
            pipe[1].close();
            pair[0].close();
            pair[1].close();
        }
    }

    @Test
    void aHandleMessageAndPlainOnesInOneSendmsgArriveTogetherAndTheFdGoesToTheHandle() throws Exception {
        long before = OpenFds.count();
        Fd[] pair = Fds.socketPair();
        Fd[] pipe = Fds.pipe();
        try (Arena arena = Arena.ofConfined()) {
            byte[] glued = utf8("{\"cmd\":\"NODE_HANDLE\",\"type\":\"net.Server\",\"msg\":1}\n{\"plain\":2}\n{\"plain\":3}\n");
            assertThat(FdPassing.send(pair[0].value(), glued, 0, glued.length, pipe[0].value())).isEqualTo(glued.length);
            List<String> lines = new ArrayList<>();
            List<Fd> fds = new ArrayList<>();
            JsonLineDecoder d = new JsonLineDecoder(handleTaker(lines, fds));
            MemorySegment buf = arena.allocate(64 * 1024);
            FdPassing.Received.Data data = recvData(pair[1].value(), buf);
            assertThat(data.bytes()).isEqualTo(glued.length);
            assertThat(data.fds()).hasSize(1);
            d.feed(buf.asSlice(0, data.bytes()), data.fds(), false);
            assertThat(lines).hasSize(3);
            assertThat(fds.get(0)).isSameAs(data.fds().getFirst());
            assertThat(fds.subList(1, 3)).containsOnlyNulls();
            fds.get(0).close();
        } finally {
            pipe[0].close();
            pipe[1].close();
            pair[0].close();
            pair[1].close();
        }
        assertThat(OpenFds.count()).isEqualTo(before);
    }

    /** A decoder listener that records each line and the fd its handle message took (null for the others). */
    private static JsonLineDecoder.Listener handleTaker(List<String> lines, List<Fd> fds) {
        return new JsonLineDecoder.Listener() {
            @Override
            public void line(byte[] b, int len, JsonLineDecoder.HandleFds handleFds) {
                String line = new String(b, 0, len, StandardCharsets.UTF_8);
                lines.add(line);
                fds.add(line.contains("NODE_HANDLE") ? handleFds.take() : null);
            }

            @Override
            public void error(MessageFormatException error) {
                throw new AssertionError(error);
            }
        };
    }

    @Test
    void tooManyFdsForTheControlBufferAreAllClosedAndReportedAsTruncatedWithTheBytesIntact() throws Exception {
        Fd[] pair = Fds.socketPair();
        Fd[] pipe = Fds.pipe();
        try (Arena arena = Arena.ofConfined()) {
            int[] many = new int[FdPassing.MAX_FDS + 4];
            java.util.Arrays.fill(many, pipe[0].value());
            byte[] msg = utf8("{\"cmd\":\"NODE_HANDLE\",\"type\":\"net.Native\",\"msg\":1}\n");
            assertThat(FdPassing.sendFds(pair[0].value(), msg, 0, msg.length, many)).isEqualTo(msg.length);

            long before = OpenFds.count();
            FdPassing.Received.Data data = recvData(pair[1].value(), arena.allocate(1024));
            assertThat(data.fdsTruncated()).isTrue();
            assertThat(data.fds()).isEmpty();
            assertThat(data.bytes()).isEqualTo(msg.length);
            assertThat(OpenFds.count()).as("no received fd is left open").isEqualTo(before);
        } finally {
            pipe[0].close();
            pipe[1].close();
            pair[0].close();
            pair[1].close();
        }
    }

    @Test
    void aFullNonBlockingSocketReportsZeroBytesInsteadOfFailingOrBlocking() throws Exception {
        Fd[] pair = Fds.socketPair();
        try {
            Fds.setNonBlocking(pair[0].value());
            byte[] chunk = new byte[64 * 1024];
            java.util.Arrays.fill(chunk, (byte) 'x');
            int sends = 0;
            int n;
            while ((n = FdPassing.send(pair[0].value(), chunk, 0, chunk.length, -1)) > 0) {
                assertThat(++sends).as("the socket buffer must fill up").isLessThan(10_000);
            }
            assertThat(n).isZero();
        } finally {
            pair[0].close();
            pair[1].close();
        }
    }

    @Test
    void nonBlockingReceiveWithNothingToReadSaysWouldBlockAndAClosedPeerSaysEndOfStream() throws Exception {
        Fd[] pair = Fds.socketPair();
        try (Arena arena = Arena.ofConfined()) {
            Fds.setNonBlocking(pair[1].value());
            MemorySegment buf = arena.allocate(64);
            assertThat(FdPassing.recv(pair[1].value(), buf)).isInstanceOf(FdPassing.Received.WouldBlock.class);
            pair[0].close();
            assertThat(FdPassing.recv(pair[1].value(), buf)).isInstanceOf(FdPassing.Received.EndOfStream.class);
        } finally {
            pair[0].close();
            pair[1].close();
        }
    }

    @Test
    void sendingToAPeerThatHasGoneFailsWithEpipeAndNoSigpipe() throws Exception {
        Fd[] pair = Fds.socketPair();
        pair[1].close();
        try {
            byte[] msg = utf8("{}\n");
            assertThatThrownBy(() -> FdPassing.send(pair[0].value(), msg, 0, msg.length, -1))
                    .isInstanceOf(PosixException.class)
                    .hasMessageStartingWith("sendmsg failed: EPIPE (Broken pipe): fd ");
        } finally {
            pair[0].close();
        }
    }

    @Test
    void anEmptySendIsRejectedBecauseItCouldNotCarryAnFd() throws Exception {
        Fd[] pair = Fds.socketPair();
        try {
            assertThatThrownBy(() -> FdPassing.send(pair[0].value(), new byte[1], 0, 0, -1))
                    .isInstanceOf(IllegalArgumentException.class);
        } finally {
            pair[0].close();
            pair[1].close();
        }
    }
}
