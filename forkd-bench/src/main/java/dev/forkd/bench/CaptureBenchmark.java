package dev.forkd.bench;

import dev.forkd.ChildProcesses;
import dev.forkd.Command;
import dev.forkd.ExecOptions;
import java.io.IOException;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Bulk capture: {@code head -c <bytes> /dev/zero} read completely into one byte array. Time per call;
 * MB/s = bytes / 2^20 / seconds. forkd's {@code execFile} with an unlimited maxBuffer against
 * {@link ProcessBuilder} with {@code readAllBytes}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED", "-Xmx4g"})
public class CaptureBenchmark {
    @Param("268435456")
    public long bytes;

    @Benchmark
    public byte[] forkd() {
        byte[] out = ChildProcesses.execFile(Command.of("head", "-c", Long.toString(bytes), "/dev/zero"),
                ExecOptions.defaults().maxBuffer(Long.MAX_VALUE)).join().stdout();
        if (out.length != bytes) throw new AssertionError("captured " + out.length + " bytes, expected " + bytes);
        return out;
    }

    @Benchmark
    public byte[] processBuilder() throws IOException, InterruptedException {
        Process p = new ProcessBuilder("head", "-c", Long.toString(bytes), "/dev/zero")
                .redirectInput(new java.io.File("/dev/null"))
                .start();
        byte[] out = p.getInputStream().readAllBytes();
        p.getErrorStream().readAllBytes();
        p.waitFor();
        if (out.length != bytes) throw new AssertionError("captured " + out.length + " bytes, expected " + bytes);
        return out;
    }
}
