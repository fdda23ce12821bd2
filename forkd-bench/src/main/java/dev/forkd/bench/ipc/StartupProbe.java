package dev.forkd.bench.ipc;

import dev.forkd.ipc.Channel;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.util.Locale;
import java.util.Map;
import tools.jackson.databind.json.JsonMapper;

/**
 * Where a forked child's time between {@code main} and its first message goes. Run as a forkd child (it
 * needs the IPC channel; {@code IpcBench probe} forks it), it times, each step after the previous one:
 * (a) one FFM downcall ({@code getpid}) through the {@link Linker}, (b) a Jackson {@link JsonMapper} built and
 * writing a small map, (c) {@link Channel#parent()} with (a) and (b) already paid, (d) the first {@code send}
 * until written. It prints one {@code PROBE} line on stderr.
 */
public final class StartupProbe {
    private StartupProbe() {}

    public static void main(String[] args) throws Throwable {
        long t0 = System.nanoTime();
        MethodHandle getpid = Linker.nativeLinker().downcallHandle(Linker.nativeLinker().defaultLookup()
                .find("getpid").orElseThrow(), FunctionDescriptor.of(ValueLayout.JAVA_INT));
        int pid = (int) getpid.invokeExact();
        long t1 = System.nanoTime();
        byte[] json = JsonMapper.builder().build().writeValueAsBytes(Map.of("pid", pid, "n", 1));
        long t2 = System.nanoTime();
        Channel channel = Channel.parent().orElseThrow();
        long t3 = System.nanoTime();
        channel.send(Map.of("probe", true, "len", json.length)).join();
        long t4 = System.nanoTime();
        String line = String.format(Locale.ROOT, "PROBE ffm_first_downcall %.1f jackson_mapper_first_write %.1f"
                + " channel_parent %.1f first_send %.1f", (t1 - t0) / 1e6, (t2 - t1) / 1e6, (t3 - t2) / 1e6, (t4 - t3) / 1e6);
        System.err.println(line);
        System.exit(0);
    }
}
