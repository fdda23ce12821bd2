package dev.forkd.internal.posix;

import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;

/**
 * The FFM plumbing every binding shares: the linker, libc symbol lookup, errno capture, and the one downcall
 * shape that nearly every libc function is called through.
 *
 * <p>Each distinct downcall shape costs a fresh JVM a generated stub and its method-handle forms (≈ 7 ms
 * each even with an AOT cache, more without; the linker's own start-up is ≈ 25 ms with an AOT cache and
 * ≈ 70 ms without). So forkd has one shape, {@code long f(long, long, long, long, long, long)} with errno
 * captured, and passes the function's address as an argument: on the LP64 Linux ABIs forkd supports (x86_64
 * System V and AArch64), integer and pointer arguments travel in the same registers whatever their C width,
 * a callee ignores registers it has no parameter for, and an {@code int} result is the low half of the
 * returned register. Pointers are passed as {@link #addr addresses}; the wrappers in {@link LibC} and
 * {@link Sockets} keep their segments reachable until the call has returned. Variadic functions are not
 * called through this shape (x86_64 wants the vector-register count in {@code %al} for them): {@code open},
 * {@code fcntl} and {@code prctl} go through {@code syscall(2)}, which is written in assembly and reads only
 * its integer registers. The one other shape is the critical {@code write} from a Java array
 * ({@link LibC#writeArray}), made only by programs that call it.
 */
final class Native {
    static final Linker LINKER = Linker.nativeLinker();
    private static final SymbolLookup LIBC = LINKER.defaultLookup();

    private static final MemoryLayout CAPTURE_LAYOUT = Linker.Option.captureStateLayout();
    /**
     * Where errno sits in the capture buffer. Summed from the struct's members rather than taken from a var
     * handle or {@code byteOffset(PathElement...)}: either makes a fresh JVM generate method-handle forms
     * (~3 ms) at the start of its first spawn, for a value read only after a call failed.
     */
    private static final long ERRNO_OFFSET = errnoOffset((StructLayout) CAPTURE_LAYOUT);

    /** One errno capture buffer per thread; virtual threads each get their own small one. */
    private static final ThreadLocal<MemorySegment> CAPTURE =
            ThreadLocal.withInitial(() -> Arena.ofAuto().allocate(CAPTURE_LAYOUT));

    /** Set once a downcall was refused: later holder-class failures are reported with the same advice. */
    static volatile IllegalCallerException denied;

    private Native() {}

    static final String ADVICE = "forkd needs native access: start java with "
            + "--enable-native-access=ALL-UNNAMED (or =dev.forkd on the module path); for java -jar, put "
            + "'Enable-Native-Access: ALL-UNNAMED' in the jar's manifest";

    /** The shared shape: {@code (function, errno capture, a, b, c, d, e, f) -> long}. */
    private static final class Call {
        static final MethodHandle H;

        static {
            try {
                H = LINKER.downcallHandle(
                        FunctionDescriptor.of(JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG),
                        Linker.Option.captureCallState("errno"));
            } catch (IllegalCallerException e) {
                throw refused(e);
            }
        }
    }

    /** Calls {@code fn} with six integer arguments (unused ones 0); errno is left for {@link #errno()}. */
    static long call(MemorySegment fn, long a, long b, long c, long d, long e, long f) {
        try {
            return (long) Call.H.invokeExact(fn, CAPTURE.get(), a, b, c, d, e, f);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    static long call(MemorySegment fn, long a) {
        return call(fn, a, 0, 0, 0, 0, 0);
    }

    static long call(MemorySegment fn, long a, long b) {
        return call(fn, a, b, 0, 0, 0, 0);
    }

    static long call(MemorySegment fn, long a, long b, long c) {
        return call(fn, a, b, c, 0, 0, 0);
    }

    static long call(MemorySegment fn, long a, long b, long c, long d) {
        return call(fn, a, b, c, d, 0, 0);
    }

    static long call(MemorySegment fn, long a, long b, long c, long d, long e) {
        return call(fn, a, b, c, d, e, 0);
    }

    /** A downcall of its own shape, for the few calls the shared one cannot make; errno captured. */
    static MethodHandle withErrno(String name, FunctionDescriptor descriptor, Linker.Option extra) {
        try {
            return LINKER.downcallHandle(symbol(name), descriptor, Linker.Option.captureCallState("errno"), extra);
        } catch (IllegalCallerException e) {
            throw refused(e);
        }
    }

    private static IllegalStateException refused(IllegalCallerException e) {
        denied = e;
        return new IllegalStateException(ADVICE, e);
    }

    /**
     * The address a native segment starts at, for a pointer argument. A heap segment has none that native
     * code could use, so it is refused rather than passed as garbage.
     */
    static long addr(MemorySegment s) {
        if (!s.isNative()) throw new IllegalArgumentException("a heap memory segment cannot be passed to native code");
        return s.address();
    }

    static MemorySegment capture() {
        return CAPTURE.get();
    }

    /** The errno the calling thread's last call captured. */
    static int errno() {
        return CAPTURE.get().get(ValueLayout.JAVA_INT, ERRNO_OFFSET);
    }

    private static long errnoOffset(StructLayout capture) {
        long offset = 0;
        for (MemoryLayout member : capture.memberLayouts()) {
            if ("errno".equals(member.name().orElse(null))) return offset;
            offset += member.byteSize();
        }
        throw new IllegalStateException("the linker's capture state has no errno: " + capture);
    }

    /** A libc function's address. */
    static MemorySegment symbol(String name) {
        return LIBC.find(name).orElseThrow(() -> new UnsatisfiedLinkError(
                "forkd needs the libc function " + name + " (glibc >= 2.34 on Linux)"));
    }

    static RuntimeException rethrow(Throwable t) {
        if (t instanceof RuntimeException r) return r;
        // A holder class whose downcall was refused fails its static init; say why, every time.
        if (t instanceof ExceptionInInitializerError e && e.getCause() instanceof RuntimeException r) return r;
        if (t instanceof NoClassDefFoundError && denied != null) return new IllegalStateException(ADVICE, denied);
        if (t instanceof Error e) throw e;
        return new IllegalStateException(t);
    }
}
