package dev.forkd;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.stream.Stream;

/** Reads /proc for the tests: liveness, zombies, open fds. */
final class Procs {
    private Procs() {}

    /** True if pid exists and is not a zombie. */
    static boolean alive(long pid) {
        String stat = stat(pid);
        return stat != null && state(stat) != 'Z';
    }

    static String stat(long pid) {
        try {
            return Files.readString(Path.of("/proc/" + pid + "/stat"));
        } catch (IOException e) {
            return null;
        }
    }

    static char state(String stat) {
        return stat.charAt(stat.lastIndexOf(')') + 2);
    }

    /** Field n (1-based, as in proc(5)) of /proc/pid/stat. */
    static long statField(long pid, int n) {
        String stat = stat(pid);
        if (stat == null) throw new IllegalStateException("no process " + pid);
        String[] rest = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        return Long.parseLong(rest[n - 3]);
    }

    /** Children of this JVM that are zombies. */
    static List<Long> zombieChildren() throws IOException {
        List<Long> zombies = new ArrayList<>();
        childStats().forEach((pid, stat) -> {
            if (state(stat) == 'Z') zombies.add(pid);
        });
        return zombies;
    }

    /** Every child of this JVM, in any state (running, dying, zombie). */
    static Set<Long> children() throws IOException {
        return childStats().keySet();
    }

    /** The children of this JVM with their /proc stat line, read once each; by pid. */
    private static SortedMap<Long, String> childStats() throws IOException {
        long self = ProcessHandle.current().pid();
        SortedMap<Long, String> children = new TreeMap<>();
        try (Stream<Path> dirs = Files.list(Path.of("/proc"))) {
            for (Path d : (Iterable<Path>) dirs::iterator) {
                String name = d.getFileName().toString();
                if (!name.chars().allMatch(Character::isDigit)) continue;
                String stat = stat(Long.parseLong(name));
                if (stat == null) continue;
                String[] rest = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
                if (Long.parseLong(rest[1]) == self) children.put(Long.parseLong(name), stat);
            }
        }
        return children;
    }

    /**
     * Waits up to 10 s until this JVM has no children but {@code kept}: every other one has exited and been
     * reaped. Returns those still there, with their state. Waiting for "no zombie" alone is not enough after a
     * kill: a child still dying is not a zombie yet, and becomes one a moment later.
     */
    static List<String> awaitOnlyChildren(Set<Long> kept) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + 10_000_000_000L;
        List<String> extra;
        do {
            extra = new ArrayList<>();
            for (var c : childStats().entrySet()) {
                if (kept.contains(c.getKey())) continue;
                String stat = c.getValue();
                extra.add(c.getKey() + " " + stat.substring(stat.indexOf('('), stat.lastIndexOf(')') + 3));
            }
            if (extra.isEmpty()) return extra;
            Thread.sleep(20);
        } while (System.nanoTime() < deadline);
        return extra;
    }

    static int openFdCount() throws IOException {
        try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
            return (int) fds.count();
        }
    }

    /**
     * The fd count once the event loop has finished closing what earlier children left (read ends reach EOF
     * and write ends close just after a reap, on the loop): the same count three times 50 ms apart, or the
     * last one after 2 s. A baseline for leak checks.
     */
    static int settledFdCount() throws IOException, InterruptedException {
        int n = openFdCount();
        for (int same = 0, i = 0; same < 3 && i < 40; i++) {
            Thread.sleep(50);
            int m = openFdCount();
            same = m == n ? same + 1 : 0;
            n = m;
        }
        return n;
    }

    /** Waits up to 5 s for pid to be gone (or a zombie); true if it went. */
    static boolean awaitGone(long pid) throws InterruptedException {
        for (int i = 0; i < 500; i++) {
            if (!alive(pid)) return true;
            Thread.sleep(10);
        }
        return false;
    }
}
