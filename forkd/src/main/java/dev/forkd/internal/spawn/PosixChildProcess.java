package dev.forkd.internal.spawn;

import dev.forkd.Command;
import dev.forkd.ChildProcess;
import dev.forkd.ExitStatus;
import dev.forkd.ReapException;
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
import dev.forkd.internal.posix.Errno;
import dev.forkd.internal.posix.LibC;
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
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import java.util.function.IntFunction;

/**
 * The {@link ChildProcess} of a posix_spawn'ed child.
 *
 * <p>Who closes what (Go's closeAfterStart / closeAfterWait): the child's ends of every pipe are closed by
 * {@link Spawner} right after the spawn. Of the parent's ends, a <em>write</em> end (stdin, a parent-written
 * fd, the write copy of a duplex socket) is closed when the child is reaped, as Node destroys stdin at exit
 * and the JDK's {@code processExited()} does; a <em>read</em> end is closed by its reader at EOF (which
 * comes once the child and every process that inherited the pipe have closed it); {@link #close()} closes
 * all of them at once. A read end whose stream the user dropped unread is closed when the stream is
 * garbage-collected. So a child nobody closes holds no fd beyond its own lifetime and its unread output.
 */
public final class PosixChildProcess implements ChildProcess {

    private final SpawnRequest request;
    private final PidHandle pid;
    private final StdioStream[] streams;
    /** Every parent-side end, for close(). */
    private final List<AutoCloseable> closeables = new ArrayList<>();
    /** The parent's write ends: closed at reap. */
    private final List<PipeOutputStream> writeEnds = new ArrayList<>();
    /** Completed on the loop thread at reap; waitFor() waits on it. */
    private final CompletableFuture<ExitStatus> reaped = new CompletableFuture<>();
    /** 'exit': reaped, and the channel's last messages delivered. Completed by forkd's own threads. */
    private final CompletableFuture<ExitStatus> exitReady = new CompletableFuture<>();
    /** 'close': exitReady and every output pipe (and the channel) closed. Completed by forkd's own threads. */
    private final CompletableFuture<ExitStatus> closeReady;
    /**
     * 'exit' and 'close' as users see them: completed through Dispatch.EVENTS, 'exit' first. Created on first
     * request, so that a child nobody listens to costs no thread hand-off.
     */
    private CompletableFuture<ExitStatus> exitEvents; // guarded by this
    private CompletableFuture<ExitStatus> closeEvents; // guarded by this
    private volatile boolean killed;
    private IpcChannel channel;

    private PosixChildProcess(SpawnRequest request, Spawner.Spawned spawned, IntFunction<PipeReader.Sink> sinks,
                              boolean growPipes) throws PosixException {
        this.request = request;
        this.pid = spawned.pid();
        Fd[] ends = spawned.parentEnds();
        streams = new StdioStream[ends.length];
        List<CompletableFuture<Void>> outputs = new ArrayList<>();
        int i = 0;
        try {
            for (; i < ends.length; i++) {
                if (ends[i] == null) continue;
                attach(i, ends[i], request.slots().get(i), sinks, growPipes, pid.pid(), outputs);
            }
        } catch (PosixException | RuntimeException e) {
            // What was attached is closed by its owner (readers on the loop); the rest is still ours.
            close();
            for (int j = i; j < ends.length; j++) if (ends[j] != null) ends[j].close();
            throw e;
        }
        CompletableFuture<Void> allOutputs = CompletableFuture.allOf(outputs.toArray(CompletableFuture[]::new));
        closeReady = exitReady.thenCombine(allOutputs, (st, v) -> st);
        if (request.killGroup() && !request.setsid()) ShutdownGuard.add(pid);
        // Not this::onReaped: what the loop holds until the reap must not hold the streams, so that a stream
        // the user dropped unread can be collected (and its pipe closed) while a blocked child still runs.
        Reaper.watch(pid, reapAction(pid, List.copyOf(writeEnds), channel, reaped, exitReady));
    }

    /** Wires the parent's end of child fd {@code i} to a stream, a sink or the channel. */
    private void attach(int i, Fd end, Slot slot, IntFunction<PipeReader.Sink> sinks, boolean growPipes, int childPid,
                        List<CompletableFuture<Void>> outputs) throws PosixException {
        switch (slot) {
            case Slot.ParentWrites w -> {
                PipeOutputStream out = new PipeOutputStream(end);
                closeables.add(out);
                writeEnds.add(out);
                streams[i] = new Stream(null, out, i);
            }
            case Slot.ParentReads r -> {
                PipeReader.Sink custom = sinks.apply(i);
                InputStream in = null;
                PipeReader reader;
                if (custom != null) {
                    // A capture pipe: 1 MiB of pipe lets a fast writer hand over more per wake-up. Best effort
                    // (the limit is /proc/sys/fs/pipe-max-size).
                    if (growPipes) LibC.fcntl(end.value(), LibC.F_SETPIPE_SZ, 1 << 20);
                    reader = PipeReader.start(end, custom);
                    closeables.add(reader::close);
                } else {
                    PipeInputStream pis = new PipeInputStream();
                    reader = PipeReader.start(end, pis);
                    pis.attach(reader);
                    closeables.add(pis);
                    in = pis;
                }
                outputs.add(reader.done());
                streams[i] = new Stream(in, null, i);
            }
            case Slot.Duplex d -> {
                // Reader and writer each own a copy of the socket, so each has exactly one close point.
                Fd writeCopy = Fds.dupAtLeast(end.number(), 3);
                PipeOutputStream out;
                try {
                    out = new PipeOutputStream(writeCopy);
                } catch (PosixException e) {
                    writeCopy.close();
                    throw e;
                }
                closeables.add(out);
                writeEnds.add(out);
                PipeInputStream pis = new PipeInputStream();
                PipeReader reader = PipeReader.start(end, pis);
                pis.attach(reader);
                closeables.add(pis);
                outputs.add(reader.done());
                streams[i] = new Stream(pis, out, i);
            }
            case Slot.Ipc ipc -> {
                channel = IpcChannel.open(end, "child " + childPid, ipc.maxMessageBytes());
                closeables.add(channel::disconnect);
                outputs.add(channel.closedFuture());
            }
            default -> throw new IllegalStateException("no parent end expected for " + slot);
        }
    }

    /** Spawns {@code command} as {@code ChildProcesses.spawn} does: every pipe offered as a stream. */
    public static PosixChildProcess start(Command command) throws SpawnException {
        return start(SpawnRequest.of(command, StdioPlan.Mode.SPAWN, false, false), fd -> null, false);
    }

    /**
     * Spawns the request. {@code sinks} may take over the parent's read end of child fd i (the exec family
     * captures into buffers); for fds it returns null for, a blocking {@link InputStream} is offered instead.
     */
    public static PosixChildProcess start(SpawnRequest request, IntFunction<PipeReader.Sink> sinks,
                                          boolean growCapturePipes) throws SpawnException {
        Spawner.Spawned spawned = Spawner.spawn(request);
        try {
            return new PosixChildProcess(request, spawned, sinks, growCapturePipes);
        } catch (PosixException | RuntimeException e) {
            // The child runs but we cannot talk to it (its pipe ends are closed by now): kill and reap it.
            try {
                spawned.pid().signal(Signal.SIGKILL.number());
            } catch (PosixException ignored) {
                // gone already, or not ours to signal: the reaper below collects it either way
            }
            Reaper.watch(spawned.pid(), st -> { });
            throw Spawner.failure(e instanceof PosixException p ? p.syscall() : "spawn",
                    e instanceof PosixException p ? p.errno() : 0, request.display(), e);
        }
    }

    /** How long 'exit' waits for the channel's last messages after the child was reaped. */
    private static final long CHANNEL_DRAIN_NANOS = 1_000_000_000L;

    private static Consumer<WaitStatus> reapAction(PidHandle pid, List<PipeOutputStream> writeEnds,
                                                   IpcChannel channel, CompletableFuture<ExitStatus> reaped,
                                                   CompletableFuture<ExitStatus> exitReady) {
        return ws -> {
            try {
                onReaped(ws, pid, writeEnds, channel, reaped, exitReady);
            } catch (RuntimeException | Error e) {
                // Never leave a waiter hanging (DESIGN 6b): whatever failed here fails the child's futures.
                reaped.completeExceptionally(e);
                exitReady.completeExceptionally(e);
                throw e;
            }
        };
    }

    private static void onReaped(WaitStatus ws, PidHandle pid, List<PipeOutputStream> writeEnds, IpcChannel channel,
                                 CompletableFuture<ExitStatus> reaped, CompletableFuture<ExitStatus> exitReady) {
        ShutdownGuard.remove(pid);
        // Nobody can read what is written to a dead child (a grandchild that inherited the pipe aside, as in
        // Node): close the write ends now, not when (or if) the user calls close().
        for (PipeOutputStream out : writeEnds) out.closeAtExit();
        if (ws.isLost()) {
            PosixException f = ws.failure();
            ReapException lost = new ReapException(f.getMessage(), f.syscall(), f.errno(), Errno.name(f.errno()),
                    pid.pid());
            reaped.completeExceptionally(lost);
            exitReady.completeExceptionally(lost);
            return;
        }
        ExitStatus st = ws.exited() ? new ExitStatus.Exited(ws.code())
                : new ExitStatus.Signaled(Signal.of(ws.signal()), ws.coreDumped());
        reaped.complete(st);
        if (channel == null) {
            exitReady.complete(st);
            return;
        }
        // The child's last messages are in the socket when it dies: read the channel to EOF and deliver them
        // before 'exit'. A grandchild that inherited the channel could hold it open, so wait at most a second.
        EventLoop loop = EventLoop.get();
        EventLoop.Timer timer = loop.schedule(CHANNEL_DRAIN_NANOS, () -> exitReady.complete(st));
        channel.closedFuture().thenRun(() -> {
            timer.cancel();
            Dispatch.BLOCKING.execute(() -> { // it waits, possibly for inline deliveries of this very loop turn
                channel.awaitDelivered(CHANNEL_DRAIN_NANOS);
                exitReady.complete(st);
            });
        });
    }

    /** The normalised request this child was spawned from. */
    public SpawnRequest request() {
        return request;
    }

    /**
     * Completes at 'close', on whichever forkd thread finished last (often the event loop): for forkd's own
     * bookkeeping, which must not block in it.
     */
    public CompletableFuture<ExitStatus> closedFuture() {
        return closeReady;
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

    /** {@link #channel()} as forkd's internal protocols need it; see {@link Forker}. */
    Optional<IpcChannel> ipc() {
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
        return reaped.state() == Future.State.SUCCESS ? Optional.of(reaped.resultNow()) : Optional.empty();
    }

    @Override
    public ExitStatus waitFor() throws InterruptedException {
        if (!reaped.isDone()) Reaper.awaitExit(pid, -1); // reaps here if it can: one wake-up, not two
        try {
            return reaped.get();
        } catch (ExecutionException e) {
            throw lost(e);
        }
    }

    @Override
    public ExitStatus waitFor(Duration timeout) throws InterruptedException, TimeoutException {
        long nanos = timeout.toNanos();
        long start = System.nanoTime();
        if (!reaped.isDone() && nanos > 0) Reaper.awaitExit(pid, nanos);
        try {
            return reaped.get(Math.max(0, nanos - (System.nanoTime() - start)), TimeUnit.NANOSECONDS);
        } catch (ExecutionException e) {
            throw lost(e);
        }
    }

    /** The only way {@link #reaped} fails. */
    private static ReapException lost(ExecutionException e) {
        if (e.getCause() instanceof ReapException r) {
            // A fresh copy whose stack trace shows the waiting caller, the original as its cause's place.
            ReapException copy = new ReapException(r.getMessage(), r.syscall(), r.errno(), r.code(), r.pid());
            copy.addSuppressed(r);
            return copy;
        }
        throw new IllegalStateException(e.getCause());
    }

    private synchronized CompletableFuture<ExitStatus> exitEvents() {
        if (exitEvents == null) exitEvents = exitReady.thenApplyAsync(st -> st, Dispatch.EVENTS);
        return exitEvents;
    }

    private synchronized CompletableFuture<ExitStatus> closeEvents() {
        if (closeEvents == null) {
            // After 'exit' has been delivered, never before.
            closeEvents = exitEvents().thenCombine(closeReady, (a, b) -> b).thenApplyAsync(st -> st, Dispatch.EVENTS);
        }
        return closeEvents;
    }

    @Override
    public CompletableFuture<ExitStatus> onExit() {
        return exitEvents().copy();
    }

    @Override
    public CompletableFuture<ExitStatus> onClose() {
        return closeEvents().copy();
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
        ExitStatus st = exitStatus().orElse(null);
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
