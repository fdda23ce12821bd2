package dev.forkd.internal.ipc;

import dev.forkd.internal.json.JsonCodec;
import dev.forkd.internal.io.Fd;
import dev.forkd.internal.io.Fds;
import dev.forkd.internal.posix.Sockets;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import tools.jackson.databind.JsonNode;

/**
 * The far end of a socketpair whose near end is an {@link IpcChannel}: a peer that writes exactly the bytes
 * and fds a test chooses, with one {@code sendmsg} per {@link #send} (continued without the fds if the socket
 * takes less), and reads what the channel answers on a thread of its own.
 */
final class RawPeer implements AutoCloseable {
    private static final JsonCodec CODEC = new JsonCodec();

    final IpcChannel channel;
    private final Fd end;
    private final Thread reader;
    private final BlockingQueue<Object> received = new LinkedBlockingQueue<>();

    private RawPeer(IpcChannel channel, Fd end) {
        this.channel = channel;
        this.end = end;
        this.reader = Thread.ofPlatform().daemon().name("raw-peer-reader").start(this::read);
    }

    /** A channel, and the raw peer at its other end. */
    static RawPeer open() throws Exception {
        Fd[] pair = Fds.socketPair();
        return new RawPeer(IpcChannel.open(pair[0], "raw peer"), pair[1]);
    }

    /** A channel that sends and accepts messages of up to {@code maxMessageBytes}, and the raw peer. */
    static RawPeer open(long maxMessageBytes) throws Exception {
        Fd[] pair = Fds.socketPair();
        return new RawPeer(IpcChannel.open(pair[0], "raw peer", maxMessageBytes), pair[1]);
    }

    /** Writes {@code lines} (each followed by {@code \n}) in one sendmsg with {@code fds} attached to its first byte. */
    void send(int[] fds, String... lines) throws Exception {
        StringBuilder text = new StringBuilder();
        for (String l : lines) text.append(l).append('\n');
        sendBytes(fds, text.toString().getBytes(StandardCharsets.UTF_8));
    }

    /** Writes {@code bytes} in one sendmsg with {@code fds}, then the rest (if any) without them. */
    void sendBytes(int[] fds, byte[] bytes) throws Exception {
        int off = FdPassing.sendFds(end.value(), bytes, 0, bytes.length, fds);
        while (off < bytes.length) off += FdPassing.send(end.value(), bytes, off, bytes.length - off, -1);
    }

    /** The next message the channel wrote to this peer, waiting for it as long as the test's timeout allows. */
    JsonNode next() throws Exception {
        Object o = received.poll(1, TimeUnit.DAYS);
        if (o instanceof JsonNode n) return n;
        throw new AssertionError("expected a message from the channel, got " + o);
    }

    /** The next {@code n} messages from the channel. */
    List<JsonNode> next(int n) throws Exception {
        List<JsonNode> all = new ArrayList<>();
        for (int i = 0; i < n; i++) all.add(next());
        return all;
    }

    private void read() {
        JsonLineDecoder decoder = new JsonLineDecoder(ParsedLines.messages(CODEC, new ParsedLines.MessageListener() {
            @Override
            public void message(JsonNode message, Fd handleFd) {
                if (handleFd != null) handleFd.close();
                received.add(message);
            }

            @Override
            public void error(MessageFormatException error) {
                received.add(error);
            }
        }));
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment buf = arena.allocate(64 * 1024);
            while (true) {
                switch (FdPassing.recv(end.value(), buf)) {
                    case FdPassing.Received.Data d -> decoder.feed(buf.asSlice(0, d.bytes()), d.fds(), false);
                    case FdPassing.Received.EndOfStream e -> {
                        decoder.end();
                        received.add("EOF");
                        return;
                    }
                    case FdPassing.Received.WouldBlock w -> throw new IllegalStateException("blocking socket");
                }
            }
        } catch (Exception e) {
            received.add(e);
        }
    }

    /** Closes the channel and this end, and waits for the reader. */
    @Override
    public void close() {
        channel.disconnect();
        channel.closedFuture().join();
        Sockets.shutdown(end.value(), Sockets.SHUT_RDWR); // wakes the reader blocked in recvmsg
        try {
            reader.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while closing the raw peer", e);
        } finally {
            end.close();
        }
    }
}
