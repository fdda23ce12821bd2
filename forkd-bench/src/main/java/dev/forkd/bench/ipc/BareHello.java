package dev.forkd.bench.ipc;

/**
 * The start-up floor: a JVM that prints one line to stdout (no forkd, no FFM, no Jackson) with its
 * {@code main} timestamp, then exits.
 */
public final class BareHello {
    private BareHello() {}

    public static void main(String[] args) {
        System.out.println("hello " + System.nanoTime());
    }
}
