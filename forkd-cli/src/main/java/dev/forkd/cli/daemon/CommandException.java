package dev.forkd.cli.daemon;

/** A command that cannot be carried out: its message goes to the client's stderr, its status is the exit code. */
final class CommandException extends Exception {
    private final int status;

    CommandException(String message) {
        this(message, 1);
    }

    CommandException(String message, int status) {
        super(message);
        this.status = status;
    }

    int status() {
        return status;
    }
}
