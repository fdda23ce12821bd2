package dev.forkd;

import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Objects;

/**
 * A finished child's exit status and captured output. An output that was not piped (inherited, ignored, a
 * file) is empty here.
 *
 * @param status   how the child ended
 * @param stdout   what it wrote to fd 1, at most {@link ExecOptions#maxBuffer()} bytes
 * @param stderr   what it wrote to fd 2, at most {@link ExecOptions#maxBuffer()} bytes
 * @param encoding the charset {@link #stdoutText()} and {@link #stderrText()} decode with
 */
public record Output(ExitStatus status, byte[] stdout, byte[] stderr, Charset encoding) {
    public Output {
        Objects.requireNonNull(status, "status");
        Objects.requireNonNull(stdout, "stdout");
        Objects.requireNonNull(stderr, "stderr");
        Objects.requireNonNull(encoding, "encoding");
    }

    /** An output decoded as UTF-8. */
    public Output(ExitStatus status, byte[] stdout, byte[] stderr) {
        this(status, stdout, stderr, StandardCharsets.UTF_8);
    }

    public String stdoutText() {
        return new String(stdout, encoding);
    }

    public String stderrText() {
        return new String(stderr, encoding);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Output(ExitStatus s, byte[] out, byte[] err, Charset enc)
                && status.equals(s) && Arrays.equals(stdout, out) && Arrays.equals(stderr, err)
                && encoding.equals(enc);
    }

    @Override
    public int hashCode() {
        return Objects.hash(status, Arrays.hashCode(stdout), Arrays.hashCode(stderr), encoding);
    }

    @Override
    public String toString() {
        return "Output[" + status + ", stdout=" + stdout.length + " bytes, stderr=" + stderr.length + " bytes]";
    }
}
