package dev.forkd.examples;

import java.util.Objects;

/**
 * One runnable example.
 *
 * @param name    the command-line name, e.g. {@code spawn-pwd}
 * @param mirrors the article's Node snippet it mirrors, shortened, for headings and the usage text
 * @param main    its entry point
 * @param input   what the tour gives it so that its output is short and the same on every machine
 */
public record Example(String name, String mirrors, ExampleMain main, TourInput input) {
    public Example {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(mirrors, "mirrors");
        Objects.requireNonNull(main, "main");
        Objects.requireNonNull(input, "input");
    }

    /** Runs one example of a tour. */
    public interface Runner {
        void run(Example example) throws Exception;
    }

    /** Runs {@code examples} in order, each under a "== [i/n] name: mirrors ==" heading. */
    public static void tour(java.util.List<Example> examples, Runner runner) throws Exception {
        for (int i = 0; i < examples.size(); i++) {
            Example example = examples.get(i);
            System.out.println();
            System.out.println("== [" + (i + 1) + "/" + examples.size() + "] " + example.name() + ": "
                    + example.mirrors() + " ==");
            runner.run(example);
            System.out.flush();
        }
    }

    /** What the tour passes to an example. */
    public enum TourInput {
        /** Nothing. */
        NONE,
        /** The tour's sample directory as the first argument. */
        DIRECTORY,
        /** A few lines of sample text as {@code System.in}, instead of the terminal. */
        STDIN
    }
}
