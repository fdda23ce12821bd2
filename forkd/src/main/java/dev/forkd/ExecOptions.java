package dev.forkd;

import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Objects;

/**
 * Options of the exec family ({@code exec}, {@code execFile}, and the sync variants), Node's names.
 *
 * {@snippet :
 * ExecOptions opts = ExecOptions.defaults().timeout(Duration.ofSeconds(5)).maxBuffer(64 << 20);
 * }
 *
 * @param timeout    how long the child may run; {@link Duration#ZERO} (default) for no limit. When it
 *                   elapses the child's process group gets {@code killSignal}, then SIGKILL after
 *                   {@code killGrace}.
 * @param killSignal the signal for timeouts, {@code maxBuffer} and cancellation (default SIGTERM)
 * @param killGrace  how long after {@code killSignal} forkd sends SIGKILL to what is left (default 5 s)
 * @param maxBuffer  the most bytes kept per output stream (default 1 MiB); more kills the child and the
 *                   output is truncated to exactly this many bytes. {@link Long#MAX_VALUE} for no limit.
 * @param encoding   the charset for {@link Output#stdoutText()} / {@link Output#stderrText()} (default UTF-8)
 * @param input      bytes written to the child's stdin, which is then closed; null (default) for none, and
 *                   then stdin is {@code /dev/null} unless the command says otherwise
 */
public record ExecOptions(Duration timeout, Signal killSignal, Duration killGrace, long maxBuffer, Charset encoding,
                          byte[] input) {
    public static final long DEFAULT_MAX_BUFFER = 1024 * 1024;
    private static final ExecOptions DEFAULTS = new ExecOptions(Duration.ZERO, Signal.SIGTERM, Duration.ofSeconds(5),
            DEFAULT_MAX_BUFFER, StandardCharsets.UTF_8, null);

    public ExecOptions {
        Objects.requireNonNull(timeout, "timeout");
        Objects.requireNonNull(killSignal, "killSignal");
        Objects.requireNonNull(killGrace, "killGrace");
        Objects.requireNonNull(encoding, "encoding");
        if (timeout.isNegative()) throw new IllegalArgumentException("negative timeout " + timeout);
        if (killGrace.isNegative()) throw new IllegalArgumentException("negative killGrace " + killGrace);
        if (maxBuffer < 0) throw new IllegalArgumentException("negative maxBuffer " + maxBuffer);
        if (killSignal.number() == 0) throw new IllegalArgumentException("killSignal must be a real signal");
    }

    public static ExecOptions defaults() {
        return DEFAULTS;
    }

    public ExecOptions timeout(Duration timeout) {
        return new ExecOptions(timeout, killSignal, killGrace, maxBuffer, encoding, input);
    }

    public ExecOptions killSignal(Signal killSignal) {
        return new ExecOptions(timeout, killSignal, killGrace, maxBuffer, encoding, input);
    }

    public ExecOptions killGrace(Duration killGrace) {
        return new ExecOptions(timeout, killSignal, killGrace, maxBuffer, encoding, input);
    }

    public ExecOptions maxBuffer(long maxBuffer) {
        return new ExecOptions(timeout, killSignal, killGrace, maxBuffer, encoding, input);
    }

    public ExecOptions encoding(Charset encoding) {
        return new ExecOptions(timeout, killSignal, killGrace, maxBuffer, encoding, input);
    }

    public ExecOptions input(byte[] input) {
        return new ExecOptions(timeout, killSignal, killGrace, maxBuffer, encoding, input == null ? null : input.clone());
    }

    /** Input as text in this options' {@link #encoding()}. */
    public ExecOptions input(String input) {
        return input(input.getBytes(encoding));
    }

    public boolean hasTimeout() {
        return !timeout.isZero();
    }
}
