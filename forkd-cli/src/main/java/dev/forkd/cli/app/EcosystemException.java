package dev.forkd.cli.app;

/** Placeholder until the ecosystem parser lands. */
public final class EcosystemException extends Exception {
    public EcosystemException(String message) {
        super(message);
    }
}
