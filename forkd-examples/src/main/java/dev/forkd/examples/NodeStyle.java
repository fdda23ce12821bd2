package dev.forkd.examples;

import dev.forkd.ExitStatus;
import dev.forkd.Signal;
import dev.forkd.Stdio;
import java.nio.file.Path;

/** The few things every example needs, spelled the way the article's output reads. */
public final class NodeStyle {
    private NodeStyle() {}

    /**
     * Node's {@code stdio: 'inherit'}: the child's fds 0-2 are the parent's. Java's {@code System.out} is
     * flushed first so that our text and the child's appear in the order they were written.
     */
    static Stdio[] inheritAll() {
        System.out.flush();
        System.err.flush();
        return new Stdio[] {Stdio.inherit(), Stdio.inherit(), Stdio.inherit()};
    }

    /** Node's {@code 'exit'} handler arguments: {@code "code 0 and signal null"}, {@code "code null and signal SIGTERM"}. */
    public static String codeAndSignal(ExitStatus status) {
        String code = status.exitCode().isPresent() ? String.valueOf(status.exitCode().getAsInt()) : "null";
        String signal = status.signalCode().map(Signal::name).orElse("null");
        return "code " + code + " and signal " + signal;
    }

    /** The directory an example works in: its first argument, else this JVM's working directory. */
    static Path dir(String[] args) {
        return Path.of(args.length > 0 ? args[0] : ".");
    }
}
