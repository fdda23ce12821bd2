package dev.forkd.internal.spawn;

import dev.forkd.internal.reap.PidHandle;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Children in a process group of their own do not get the terminal's Ctrl-C, so they could outlive a JVM
 * that was interrupted. When the JVM shuts down (normally, on SIGINT/SIGTERM/SIGHUP), the groups of
 * children that are still running get SIGTERM. Detached children are left alone on purpose. A JVM killed
 * with SIGKILL runs no hook; see the README.
 */
final class ShutdownGuard {
    private static final Set<PidHandle> GROUPS = ConcurrentHashMap.newKeySet();
    private static volatile boolean hooked;

    private ShutdownGuard() {}

    static void add(PidHandle handle) {
        if (!hooked) {
            synchronized (ShutdownGuard.class) {
                if (!hooked) {
                    Runtime.getRuntime().addShutdownHook(
                            Thread.ofPlatform().name("forkd-shutdown").unstarted(ShutdownGuard::terminateAll));
                    hooked = true;
                }
            }
        }
        GROUPS.add(handle);
    }

    static void remove(PidHandle handle) {
        GROUPS.remove(handle);
    }

    private static void terminateAll() {
        for (PidHandle h : GROUPS) {
            try {
                if (!h.isReaped()) h.signalGroup(dev.forkd.Signal.SIGTERM.number());
            } catch (Exception ignored) {
                // best effort while the JVM exits
            }
        }
    }
}
