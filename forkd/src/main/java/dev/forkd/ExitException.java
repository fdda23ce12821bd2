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
    /** How the child ended, what it wrote, and whether the timeout or maxBuffer ended it: the one record of it. */
    private final Output output;
    private final boolean killed;

    /**
     * An exec-family failure. {@code timedOut} and {@code maxBufferExceeded} repeat what {@code output} records
     * ({@link Output#timedOut()}, {@link Output#maxBufferExceeded()}), which is what this exception reports.
     *
     * @param command           the command line as run
     * @param output            what the child wrote and how it ended
     * @param killed            forkd signalled the child (on timeout, maxBuffer or cancellation)
     * @param timedOut          as {@code output.timedOut()}
     * @param maxBufferExceeded as {@code output.maxBufferExceeded()}
     * @throws IllegalArgumentException if {@code timedOut} or {@code maxBufferExceeded} disagrees with
     *                                  {@code output}
     */
    public ExitException(String command, Output output, boolean killed, boolean timedOut, boolean maxBufferExceeded) {
        super(message(command, checked(output, timedOut, maxBufferExceeded)));
        this.command = command;
        this.output = output;
        this.killed = killed;
    }

    /** The one place that rejects contradictions; returns {@code output}. */
    private static Output checked(Output output, boolean timedOut, boolean maxBufferExceeded) {
        if (timedOut != output.timedOut() || maxBufferExceeded != output.maxBufferExceeded()) {
            throw new IllegalArgumentException("timedOut=" + timedOut + ", maxBufferExceeded=" + maxBufferExceeded
                    + " contradict the output: " + output);
        }
        return output;
    }

    private static String message(String command, Output output) {
        StringBuilder sb = new StringBuilder("Command failed (");
        if (output.timedOut()) sb.append("timed out, ");
        if (output.maxBufferExceeded()) sb.append("maxBuffer exceeded, ");
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

    /** The child ran past {@link ExecOptions#timeout()} and was killed: {@link Output#timedOut()}. */
    public boolean timedOut() {
        return output.timedOut();
    }

    /** Its stdout or stderr passed maxBuffer and it was killed: {@link Output#maxBufferExceeded()}. */
    public boolean maxBufferExceeded() {
        return output.maxBufferExceeded();
    }
}
