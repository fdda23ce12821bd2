package dev.forkd.internal.io;

import dev.forkd.internal.posix.Errno;
import dev.forkd.internal.posix.LibC;
import dev.forkd.internal.posix.Posix;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.PriorityQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * The one platform thread that does all of forkd's waiting: child exits (pidfds), stdio pipes, timers.
 *
 * <p>Inline work. After each batch of events the loop runs the {@link InlineTask}s its handlers queued with
 * {@link #runInline} (IPC message delivery): running them on the thread that read the bytes saves a thread
 * hand-off, which on a VM costs tens of microseconds. Those tasks may call user code that blocks: an
 * {@link InlineWatchdog} runs them and, when one holds the thread too long, gives the loop to a new thread.
 *
 * <p>Threading rules. Handlers and tasks run on the loop thread and must never block. Registration and
 * interest changes are done on the loop thread only ({@link #execute} from elsewhere); closing a registered fd
 * likewise, so that a handler can never read an fd number that another thread has closed and the kernel has
 * reused. epoll's user data is a registration token, never the fd, for the same reason.
 */
public final class EventLoop {
    /** Receives readiness; runs on the loop thread. */
    public interface Handler {
        void ready(int events);
    }

    /** Work that a handler wants run on the loop thread after the current batch of events. */
    public interface InlineTask extends Runnable {
        /**
         * Called once, from the watchdog, when this task has held the loop thread for too long (it is still
         * running; the loop has moved to another thread) or, from the loop, when it ran for too long.
         */
        void stalled();
    }

    /** A scheduled task; cancel() is safe from any thread. */
    public static final class Timer {
        final long deadline;
        final Runnable task;
        final long seq;
        volatile boolean cancelled;

        Timer(long deadline, Runnable task, long seq) {
            this.deadline = deadline;
            this.task = task;
            this.seq = seq;
        }

        public void cancel() {
            cancelled = true;
        }
    }

    private static final System.Logger LOG = LazyLogger.of("dev.forkd");
    private static final long WAKE_TOKEN = 0;
    private static final int MAX_EVENTS = 256;

    private static volatile EventLoop instance;
    /** While the JVM exits, the loop polls and parks this long between polls instead of blocking in epoll_wait. */
    private static final long EXIT_POLL_NANOS = 1_000_000;

    private final int epfd;
    private final int wakeFd;
    /** The thread that runs the loop now; a stall hands the loop to a new one. */
    private volatile Thread thread;
    private final AtomicInteger loopThreads = new AtomicInteger();
    private InlineTask[] inline = new InlineTask[16];
    private int inlineCount;
    /** Runs each turn's inline tasks; moves the loop to a new thread when one holds this one. */
    private final InlineWatchdog watchdog = new InlineWatchdog(this::startLoopThread);
    private final ConcurrentLinkedQueue<Runnable> tasks = new ConcurrentLinkedQueue<>();
    private final AtomicBoolean wakePending = new AtomicBoolean();
    /** Where the inline tasks that inline tasks queue go once their batch has ended on the loop thread. */
    private final java.util.function.Consumer<InlineTask> nextTurn = this::queueInline;
    /** Set when the JVM starts to shut down; see {@link #onJvmExit}. */
    private volatile boolean exiting;
    private final ConcurrentHashMap<Long, Handler> handlers = new ConcurrentHashMap<>();
    private final AtomicLong tokens = new AtomicLong(1);
    private final PriorityQueue<Timer> timers = new PriorityQueue<>(
            (a, b) -> a.deadline != b.deadline ? Long.compare(a.deadline, b.deadline) : Long.compare(a.seq, b.seq));
    private final AtomicLong timerSeq = new AtomicLong();
    private final MemorySegment events;
    /** epoll_ctl's event struct, one per thread: registration is allowed from any thread. */
    private final ThreadLocal<MemorySegment> ctlEvent =
            ThreadLocal.withInitial(() -> Arena.ofAuto().allocate(LibC.SIZEOF_EPOLL_EVENT, 8));
    private final MemorySegment wakeBuf;
    /** The loop's read buffer; handlers on the loop thread may use it for reads. */
    private final MemorySegment scratch;

    /** 1 MiB: a capture pipe enlarged with F_SETPIPE_SZ is drained in one read. */
    public static final int SCRATCH_SIZE = 1 << 20;

    private EventLoop() {
        epfd = LibC.epoll_create1(LibC.EPOLL_CLOEXEC);
        if (epfd < 0) throw new IllegalStateException(Posix.failure("epoll_create1", null).getMessage());
        wakeFd = LibC.eventfd(0, LibC.EFD_CLOEXEC | LibC.EFD_NONBLOCK);
        if (wakeFd < 0) throw new IllegalStateException(Posix.failure("eventfd", null).getMessage());
        Arena arena = Arena.global();
        events = arena.allocate(LibC.SIZEOF_EPOLL_EVENT * MAX_EVENTS, 8);
        wakeBuf = arena.allocate(8, 8);
        // Not Arena.allocate, which zeroes all 256 pages: a fresh JVM pays ~2.5 ms for that on its first spawn,
        // where a capture reads a few bytes. Anonymous pages are zero-filled by the kernel as they are touched.
        long mapped = LibC.mmapAnonymous(SCRATCH_SIZE);
        if (mapped == LibC.MAP_FAILED) throw new IllegalStateException(Posix.failure("mmap", null).getMessage());
        scratch = MemorySegment.ofAddress(mapped).reinterpret(SCRATCH_SIZE); // never unmapped, as Arena.global
        ctl(LibC.EPOLL_CTL_ADD, wakeFd, LibC.EPOLLIN, WAKE_TOKEN);
        startLoopThread();
        Runtime.getRuntime().addShutdownHook(Thread.ofPlatform().name("forkd-loop-exit").unstarted(this::onJvmExit));
    }

    /**
     * HotSpot's exit waits up to 300 ms for threads that are inside a native call to come out of it, and the
     * loop spends its idle time inside epoll_wait: left alone, every program that used forkd would take 0.3 s
     * longer to exit. So from the start of the shutdown on, the loop polls epoll without blocking and parks in
     * Java between polls ({@value #EXIT_POLL_NANOS} ns): it still serves shutdown hooks that spawn, wait or
     * send, with at most a millisecond's delay, and the JVM finds it out of native code when it exits.
     */
    private void onJvmExit() {
        exiting = true;
        wake();
    }

    private void wake() {
        if (wakePending.compareAndSet(false, true)) {
            wakeBuf.set(ValueLayout.JAVA_LONG, 0, 1L);
            LibC.write(wakeFd, wakeBuf, 8);
        }
    }

    private void startLoopThread() {
        int n = loopThreads.getAndIncrement();
        Thread t = Thread.ofPlatform().daemon().name(n == 0 ? "forkd-loop" : "forkd-loop-" + n).unstarted(this::run);
        thread = t;
        t.start();
    }

    /** The loop if it has been started, else null. */
    public static EventLoop current() {
        return instance;
    }

    /** The loop, started on first use. */
    public static EventLoop get() {
        EventLoop l = instance;
        if (l != null) return l;
        synchronized (EventLoop.class) {
            if (instance == null) instance = new EventLoop();
            return instance;
        }
    }

    public boolean inLoop() {
        return Thread.currentThread() == thread;
    }

    /**
     * True on the loop thread in a handler, task or timer, where code must never block; false elsewhere,
     * including inside an inline task, which may block (the watchdog hands the loop on).
     */
    public boolean inHandler() {
        Thread t = Thread.currentThread();
        return t == thread && !watchdog.runsInline(t);
    }

    /**
     * Queues a task to run on the loop thread after the current batch of events. Meant for the loop thread;
     * called anywhere else (a thread the watchdog replaced, a virtual thread running a task it handed out),
     * the task gets a virtual thread of its own.
     */
    public void runInline(InlineTask task) {
        Thread me = Thread.currentThread();
        // From an inline task: held until its batch ends, when it is known whether this thread still runs
        // the loop (the watchdog may give the loop away while the task runs).
        if (watchdog.defer(task)) return;
        if (me != thread) { // not (or no longer) the loop thread
            Thread.ofVirtual().name("forkd-inline").start(task);
            return;
        }
        queueInline(task);
    }

    private void queueInline(InlineTask task) {
        if (inlineCount == inline.length) inline = java.util.Arrays.copyOf(inline, inlineCount * 2);
        inline[inlineCount++] = task;
    }

    /** Runs the task on the loop thread, soon; from the loop thread itself, after the current handler. */
    public void execute(Runnable task) {
        tasks.add(task);
        if (inLoop()) return;
        if (exiting) LockSupport.unpark(thread);
        wake();
    }

    /** Runs the task on the loop thread after the delay. */
    public Timer schedule(long delayNanos, Runnable task) {
        Timer t = new Timer(System.nanoTime() + Math.max(0, delayNanos), task, timerSeq.incrementAndGet());
        execute(() -> timers.add(t));
        return t;
    }

    /** The loop's read buffer ({@value #SCRATCH_SIZE} bytes); loop thread only. */
    public MemorySegment scratch() {
        assert inLoop();
        return scratch;
    }

    /** Adds fd to the epoll set; loop thread only. Returns the token to modify or remove it with. */
    public long register(int fd, int events, Handler handler) {
        assert inLoop();
        long token = newToken();
        return register(fd, events, token, handler) ? token : -1;
    }

    /** A token for {@link #register(int, int, long, Handler)}, so that a handler can know its own token. */
    public long newToken() {
        return tokens.getAndIncrement();
    }

    /**
     * Adds fd to the epoll set under a token from {@link #newToken()}; any thread. The handler is in place
     * before the fd is added, so even an immediate event finds it. The caller must guarantee that the fd is
     * not closed (and its number reused) before it is unregistered on the loop thread.
     */
    public boolean register(int fd, int events, long token, Handler handler) {
        handlers.put(token, handler);
        if (!ctl(LibC.EPOLL_CTL_ADD, fd, events, token)) {
            handlers.remove(token);
            return false;
        }
        return true;
    }

    /** Changes the events a registration waits for; loop thread only. */
    public void modify(int fd, long token, int events) {
        assert inLoop();
        if (handlers.containsKey(token)) ctl(LibC.EPOLL_CTL_MOD, fd, events, token);
    }

    /** Removes fd from the epoll set and forgets its handler; loop thread only. Safe to call twice. */
    public void unregister(int fd, long token) {
        assert inLoop();
        unregisterFromAnyThread(fd, token);
    }

    /**
     * {@link #unregister} from any thread. The loop may already hold the handler for an event of this turn
     * and run it once more after this returns, so the handler must be able to tell from its own state that
     * it has nothing left to do (and must not touch the fd, whose number may be reused by then).
     */
    public void unregisterFromAnyThread(int fd, long token) {
        if (handlers.remove(token) != null) {
            ctl(LibC.EPOLL_CTL_DEL, fd, 0, token);
        }
    }

    private boolean ctl(int op, int fd, int ev, long token) {
        MemorySegment event = ctlEvent.get();
        event.set(ValueLayout.JAVA_INT, 0, ev);
        event.set(ValueLayout.JAVA_LONG_UNALIGNED, 4, token);
        if (LibC.epoll_ctl(epfd, op, fd, event) != 0) {
            int err = LibC.errno();
            if (op != LibC.EPOLL_CTL_DEL) {
                LOG.log(System.Logger.Level.WARNING, "epoll_ctl(" + op + ", fd " + fd + ") failed: " + Errno.describe(err));
            }
            return false;
        }
        return true;
    }

    private void run() {
        Thread me = Thread.currentThread();
        while (thread == me) {
            try {
                runTasks();
                int timeout = runTimers();
                if (inlineCount > 0) timeout = 0; // inline work queued for this turn: look for I/O, do not sleep
                boolean polling = exiting && timeout != 0;
                int n = LibC.epoll_wait(epfd, events, MAX_EVENTS, polling ? 0 : timeout);
                if (polling && n == 0) {
                    if (tasks.isEmpty()) LockSupport.parkNanos(timeout < 0 ? EXIT_POLL_NANOS : Math.min(EXIT_POLL_NANOS, timeout * 1_000_000L));
                    continue;
                }
                if (n < 0) {
                    int err = LibC.errno();
                    if (err != Errno.EINTR) {
                        LOG.log(System.Logger.Level.ERROR, "epoll_wait failed: " + Errno.describe(err));
                    }
                    continue;
                }
                for (int i = 0; i < n; i++) {
                    long base = i * LibC.SIZEOF_EPOLL_EVENT;
                    int ev = events.get(ValueLayout.JAVA_INT, base);
                    long token = events.get(ValueLayout.JAVA_LONG_UNALIGNED, base + 4);
                    if (token == WAKE_TOKEN) {
                        // Drain first, then re-arm: a task queued in between finds the flag still set,
                        // skips its write, and is run by runTasks() at the top of the next turn.
                        LibC.read(wakeFd, wakeBuf, 8);
                        wakePending.set(false);
                        continue;
                    }
                    Handler h = handlers.get(token);
                    if (h != null) {
                        try {
                            h.ready(ev);
                        } catch (Throwable t) {
                            LOG.log(System.Logger.Level.ERROR, "forkd event handler failed", t);
                        }
                    }
                }
                if (inlineCount > 0 && !runInlineTasks()) return; // the watchdog gave the loop to another thread
            } catch (Throwable t) {
                LOG.log(System.Logger.Level.ERROR, "forkd event loop error", t);
            }
        }
    }

    /**
     * Runs this turn's inline tasks under the watchdog; false if it gave the loop to a new thread meanwhile:
     * this thread must then leave the loop at once.
     */
    private boolean runInlineTasks() {
        InlineTask[] batch = inline;
        int size = inlineCount;
        inline = new InlineTask[Math.max(16, inline.length)];
        inlineCount = 0;
        return watchdog.runAll(batch, size, nextTurn);
    }

    private void runTasks() {
        Runnable r;
        // Bounded: tasks queued by these tasks run on the next turn, after I/O had its chance.
        int budget = tasks.size();
        while (budget-- > 0 && (r = tasks.poll()) != null) {
            try {
                r.run();
            } catch (Throwable t) {
                LOG.log(System.Logger.Level.ERROR, "forkd loop task failed", t);
            }
        }
    }

    /** Runs due timers; returns the epoll timeout in ms until the next one (-1: none, 0: work pending). */
    private int runTimers() {
        long now = System.nanoTime();
        Timer t;
        while ((t = timers.peek()) != null && (t.cancelled || t.deadline - now <= 0)) {
            timers.poll();
            if (!t.cancelled) {
                try {
                    t.task.run();
                } catch (Throwable e) {
                    LOG.log(System.Logger.Level.ERROR, "forkd timer failed", e);
                }
            }
        }
        if (!tasks.isEmpty()) return 0;
        if (t == null) return -1;
        long ms = (t.deadline - now + 999_999) / 1_000_000;
        return (int) Math.min(Math.max(ms, 1), Integer.MAX_VALUE);
    }
}
