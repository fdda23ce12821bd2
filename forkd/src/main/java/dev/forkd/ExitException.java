package dev.forkd;

import java.io.IOException;

/**
 * An exec-family child failed: it exited non-zero, a signal ended it, it timed out, or it wrote more than
 * {@link ExecOptions#maxBuffer()}. Carries everything the child produced.
 *
 * <p>Message: {@code "Command failed (exit status: 2): ls nope"} followed by the child's stderr, of which at
 * most the first and last 2 KiB are quoted.
 */
public class ExitException extends IOException {
    private static final int QUOTE = 2048;

    private final String command;
    private final Output output;
    private final boolean killed;
    private final boolean timedOut;
    private final boolean maxBufferExceeded;

    public ExitException(String command, Output output, boolean killed, boolean timedOut, boolean maxBufferExceeded) {
        super(message(command, output, timedOut, maxBufferExceeded));
        this.command = command;
        this.output = output;
        this.killed = killed;
        this.timedOut = timedOut;
        this.maxBufferExceeded = maxBufferExceeded;
    }

    private static String message(String command, Output output, boolean timedOut, boolean maxBuffer) {
        StringBuilder sb = new StringBuilder("Command failed (");
        if (timedOut) sb.append("timed out, ");
        if (maxBuffer) sb.append("maxBuffer exceeded, ");
        sb.append(output.status()).append("): ").append(command);
        String err = output.stderrText();
        if (!err.isEmpty()) {
            sb.append('\n');
            if (err.length() <= 2 * QUOTE) {
                sb.append(err);
            } else {
                sb.append(err, 0, QUOTE).append("\n... [").append(err.length() - 2 * QUOTE)
                  .append(" characters omitted] ...\n").append(err, err.length() - QUOTE, err.length());
            }
        }
        return sb.toString();
    }

    /** The command line as run (for exec: the shell command). */
    public String command() {
        return command;
    }

    /** What the child wrote, truncated to maxBuffer, and how it ended. */
    public Output output() {
        return output;
    }

    public ExitStatus status() {
        return output.status();
    }

    /** True if forkd signalled the child: on timeout, maxBuffer or cancellation. */
    public boolean killed() {
        return killed;
    }

    public boolean timedOut() {
        return timedOut;
    }

    public boolean maxBufferExceeded() {
        return maxBufferExceeded;
    }
}
