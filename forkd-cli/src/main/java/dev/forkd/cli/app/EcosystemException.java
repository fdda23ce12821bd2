package dev.forkd.cli.app;

/**
 * An ecosystem file that cannot be loaded: unreadable, of an unknown type, not valid YAML or JSON, or holding a
 * field or value that {@link Ecosystem} or {@link AppSpec} rejects. The message is one line meant for the person
 * who wrote the file: {@code <file>[:<line>:<column>]: [<field path>: ]<problem>}, for example
 * {@code apps.yaml:7:16: apps[1].instances: expected a whole number or "max", got "lots"}. The cause, when there
 * is one, is the I/O or Jackson exception it was made from.
 */
public final class EcosystemException extends Exception {
    EcosystemException(String message, Throwable cause) {
        super(message, cause);
    }
}
