package dev.forkd.examples;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The Node multi-process article's {@code path.resolve(__dirname, 'test')}, the {@code cwd} of its spawn and fork
 * examples: the directory an example's first argument names, or else a {@code test} directory in a new temporary
 * directory, which {@link #close()} deletes (both must be empty by then).
 */
final class TestDir implements AutoCloseable {
    private final Path path;
    private final Path temporary;

    private TestDir(Path path, Path temporary) {
        this.path = path;
        this.temporary = temporary;
    }

    static TestDir of(String[] args) throws IOException {
        if (args.length > 0) return new TestDir(Path.of(args[0]), null);
        Path temporary = Files.createTempDirectory("forkd-article-");
        return new TestDir(Files.createDirectory(temporary.resolve("test")), temporary);
    }

    Path path() {
        return path;
    }

    @Override
    public void close() throws IOException {
        if (temporary == null) return;
        Files.delete(path);
        Files.delete(temporary);
    }
}
