package dev.forkd.cli.supervisor;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** A process's CPU time and resident memory, from /proc. */
public record ProcStats(long cpuTicks, long rssBytes) {
    /** Clock ticks per second of /proc's utime and stime (USER_HZ: 100 on Linux). */
    static final long TICKS_PER_SECOND = 100;

    /** The process's start time (clock ticks after boot): with the pid, it names one process for good. */
    public static long startTime(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
            return Long.parseLong(stat.substring(stat.lastIndexOf(')') + 2).split(" ")[19]); // field 22
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }

    /** The figures now, or null if the process is gone. */
    static ProcStats of(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
            String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            long ticks = Long.parseLong(f[11]) + Long.parseLong(f[12]); // utime, stime (fields 14, 15)
            long rssPages = Long.parseLong(f[21]);                     // rss (field 24)
            return new ProcStats(ticks, rssPages * 4096);
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }
}
