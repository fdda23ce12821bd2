package dev.forkd.bench;

import static java.lang.foreign.ValueLayout.JAVA_LONG;

import dev.forkd.ChildProcesses;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import java.util.Locale;

/**
 * The first and second {@code execFileSync("echo", "hi")} of a fresh JVM (forkd) against the same with
 * {@code ProcessBuilder}: what a short-lived program that spawns once pays. {@code ffm} measures the floor
 * under forkd's figure instead: no spawn, only what any FFM code pays for its first native call in a fresh JVM
 * (the linker, the first downcall handle of forkd's one shape, {@code long f(long×6)} with errno captured, and
 * one call of {@code getpid} through it).
 *
 * <pre>
 *   FirstSpawn forkd|pb|ffm
 * </pre>
 */
public final class FirstSpawn {
    /** The ffm variant's downcall and its target, made by its first call. */
    private static MethodHandle getpid;
    private static MemorySegment getpidAddress;

    private FirstSpawn() {}

    public static void main(String[] args) throws Throwable {
        String impl = args.length == 1 ? args[0] : "";
        if (!(impl.equals("forkd") || impl.equals("pb") || impl.equals("ffm"))) {
            System.err.println("usage: FirstSpawn forkd|pb|ffm");
            System.exit(2);
        }
        long t0 = System.nanoTime();
        once(impl);
        long t1 = System.nanoTime();
        once(impl);
        long t2 = System.nanoTime();
        System.out.printf(Locale.ROOT, "RESULT first-spawn %s first %.2f ms%n", impl, (t1 - t0) / 1e6);
        System.out.printf(Locale.ROOT, "RESULT first-spawn %s second %.2f ms%n", impl, (t2 - t1) / 1e6);
    }

    private static void once(String impl) throws Throwable {
        if (impl.equals("ffm")) {
            if (getpid == null) {
                Linker linker = Linker.nativeLinker();
                getpidAddress = linker.defaultLookup().find("getpid").orElseThrow();
                getpid = linker.downcallHandle(FunctionDescriptor.of(JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG,
                        JAVA_LONG, JAVA_LONG, JAVA_LONG), Linker.Option.captureCallState("errno"));
            }
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment errno = arena.allocate(Linker.Option.captureStateLayout());
                long pid = (long) getpid.invokeExact(getpidAddress, errno, 0L, 0L, 0L, 0L, 0L, 0L);
                if (pid <= 0) throw new IllegalStateException("getpid " + pid);
            }
        } else if (impl.equals("forkd")) {
            if (ChildProcesses.execFileSync("echo", "hi").stdout().length != 3) throw new IllegalStateException("echo");
        } else {
            Process p = new ProcessBuilder("echo", "hi").start();
            p.getOutputStream().close();
            byte[] out = p.getInputStream().readAllBytes();
            p.getErrorStream().readAllBytes();
            if (p.waitFor() != 0 || out.length != 3) throw new IllegalStateException("echo");
        }
    }
}
