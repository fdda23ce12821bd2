package dev.forkd.internal.posix;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;

/**
 * The FFM plumbing every binding shares: the linker, libc symbol lookup, errno capture.
 *
 * <p>Downcall handles are created on first use by the holder classes in {@link LibC}: the Linker bootstrap
 * costs ≈ 180 ms in a fresh JVM and every further handle costs more, so a process only pays for the
 * functions it calls (measured in research/native-layer-measurements.md, Q8).
 */
final class Native {
    static final Linker LINKER = Linker.nativeLinker();
    private static final SymbolLookup LIBC = LINKER.defaultLookup();

    private static final MemoryLayout CAPTURE_LAYOUT = Linker.Option.captureStateLayout();
    private static final VarHandle ERRNO =
            CAPTURE_LAYOUT.varHandle(MemoryLayout.PathElement.groupElement("errno"));

    /** One errno capture buffer per thread; virtual threads each get their own small one. */
    private static final ThreadLocal<MemorySegment> CAPTURE =
            ThreadLocal.withInitial(() -> Arena.ofAuto().allocate(CAPTURE_LAYOUT));

    /** Set once a downcall was refused: later holder-class failures are reported with the same advice. */
    static volatile IllegalCallerException denied;

    private Native() {}

    static final String ADVICE = "forkd needs native access: start java with "
            + "--enable-native-access=ALL-UNNAMED (or =dev.forkd on the module path); for java -jar, put "
            + "'Enable-Native-Access: ALL-UNNAMED' in the jar's manifest";

    /** A downcall that reports failure through its return value only (no errno). */
    static MethodHandle plain(String name, FunctionDescriptor descriptor, Linker.Option... options) {
        return link(name, descriptor, options);
    }

    /** A downcall whose first argument becomes the errno capture segment; call {@link #errno()} after it. */
    static MethodHandle withErrno(String name, FunctionDescriptor descriptor) {
        return link(name, descriptor, Linker.Option.captureCallState("errno"));
    }

    static MethodHandle withErrno(String name, FunctionDescriptor descriptor, Linker.Option extra) {
        return link(name, descriptor, Linker.Option.captureCallState("errno"), extra);
    }

    private static MethodHandle link(String name, FunctionDescriptor descriptor, Linker.Option... options) {
        try {
            return LINKER.downcallHandle(symbol(name), descriptor, options);
        } catch (IllegalCallerException e) {
            denied = e;
            throw new IllegalStateException(ADVICE, e);
        }
    }

    static MemorySegment capture() {
        return CAPTURE.get();
    }

    /** The errno the calling thread's last {@link #withErrno} call captured. */
    static int errno() {
        return (int) ERRNO.get(CAPTURE.get(), 0L);
    }

    private static MemorySegment symbol(String name) {
        return LIBC.find(name).orElseThrow(() -> new UnsatisfiedLinkError(
                "forkd needs the libc function " + name + " (glibc >= 2.34 on Linux)"));
    }
}
