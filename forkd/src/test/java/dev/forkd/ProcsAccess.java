package dev.forkd;

/** Public doors to {@link Procs} for tests in other packages. */
public final class ProcsAccess {
    private ProcsAccess() {}

    public static boolean zombie(long pid) {
        String stat = Procs.stat(pid);
        return stat != null && Procs.state(stat) == 'Z';
    }

    public static boolean awaitGone(long pid) throws InterruptedException {
        return Procs.awaitGone(pid);
    }
}
