package dev.forkd.examples;

/** Placeholder entry point; the examples land in the next commit. */
public final class Main {
    public static void main(String[] args) {
        System.out.println("forkd examples");
    }
}
