package dev.berth.linux;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;

/**
 * Downcalls that capture errno, shared by every FFM binding of this module. A handle takes the
 * call-state segment from {@link #state} as its first argument; {@link #errno} reads it back.
 */
public final class Native {
    private static final Linker LINKER = Linker.nativeLinker();
    private static final Linker.Option ERRNO = Linker.Option.captureCallState("errno");
    private static final MemoryLayout STATE = Linker.Option.captureStateLayout();
    private static final VarHandle ERRNO_HANDLE =
        STATE.varHandle(MemoryLayout.PathElement.groupElement("errno"));

    private Native() {}

    /** A libc function that sets errno. */
    public static MethodHandle libc(String name, FunctionDescriptor descriptor) {
        return downcall(LINKER.defaultLookup(), name, descriptor);
    }

    /**
     * A variadic libc function that sets errno ({@code syscall(2)}): the arguments from index
     * {@code firstVariadic} on are passed as C passes variadic ones.
     */
    public static MethodHandle libcVariadic(String name, FunctionDescriptor descriptor, int firstVariadic) {
        MemorySegment symbol = LINKER.defaultLookup().find(name)
            .orElseThrow(() -> new UnsatisfiedLinkError("no symbol " + name));
        return LINKER.downcallHandle(symbol, descriptor, ERRNO, Linker.Option.firstVariadicArg(firstVariadic));
    }

    /** A function of {@code lookup} (e.g. a library loaded by name) that sets errno. */
    public static MethodHandle downcall(SymbolLookup lookup, String name, FunctionDescriptor descriptor) {
        MemorySegment symbol = lookup.find(name)
            .orElseThrow(() -> new UnsatisfiedLinkError("no symbol " + name));
        return LINKER.downcallHandle(symbol, descriptor, ERRNO);
    }

    /**
     * A function of {@code lookup} that neither sets errno nor blocks nor calls back (a hash
     * update): called without a thread-state transition, and given Java arrays as heap segments
     * straight, without copying them to native memory first.
     */
    public static MethodHandle critical(SymbolLookup lookup, String name, FunctionDescriptor descriptor) {
        MemorySegment symbol = lookup.find(name)
            .orElseThrow(() -> new UnsatisfiedLinkError("no symbol " + name));
        return LINKER.downcallHandle(symbol, descriptor, Linker.Option.critical(true));
    }

    /**
     * A short libc function that sets errno and may be given heap memory (a segment of a
     * {@code byte[]} or of a heap {@code ByteBuffer}): no copy to native memory first. The GC
     * waits while it runs, so only for calls that take microseconds ({@code pwrite} of a buffer).
     */
    public static MethodHandle criticalLibc(String name, FunctionDescriptor descriptor) {
        MemorySegment symbol = LINKER.defaultLookup().find(name)
            .orElseThrow(() -> new UnsatisfiedLinkError("no symbol " + name));
        return LINKER.downcallHandle(symbol, descriptor, ERRNO, Linker.Option.critical(true));
    }

    /** A call-state segment for one downcall. */
    public static MemorySegment state(Arena arena) {
        return arena.allocate(STATE);
    }

    public static int errno(MemorySegment state) {
        return (int) ERRNO_HANDLE.get(state, 0L);
    }

    /** Rethrows what a downcall threw, which is never a checked exception of the callee. */
    public static IllegalStateException failed(String call, Throwable t) {
        if (t instanceof RuntimeException r) {
            throw r;
        }
        if (t instanceof Error e) {
            throw e;
        }
        return new IllegalStateException(call + " downcall failed", t);
    }
}
