package dev.berth.linux;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;

/**
 * A C function whose arguments are all integers or pointers (up to seven), called through the
 * one shape of {@link Syscall}'s handle: seven {@code long}s in, a {@code long} out, errno
 * captured. The JDK links a downcall shape once (a stub, a class spun for its bindings and a few
 * dozen lambda forms: about 2 ms each on a cold JVM, even with the AOT cache) and then only binds
 * the address, so a library of ten functions costs one bind each instead of ten links.
 *
 * <p>Sound on the ABIs berth runs on (x86-64 System V, AAPCS64, RISC-V LP64): integer and
 * pointer arguments travel in the same registers whatever their C type, arguments the function
 * does not declare are ignored (the caller owns them), and an {@code int} or {@code void} result
 * is the low half of the register, or nothing: callers cast with {@code (int)} or ignore it. The
 * descriptor marks arguments from the second on as variadic, as syscall(2) needs; for a function
 * that is not variadic that only sets a register that it ignores (%al on x86-64).
 */
public final class CFunction {
    private final String name;
    private final MethodHandle handle;

    private CFunction(String name, MethodHandle handle) {
        this.name = name;
        this.handle = handle;
    }

    /**
     * The function {@code name} of {@code lookup}.
     *
     * @throws UnsatisfiedLinkError when the library has no such symbol
     */
    public static CFunction find(SymbolLookup lookup, String name) {
        MemorySegment symbol = lookup.find(name).orElseThrow(() -> new UnsatisfiedLinkError("no symbol " + name));
        return new CFunction(name, Syscall.SHAPE.bindTo(symbol));
    }

    /** Calls the function; unused arguments are 0. Errno lands in {@code state} ({@link Native#state}). */
    public long call(MemorySegment state, long a, long b, long c, long d, long e, long f, long g) {
        try {
            return (long) handle.invokeExact(state, a, b, c, d, e, f, g);
        } catch (Throwable t) {
            throw Native.failed(name, t);
        }
    }

    public long call(MemorySegment state, long a) {
        return call(state, a, 0, 0, 0, 0, 0, 0);
    }

    public long call(MemorySegment state, long a, long b) {
        return call(state, a, b, 0, 0, 0, 0, 0);
    }

    static MethodHandle shape(FunctionDescriptor descriptor) {
        return Linker.nativeLinker().downcallHandle(descriptor, Linker.Option.captureCallState("errno"),
            Linker.Option.firstVariadicArg(1));
    }
}
