package dev.forkd.internal.spawn;

import dev.forkd.SpawnException;
import dev.forkd.internal.io.Fd;
import dev.forkd.internal.io.Fds;
import dev.forkd.internal.posix.Errno;
import dev.forkd.internal.posix.LibC;
import dev.forkd.internal.posix.Posix;
import dev.forkd.internal.posix.PosixException;
import dev.forkd.internal.reap.PidHandle;
import dev.forkd.internal.reap.Reaper;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * posix_spawn with a dense child fd table: child fd i gets slot i, everything else is closed in the child
 * ({@code addclosefrom_np}), because the JDK opens its own fds without O_CLOEXEC.
 *
 * <p>Signals: the child starts with an empty mask and every signal at its default (the JVM thread that
 * spawns has SIGQUIT blocked, and children would inherit that).
 */
public final class Spawner {
    /**
     * What a successful spawn leaves the parent: the child's one handle (pid and pidfd, opened right after the
     * spawn, before anything else can fail) and the parent's ends of the pipes, by child fd.
     */
    public record Spawned(PidHandle pid, Fd[] parentEnds) {}

    /** The two signal sets every spawn uses, built once. */
    private static final class Sigsets {
        static final MemorySegment EMPTY = Arena.global().allocate(LibC.SIZEOF_SIGSET, 8);
        static final MemorySegment FULL = Arena.global().allocate(LibC.SIZEOF_SIGSET, 8);

        static {
            LibC.sigemptyset(EMPTY);
            LibC.sigfillset(FULL);
        }
    }

    /** PATH lookups, re-validated with one stat per use: (PATH, program) -> path. */
    private static final java.util.concurrent.ConcurrentHashMap<String, String> RESOLVED =
            new java.util.concurrent.ConcurrentHashMap<>();

    private Spawner() {}

    public static Spawned spawn(SpawnRequest req) throws SpawnException {
        Reaper.init(); // first: a JVM without native access fails here, with the advice in the message
        String file = resolve(req);
        if (req.cwd() != null && !Files.isDirectory(req.cwd())) {
            // posix_spawn would report a bad cwd as ENOENT of the program, which misleads; say what it is.
            int errno = Files.exists(req.cwd()) ? Errno.ENOTDIR : Errno.ENOENT;
            throw failure("chdir", errno, req.cwd().toString(), null);
        }
        int n = req.slots().size();
        Fd[] parentEnds = new Fd[n];
        List<Fd> childSide = new ArrayList<>(); // closed in the parent after the spawn, whatever happens
        boolean ok = false;
        try (Arena arena = Arena.ofConfined()) {
            int[] sources = new int[n];
            for (int i = 0; i < n; i++) {
                sources[i] = prepare(req.slots().get(i), i, parentEnds, childSide);
            }
            // The permutation problem: dup2(a, i) runs in order, so a source that is also an earlier target
            // would be clobbered. Move every source below n that is not already in place above n first (libuv).
            for (int i = 0; i < n; i++) {
                if (sources[i] < n && sources[i] != i) {
                    Fd moved = Fds.dupAtLeast(sources[i], n);
                    childSide.add(moved);
                    sources[i] = moved.number();
                }
            }
            MemorySegment fa = arena.allocate(LibC.SIZEOF_FILE_ACTIONS, 8);
            MemorySegment attr = arena.allocate(LibC.SIZEOF_SPAWNATTR, 8);
            check("posix_spawn_file_actions_init", LibC.posix_spawn_file_actions_init(fa), file);
            try {
                check("posix_spawnattr_init", LibC.posix_spawnattr_init(attr), file);
                try {
                    for (int i = 0; i < n; i++) {
                        // dup2(i, i) is how an inherited fd survives: glibc clears FD_CLOEXEC for it.
                        check("posix_spawn_file_actions_adddup2",
                                LibC.posix_spawn_file_actions_adddup2(fa, sources[i], i), file);
                    }
                    check("posix_spawn_file_actions_addclosefrom_np",
                            LibC.posix_spawn_file_actions_addclosefrom_np(fa, n), file);
                    if (req.cwd() != null) {
                        check("posix_spawn_file_actions_addchdir_np", LibC.posix_spawn_file_actions_addchdir_np(fa,
                                arena.allocateFrom(req.cwd().toString(), StandardCharsets.UTF_8)), file);
                    }
                    short flags = (short) (LibC.POSIX_SPAWN_SETSIGMASK | LibC.POSIX_SPAWN_SETSIGDEF);
                    if (req.setsid()) {
                        flags |= LibC.POSIX_SPAWN_SETSID;
                    } else if (req.killGroup()) {
                        flags |= LibC.POSIX_SPAWN_SETPGROUP;
                        check("posix_spawnattr_setpgroup", LibC.posix_spawnattr_setpgroup(attr, 0), file);
                    }
                    check("posix_spawnattr_setsigmask", LibC.posix_spawnattr_setsigmask(attr, Sigsets.EMPTY), file);
                    check("posix_spawnattr_setsigdefault", LibC.posix_spawnattr_setsigdefault(attr, Sigsets.FULL), file);
                    check("posix_spawnattr_setflags", LibC.posix_spawnattr_setflags(attr, flags), file);

                    MemorySegment pid = arena.allocate(ValueLayout.JAVA_INT);
                    MemorySegment envp = ParentEnvironment.isStrings(req.env()) ? ParentEnvironment.envp()
                            : cStrings(arena, req.env());
                    MemorySegment path = arena.allocateFrom(file, StandardCharsets.UTF_8);
                    MemorySegment argv = cStrings(arena, req.argv());
                    Reaper.SPAWNING.readLock().lock();
                    try {
                        int rc = LibC.posix_spawn(pid, path, fa, attr, argv, envp);
                        if (rc != 0) throw failure("posix_spawn", rc, file, null);
                        ok = true;
                        return new Spawned(Reaper.open(pid.get(ValueLayout.JAVA_INT, 0)), parentEnds);
                    } finally {
                        Reaper.SPAWNING.readLock().unlock();
                    }
                } finally {
                    LibC.posix_spawnattr_destroy(attr);
                }
            } finally {
                LibC.posix_spawn_file_actions_destroy(fa);
            }
        } catch (PosixException e) {
            throw failure(e.syscall(), e.errno(), e.subject(), e);
        } finally {
            for (Fd fd : childSide) fd.close();
            if (!ok) {
                for (Fd fd : parentEnds) if (fd != null) fd.close();
            }
        }
    }

    /** Creates what slot i needs; returns the parent fd the child's fd i is duplicated from. */
    private static int prepare(Slot slot, int i, Fd[] parentEnds, List<Fd> childSide) throws PosixException {
        return switch (slot) {
            case Slot.ParentWrites p -> {
                Fd[] pipe = Fds.pipe();
                parentEnds[i] = pipe[1];
                childSide.add(pipe[0]);
                yield pipe[0].number();
            }
            case Slot.ParentReads p -> {
                Fd[] pipe = Fds.pipe();
                parentEnds[i] = pipe[0];
                childSide.add(pipe[1]);
                yield pipe[1].number();
            }
            case Slot.Duplex _, Slot.Ipc _ -> {
                Fd[] pair = Fds.socketPair();
                parentEnds[i] = pair[0];
                childSide.add(pair[1]);
                yield pair[1].number();
            }
            case Slot.Null nul -> Fds.devNull();
            case Slot.Dup(int parentFd) -> {
                Posix.requireOpen(parentFd, "parent fd " + parentFd + " for child fd " + i);
                yield parentFd;
            }
            case Slot.OpenFile(String path, int flags) -> {
                Fd f = Fds.open(path, flags, 0666);
                childSide.add(f);
                yield f.number();
            }
        };
    }

    /**
     * execvp's search, done in the parent with the child's PATH: the first executable regular file wins; a
     * match that is not executable gives EACCES; no match gives ENOENT without spawning anything (a bare
     * name is never run from the working directory).
     */
    static String resolve(SpawnRequest req) throws SpawnException {
        String program = req.program();
        if (program.indexOf('/') >= 0) return program;
        // A PATH with a relative or empty entry resolves differently per cwd: never cached.
        boolean cacheable = !req.path().isEmpty();
        for (String dir : req.path().split(":", -1)) cacheable &= dir.startsWith("/");
        if (!cacheable) return search(req, program);
        String key = req.path() + '\0' + program;
        String hit = RESOLVED.get(key);
        if (hit != null && Files.isExecutable(Path.of(hit))) return hit; // one stat instead of one per PATH entry
        String found = search(req, program);
        if (RESOLVED.size() > 1024) RESOLVED.clear();
        RESOLVED.put(key, found);
        return found;
    }

    private static String search(SpawnRequest req, String program) throws SpawnException {
        String denied = null;
        for (String dir : req.path().split(":", -1)) {
            Path candidate = (dir.isEmpty() ? Path.of(".") : Path.of(dir)).resolve(program);
            if (Files.isRegularFile(candidate)) {
                if (Files.isExecutable(candidate)) return candidate.toString();
                if (denied == null) denied = candidate.toString();
            }
        }
        if (denied != null) throw failure("posix_spawn", Errno.EACCES, denied, null);
        throw failure("posix_spawn", Errno.ENOENT, program, null);
    }

    static MemorySegment cStrings(Arena arena, List<String> strings) {
        // The pointers are stored as JAVA_LONG addresses (LP64): a set through ADDRESS would make a fresh JVM
        // generate an adapted var handle and its lambda forms (~2 ms) on its first spawn. The strings live as
        // long as the arena, which outlives the array's use.
        MemorySegment array = arena.allocate(ValueLayout.JAVA_LONG, strings.size() + 1);
        for (int i = 0; i < strings.size(); i++) {
            array.setAtIndex(ValueLayout.JAVA_LONG, i, arena.allocateFrom(strings.get(i), StandardCharsets.UTF_8).address());
        }
        array.setAtIndex(ValueLayout.JAVA_LONG, strings.size(), 0L);
        return array;
    }

    private static void check(String call, int rc, String file) throws PosixException {
        Posix.checkReturned(rc, call, file);
    }

    static SpawnException failure(String syscall, int errno, String path, Throwable cause) {
        return new SpawnException(PosixException.format(syscall, errno, path), syscall, errno, Errno.name(errno),
                path, cause);
    }
}
