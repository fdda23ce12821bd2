package dev.forkd.bench;

import dev.forkd.ChildProcesses;
import java.io.IOException;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;

/**
 * {@code echo hello} with its output captured, one call at a time: forkd's {@code execFile} (stdout and
 * stderr captured on the event loop) against {@link ProcessBuilder} reading both streams with
 * {@code readAllBytes} and then waiting.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 2, jvmArgsAppend = "--enable-native-access=ALL-UNNAMED")
public class ExecFileBenchmark {

    @Benchmark
    public void forkd(Blackhole bh) {
        var out = ChildProcesses.execFile("echo", "hello").join();
        bh.consume(out.stdout());
        bh.consume(out.stderr());
    }

    @Benchmark
    public void processBuilder(Blackhole bh) throws IOException, InterruptedException {
        Process p = new ProcessBuilder("echo", "hello").start();
        p.getOutputStream().close();
        bh.consume(p.getInputStream().readAllBytes());
        bh.consume(p.getErrorStream().readAllBytes());
        bh.consume(p.waitFor());
    }
}
