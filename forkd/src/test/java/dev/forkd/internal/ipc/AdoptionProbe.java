package dev.forkd.internal.ipc;

/** Run in a child JVM without --add-opens: prints the message HandleAdoption gives. */
public final class AdoptionProbe {
    public static void main(String[] args) {
        try {
            HandleAdoption.checkAvailable();
            System.out.println("available");
        } catch (IllegalStateException e) {
            System.out.println(e.getMessage());
        }
    }
}
