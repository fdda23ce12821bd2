package dev.forkd;

import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Objects;
import java.util.Optional;

/**
 * A finished child's exit status and captured output. An output that was not piped (inherited, ignored, a
 * file) is empty here.
 *
 * <p>{@link ChildProcesses#spawnSync} never throws for how the child ended, so its result says what forkd
 * did to it: {@link #timedOut()} (Node's {@code result.error.code === 'ETIMEDOUT'}) when the timeout killed
 * it, {@link #maxBufferExceeded()} ({@code 'ENOBUFS'}) when its output passed maxBuffer and it was killed;
 * {@link #errorCode()} gives Node's code. The throwing variants report the same in {@link ExitException}.
 *
 * @param status            how the child ended
 * @param stdout            what it wrote to fd 1, at most {@link ExecOptions#maxBuffer()} bytes
 * @param stderr            what it wrote to fd 2, at most {@link ExecOptions#maxBuffer()} bytes
 * @param encoding          the charset {@link #stdoutText()} and {@link #stderrText()} decode with
 * @param timedOut          the child ran past {@link ExecOptions#timeout()} and was killed
 * @param maxBufferExceeded stdout or stderr passed {@link ExecOptions#maxBuffer()}; the child was killed and
 *                          the output is cut at maxBuffer
 */
public record Output(ExitStatus status, byte[] stdout, byte[] stderr, Charset encoding, boolean timedOut,
                     boolean maxBufferExceeded) {
    public Output {
        Objects.requireNonNull(status, "status");
        Objects.requireNonNull(stdout, "stdout");
        Objects.requireNonNull(stderr, "stderr");
        Objects.requireNonNull(encoding, "encoding");
    }

    /** An output of a child that forkd did not kill. */
    public Output(ExitStatus status, byte[] stdout, byte[] stderr, Charset encoding) {
        this(status, stdout, stderr, encoding, false, false);
    }

    /** An output decoded as UTF-8, of a child that forkd did not kill. */
    public Output(ExitStatus status, byte[] stdout, byte[] stderr) {
        this(status, stdout, stderr, StandardCharsets.UTF_8);
    }

    /**
     * Node's {@code error.code} for a child forkd killed: {@code "ETIMEDOUT"} for a timeout, {@code "ENOBUFS"}
     * for maxBuffer (the timeout wins if both happened); empty if forkd let it end by itself.
     */
    public Optional<String> errorCode() {
        return timedOut ? Optional.of("ETIMEDOUT") : maxBufferExceeded ? Optional.of("ENOBUFS") : Optional.empty();
    }

    public String stdoutText() {
        return new String(stdout, encoding);
    }

    public String stderrText() {
        return new String(stderr, encoding);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Output(ExitStatus s, byte[] out, byte[] err, Charset enc, boolean t, boolean m)
                && status.equals(s) && Arrays.equals(stdout, out) && Arrays.equals(stderr, err)
                && encoding.equals(enc) && timedOut == t && maxBufferExceeded == m;
    }

    @Override
    public int hashCode() {
        return Objects.hash(status, Arrays.hashCode(stdout), Arrays.hashCode(stderr), encoding, timedOut,
                maxBufferExceeded);
    }

    @Override
    public String toString() {
        return "Output[" + status + (timedOut ? ", timed out" : "") + (maxBufferExceeded ? ", maxBuffer exceeded" : "")
                + ", stdout=" + stdout.length + " bytes, stderr=" + stderr.length + " bytes]";
    }
}
