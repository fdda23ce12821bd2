package dev.forkd.internal.reap;

import dev.forkd.internal.io.LazyLogger;
import dev.forkd.internal.posix.Errno;
import dev.forkd.internal.posix.LibC;
import dev.forkd.internal.posix.Posix;
import dev.forkd.internal.posix.PosixException;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * What an init must do and forkd otherwise never does: reap children it did not start. A process that is
 * PID 1 (a container's entry point) or a child subreaper inherits every orphaned descendant; when one exits
 * it stays a zombie until its new parent waits for it. This reaper looks about every 250 ms with
 * {@code waitid(P_ALL, WNOWAIT)} (it only peeks) and reaps, by pid, each exited child that is not one of
 * forkd's own (those are reaped by their pidfd, with their status delivered).
 */
public final class OrphanReaper {
    private static final System.Logger LOG = LazyLogger.of("dev.forkd");
    private static final long PERIOD_MILLIS = 250;
    private static boolean started; // guarded by OrphanReaper.class

    private OrphanReaper() {}

    /** Becomes a child subreaper (a no-op for PID 1) and starts reaping; idempotent. */
    public static synchronized void start() throws PosixException {
        if (started) return;
        Reaper.init();
        Posix.check(LibC.prctl(LibC.PR_SET_CHILD_SUBREAPER, 1), "prctl(PR_SET_CHILD_SUBREAPER)", null);
        started = true;
        Thread.ofPlatform().daemon().name("forkd-orphan-reaper").start(() -> {
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment si = arena.allocate(LibC.SIZEOF_SIGINFO, 8);
                while (true) {
                    Reaper.SPAWNING.writeLock().lock();
                    try {
                        reapOnce(si);
                    } finally {
                        Reaper.SPAWNING.writeLock().unlock();
                    }
                    Thread.sleep(PERIOD_MILLIS);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
    }

    /** Reaps every exited child that forkd does not watch; returns how many. */
    static int reapOnce(MemorySegment si) {
        int reaped = 0;
        while (true) {
            si.fill((byte) 0);
            if (LibC.waitid(LibC.P_ALL, 0, si, LibC.WEXITED | LibC.WNOHANG | LibC.WNOWAIT) != 0) {
                int err = LibC.errno();
                if (err == Errno.EINTR) continue;
                return reaped; // ECHILD: no children at all
            }
            int pid = si.get(ValueLayout.JAVA_INT, 16);
            if (pid == 0) return reaped; // none has exited
            if (!Reaper.WATCHED.contains(pid)) {
                if (reap(pid, si)) reaped++;
                continue;
            }
            // The first exited child is forkd's own, about to be reaped by the loop; waitid shows only that
            // one, so look for other zombies in /proc.
            return reaped + reapZombiesBesidesWatched(si);
        }
    }

    private static boolean reap(int pid, MemorySegment si) {
        while (LibC.waitid(LibC.P_PID, pid, si, LibC.WEXITED | LibC.WNOHANG) != 0) {
            if (LibC.errno() != Errno.EINTR) return false;
        }
        LOG.log(System.Logger.Level.DEBUG, "reaped orphan " + pid);
        return true;
    }

    private static int reapZombiesBesidesWatched(MemorySegment si) {
        long self = ProcessHandle.current().pid();
        int n = 0;
        try (DirectoryStream<Path> procs = Files.newDirectoryStream(Path.of("/proc"), "[0-9]*")) {
            for (Path p : procs) {
                int pid = Integer.parseInt(p.getFileName().toString());
                if (Reaper.WATCHED.contains(pid)) continue;
                String stat;
                try {
                    stat = Files.readString(p.resolve("stat"));
                } catch (IOException gone) {
                    continue;
                }
                String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ", 3);
                if (f[0].equals("Z") && Long.parseLong(f[1]) == self && reap(pid, si)) n++;
            }
        } catch (IOException | RuntimeException e) {
            // /proc unreadable: the next round retries
        }
        return n;
    }
}
