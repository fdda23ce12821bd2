package dev.forkd.examples;

/** An example's entry point: a {@code main} that may throw, so that {@link Main} reports failures in one place. */
@FunctionalInterface
public interface ExampleMain {
    void main(String[] args) throws Exception;
}
