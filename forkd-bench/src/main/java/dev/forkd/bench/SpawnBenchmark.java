package dev.forkd.bench;

import dev.forkd.ChildProcesses;
import dev.forkd.Command;
import dev.forkd.ExitStatus;
import dev.forkd.Stdio;
import java.io.File;
import java.io.IOException;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Sequential spawn + wait of {@code true}, one child at a time: forkd against {@link ProcessBuilder}.
 *
 * <p>Both sides give the child /dev/null for fds 0-2 (Node's {@code stdio: 'ignore'}), so the figure is the
 * cost of starting and reaping a process, not of creating pipes. The {@code Piped} pair keeps each API's
 * default (three pipes) for comparison.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 2, jvmArgsAppend = "--enable-native-access=ALL-UNNAMED")
public class SpawnBenchmark {
    private static final File DEV_NULL = new File("/dev/null");

    private final Command trueIgnored = Command.of("true").stdio(Stdio.ignore(), Stdio.ignore(), Stdio.ignore());
    private final Command truePiped = Command.of("true");

    @Benchmark
    public ExitStatus forkd() throws Exception {
        return ChildProcesses.spawn(trueIgnored).waitFor();
    }

    @Benchmark
    public int processBuilder() throws IOException, InterruptedException {
        return new ProcessBuilder("true")
                .redirectInput(DEV_NULL)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .redirectError(ProcessBuilder.Redirect.DISCARD)
                .start()
                .waitFor();
    }

    @Benchmark
    public ExitStatus forkdPiped() throws Exception {
        try (var child = ChildProcesses.spawn(truePiped)) {
            return child.waitFor();
        }
    }

    @Benchmark
    public int processBuilderPiped() throws IOException, InterruptedException {
        Process p = new ProcessBuilder("true").start();
        try {
            return p.waitFor();
        } finally {
            p.getOutputStream().close();
            p.getInputStream().close();
            p.getErrorStream().close();
        }
    }
}
