package dev.forkd;

import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * How a child ended: it exited with a code, or a signal killed it. Exactly one of the two, never a magic
 * number: a child killed by SIGTERM is {@code Signaled(SIGTERM)}, not 143.
 *
 * <p>{@code toString()} prints like a shell: {@code "exit status: 3"}, {@code "signal: 15 (SIGTERM)"},
 * {@code "signal: 11 (SIGSEGV) (core dumped)"}.
 */
public sealed interface ExitStatus {

    /** The child called exit with {@code code} (0-255). */
    record Exited(int code) implements ExitStatus {
        public Exited {
            if (code < 0 || code > 255) throw new IllegalArgumentException("exit code out of range: " + code);
        }

        @Override
        public String toString() {
            return "exit status: " + code;
        }
    }

    /** A signal ended the child; {@code coreDumped} when the kernel wrote a core file. */
    record Signaled(Signal signal, boolean coreDumped) implements ExitStatus {
        public Signaled {
            Objects.requireNonNull(signal, "signal");
        }

        @Override
        public String toString() {
            return "signal: " + signal.number() + " (" + signal.name() + ")" + (coreDumped ? " (core dumped)" : "");
        }
    }

    /** True only for exit code 0. */
    default boolean success() {
        return this instanceof Exited(int code) && code == 0;
    }

    /** The exit code, empty if a signal ended the child (Node's {@code exitCode}). */
    default OptionalInt exitCode() {
        return this instanceof Exited(int code) ? OptionalInt.of(code) : OptionalInt.empty();
    }

    /** The signal that ended the child, empty if it exited (Node's {@code signalCode}). */
    default Optional<Signal> signalCode() {
        return this instanceof Signaled(Signal signal, boolean ignored) ? Optional.of(signal) : Optional.empty();
    }
}
