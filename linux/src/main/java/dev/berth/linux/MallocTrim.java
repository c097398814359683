package dev.berth.linux;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;

/**
 * glibc's {@code malloc_trim(0)}: hands the free memory of every malloc arena back to the
 * kernel. The daemon calls it when it falls idle, after its idle GC: a burst of requests leaves
 * megabytes free but resident in the arenas of the threads that served it. A C library without
 * it (musl) makes this a no-op.
 */
public final class MallocTrim {
    private MallocTrim() {}

    /** Linked on first use; null without the symbol. */
    private static final class Handle {
        static final MethodHandle TRIM = Linker.nativeLinker().defaultLookup().find("malloc_trim")
            .map(s -> Linker.nativeLinker().downcallHandle(s,
                FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_LONG)))
            .orElse(null);
    }

    /** True when memory was released; false when there was none to release, or no malloc_trim. */
    public static boolean trim() {
        if (Handle.TRIM == null) {
            return false;
        }
        try {
            return (int) Handle.TRIM.invokeExact(0L) == 1;
        } catch (Throwable t) {
            throw Native.failed("malloc_trim", t);
        }
    }
}
