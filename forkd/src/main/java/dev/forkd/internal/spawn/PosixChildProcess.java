package dev.forkd.internal.spawn;

import dev.forkd.ChildProcess;
import dev.forkd.ExitStatus;
import dev.forkd.Signal;
import dev.forkd.SpawnException;
import dev.forkd.StdioStream;
import dev.forkd.internal.io.Dispatch;
import dev.forkd.internal.io.EventLoop;
import dev.forkd.internal.ipc.IpcChannel;
import dev.forkd.internal.io.Fd;
import dev.forkd.internal.io.Fds;
import dev.forkd.internal.io.PipeInputStream;
import dev.forkd.internal.io.PipeOutputStream;
import dev.forkd.internal.io.PipeReader;
import dev.forkd.internal.posix.PosixException;
import dev.forkd.internal.reap.PidHandle;
import dev.forkd.internal.reap.Reaper;
import dev.forkd.internal.reap.WaitStatus;
import dev.forkd.ipc.Channel;
import java.io.InputStream;
import java.io.OutputStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.IntFunction;

/** The {@link ChildProcess} of a posix_spawn'ed child. */
public final class PosixChildProcess implements ChildProcess {

    private final SpawnRequest request;
    private final PidHandle pid;
    private final StdioStream[] streams;
    private final List<AutoCloseable> closeables = new ArrayList<>();
    /** Completed on the loop thread at reap; only forkd waits on it directly. */
    private final CompletableFuture<ExitStatus> reaped = new CompletableFuture<>();
    /** 'exit' and 'close' as users see them, completed on virtual threads, 'exit' first. */
    private final CompletableFuture<ExitStatus> exit = new CompletableFuture<>();
    private final CompletableFuture<ExitStatus> closed;
    private volatile ExitStatus status;
    private volatile boolean killed;
    private IpcChannel channel;

    private PosixChildProcess(SpawnRequest request, Spawner.Spawned spawned, IntFunction<PipeReader.Sink> sinks)
            throws PosixException {
        this.request = request;
        Fd[] ends = spawned.parentEnds();
        streams = new StdioStream[ends.length];
        List<CompletableFuture<Void>> outputs = new ArrayList<>();
        for (int i = 0; i < ends.length; i++) {
            if (ends[i] == null) continue;
            Slot slot = request.slots().get(i);
            switch (slot) {
                case Slot.ParentWrites w -> {
                    PipeOutputStream out = new PipeOutputStream(ends[i]);
                    closeables.add(out);
                    streams[i] = new Stream(null, out, i);
                }
                case Slot.ParentReads r -> {
                    PipeReader.Sink custom = sinks.apply(i);
                    InputStream in = null;
                    PipeReader reader;
                    if (custom != null) {
                        reader = PipeReader.start(ends[i], custom);
                        closeables.add(reader::close);
                    } else {
                        PipeInputStream pis = new PipeInputStream();
                        reader = PipeReader.start(ends[i], pis);
                        pis.attach(reader);
                        closeables.add(pis);
                        in = pis;
                    }
                    outputs.add(reader.done());
                    streams[i] = new Stream(in, null, i);
                }
                case Slot.Duplex d -> {
                    // Reader and writer each own a copy of the socket, so each has exactly one close point.
                    Fd writeCopy = Fds.dupAtLeast(ends[i].number(), 3);
                    PipeInputStream pis = new PipeInputStream();
                    PipeReader reader = PipeReader.start(ends[i], pis);
                    pis.attach(reader);
                    PipeOutputStream out = new PipeOutputStream(writeCopy);
                    closeables.add(pis);
                    closeables.add(out);
                    outputs.add(reader.done());
                    streams[i] = new Stream(pis, out, i);
                }
                case Slot.Ipc ipc -> {
                    channel = IpcChannel.open(ends[i], "child " + spawned.pid());
                    outputs.add(channel.closedFuture());
                }
                default -> throw new IllegalStateException("no parent end expected for " + slot);
            }
        }
        CompletableFuture<Void> allOutputs = CompletableFuture.allOf(outputs.toArray(CompletableFuture[]::new));
        closed = exit.thenCombine(allOutputs, (st, v) -> st).thenApplyAsync(st -> st, Dispatch.EVENTS);
        this.pid = Reaper.open(spawned.pid());
        if (request.killGroup() && !request.setsid()) ShutdownGuard.add(pid);
        Reaper.watch(pid, this::onReaped);
    }

    /**
     * Spawns the request. {@code sinks} may take over the parent's read end of child fd i (the exec family
     * captures into buffers); for fds it returns null for, a blocking {@link InputStream} is offered instead.
     */
    public static PosixChildProcess start(SpawnRequest request, IntFunction<PipeReader.Sink> sinks)
            throws SpawnException {
        Spawner.Spawned spawned = Spawner.spawn(request);
        try {
            return new PosixChildProcess(request, spawned, sinks);
        } catch (PosixException | RuntimeException e) {
            // The child runs but we cannot talk to it: do not leave it running unattended.
            Reaper.watch(Reaper.open(spawned.pid()), st -> { });
            dev.forkd.internal.posix.LibC.kill(spawned.pid(), Signal.SIGKILL.number());
            for (Fd fd : spawned.parentEnds()) if (fd != null) fd.close();
            throw Spawner.failure(e instanceof PosixException p ? p.syscall() : "spawn",
                    e instanceof PosixException p ? p.errno() : 0, request.display(), e);
        }
    }

    /** How long 'exit' waits for the channel's last messages after the child was reaped. */
    private static final long CHANNEL_DRAIN_NANOS = 1_000_000_000L;

    private void onReaped(WaitStatus ws) {
        ExitStatus st = ws.exited() ? new ExitStatus.Exited(ws.code())
                : new ExitStatus.Signaled(Signal.of(ws.signal()), ws.coreDumped());
        status = st;
        ShutdownGuard.remove(pid);
        reaped.complete(st);
        if (channel == null) {
            Dispatch.EVENTS.execute(() -> exit.complete(st));
            return;
        }
        // The child's last messages are in the socket when it dies: read the channel to EOF and deliver them
        // before 'exit'. A grandchild that inherited the channel could hold it open, so wait at most a second.
        EventLoop loop = EventLoop.get();
        EventLoop.Timer timer = loop.schedule(CHANNEL_DRAIN_NANOS, () -> Dispatch.EVENTS.execute(() -> exit.complete(st)));
        channel.closedFuture().thenRun(() -> {
            timer.cancel();
            Dispatch.EVENTS.execute(() -> {
                channel.awaitDelivered(CHANNEL_DRAIN_NANOS);
                exit.complete(st);
            });
        });
    }

    /** The normalised request this child was spawned from. */
    public SpawnRequest request() {
        return request;
    }

    /** Completes on the loop thread at reap, before {@link #onExit()}; for forkd's own bookkeeping. */
    public CompletableFuture<ExitStatus> reapedFuture() {
        return reaped;
    }

    /** Completes (on a virtual thread) at 'close'; for forkd's own bookkeeping. */
    public CompletableFuture<ExitStatus> closedFuture() {
        return closed;
    }

    /** Signals the process group when the request asked for one, else the child; false once reaped. */
    public boolean signal(Signal signal) throws PosixException {
        boolean sent = request.killGroup() && !pid.isReaped() ? pid.signalGroup(signal.number())
                : pid.signal(signal.number());
        if (sent && signal.number() != 0) killed = true;
        return sent;
    }

    /** Signals the group (or child) even after the child was reaped: leftovers of a killed tree. */
    public void signalTree(Signal signal) {
        try {
            if (request.killGroup() || request.setsid()) pid.signalGroup(signal.number());
            else pid.signal(signal.number());
        } catch (PosixException ignored) {
            // nothing left to signal, or not ours to signal
        }
    }

    @Override
    public long pid() {
        return pid.pid();
    }

    @Override
    public OutputStream stdin() {
        return stream(0, "stdin").output();
    }

    @Override
    public InputStream stdout() {
        return stream(1, "stdout").input();
    }

    @Override
    public InputStream stderr() {
        return stream(2, "stderr").input();
    }

    private StdioStream stream(int fd, String name) {
        StdioStream s = fd < streams.length ? streams[fd] : null;
        if (s == null) {
            throw new IllegalStateException(name + " of pid " + pid.pid() + " is not a pipe: it was spawned with "
                    + (fd < request.slots().size() ? request.slots().get(fd) : "nothing") + " for fd " + fd);
        }
        return s;
    }

    @Override
    public Optional<StdioStream> stdio(int fd) {
        return fd >= 0 && fd < streams.length ? Optional.ofNullable(streams[fd]) : Optional.empty();
    }

    @Override
    public Optional<Channel> channel() {
        return Optional.ofNullable(channel);
    }

    @Override
    public boolean kill() {
        return kill(Signal.SIGTERM);
    }

    @Override
    public boolean kill(Signal signal) {
        try {
            return signal(signal);
        } catch (PosixException e) {
            throw new IllegalStateException(e.getMessage(), e);
        }
    }

    @Override
    public boolean killed() {
        return killed;
    }

    @Override
    public Optional<ExitStatus> exitStatus() {
        return Optional.ofNullable(status);
    }

    @Override
    public ExitStatus waitFor() throws InterruptedException {
        try {
            return reaped.get();
        } catch (ExecutionException e) {
            throw new IllegalStateException(e.getCause());
        }
    }

    @Override
    public ExitStatus waitFor(Duration timeout) throws InterruptedException, TimeoutException {
        try {
            return reaped.get(timeout.toNanos(), TimeUnit.NANOSECONDS);
        } catch (ExecutionException e) {
            throw new IllegalStateException(e.getCause());
        }
    }

    @Override
    public CompletableFuture<ExitStatus> onExit() {
        return exit.copy();
    }

    @Override
    public CompletableFuture<ExitStatus> onClose() {
        return closed.copy();
    }

    @Override
    public void close() {
        for (AutoCloseable c : closeables) {
            try {
                c.close();
            } catch (Exception ignored) {
                // our streams' close does not fail
            }
        }
    }

    @Override
    public String toString() {
        ExitStatus st = status;
        return "ChildProcess[pid=" + pid.pid() + ", " + (st == null ? "running" : st) + ", " + request.display() + "]";
    }

    private record Stream(InputStream in, OutputStream out, int fd) implements StdioStream {
        @Override
        public InputStream input() {
            if (in == null) throw new IllegalStateException("child fd " + fd + " is written by the parent, not read");
            return in;
        }

        @Override
        public OutputStream output() {
            if (out == null) throw new IllegalStateException("child fd " + fd + " is read by the parent, not written");
            return out;
        }
    }
}
