package dev.forkd.bench;

import dev.forkd.ChildProcesses;
import java.util.Locale;

/**
 * The first and second {@code execFileSync("echo", "hi")} of a fresh JVM (forkd) against the same with
 * {@code ProcessBuilder}: what a short-lived program that spawns once pays.
 *
 * <pre>
 *   FirstSpawn forkd|pb
 * </pre>
 */
public final class FirstSpawn {
    private FirstSpawn() {}

    public static void main(String[] args) throws Exception {
        boolean forkd = args.length == 1 && args[0].equals("forkd");
        if (args.length != 1 || !(forkd || args[0].equals("pb"))) {
            System.err.println("usage: FirstSpawn forkd|pb");
            System.exit(2);
        }
        long t0 = System.nanoTime();
        echo(forkd);
        long t1 = System.nanoTime();
        echo(forkd);
        long t2 = System.nanoTime();
        System.out.printf(Locale.ROOT, "RESULT first-spawn %s first %.2f ms%n", args[0], (t1 - t0) / 1e6);
        System.out.printf(Locale.ROOT, "RESULT first-spawn %s second %.2f ms%n", args[0], (t2 - t1) / 1e6);
    }

    private static void echo(boolean forkd) throws Exception {
        if (forkd) {
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
