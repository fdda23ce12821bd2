package dev.forkd.cli.supervisor;

import dev.forkd.NotifyMessage;
import dev.forkd.NotifySocket;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The app's {@code NOTIFY_SOCKET}, as systemd gives one to a Type=notify service: every instance gets its
 * address; a {@code READY=1} from a process (or its {@code 'ready'} over IPC, {@link #markReady}) completes that
 * process's readiness, a {@code STATUS=} line is
 * kept for {@code forkd describe}. The socket is a file in the run directory (mode 0700), so that no other
 * user can declare an instance ready; senders are told apart by the pid the kernel attaches.
 */
final class Readiness implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger("dev.forkd.cli");

    private final NotifySocket socket;
    private final Map<Long, CompletableFuture<Void>> ready = new ConcurrentHashMap<>();
    private final Map<Long, String> status = new ConcurrentHashMap<>();

    private Readiness(NotifySocket socket) {
        this.socket = socket;
        socket.onMessage(this::received);
    }

    static Readiness open(Path path) throws IOException {
        Files.deleteIfExists(path); // a stale one: the caller holds the app's lock
        return new Readiness(NotifySocket.bind(path));
    }

    String address() {
        return socket.address();
    }

    /** Completes when {@code pid} says READY=1; forget it with {@link #forget}. */
    CompletableFuture<Void> readiness(long pid) {
        return ready.computeIfAbsent(pid, p -> new CompletableFuture<>());
    }

    /** The process said it is ready some other way (PM2's process.send('ready') over IPC). */
    void markReady(long pid) {
        readiness(pid).complete(null);
    }

    void forget(long pid) {
        ready.remove(pid);
        status.remove(pid);
    }

    /** The last STATUS= the process sent, or null. */
    String status(long pid) {
        return status.get(pid);
    }

    private void received(NotifyMessage m) {
        if (m.pid().isEmpty()) return;
        long pid = m.pid().getAsLong();
        m.status().ifPresent(s -> status.put(pid, s));
        if (m.isReady()) readiness(pid).complete(null);
        LOG.log(System.Logger.Level.DEBUG, "notify from " + pid + ": " + m.fields());
    }

    @Override
    public void close() {
        socket.close();
    }
}
