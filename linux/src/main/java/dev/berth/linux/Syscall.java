package dev.berth.linux;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;

import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * System calls by number through one downcall, libc's {@code syscall(2)}, linked when the first
 * is made (class initialisation), never before. On a cold JVM every downcall handle linked costs
 * milliseconds (about 40 for the first, 4 to 8 for each after), and this one serves them all.
 * Pointers go as {@link MemorySegment#address()} of native segments that the caller's arena
 * keeps alive for the call; the call-state segment of {@link Native#state} receives errno.
 */
public final class Syscall {
    /**
     * The downcall shape without an address: {@code (MemorySegment fn, MemorySegment state,
     * long nr, long a..f) long}. {@link CFunction} binds other functions to it.
     */
    static final MethodHandle SHAPE = CFunction.shape(FunctionDescriptor.of(JAVA_LONG,
        JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG));
    private static final MethodHandle SYSCALL = SHAPE.bindTo(Linker.nativeLinker().defaultLookup().find("syscall")
        .orElseThrow(() -> new UnsatisfiedLinkError("no symbol syscall")));
    // numbers: x86_64's own table, or the generic one of aarch64 and riscv64
    private static final boolean X86 = x86();
    public static final long CLOSE = X86 ? 3 : 57;
    public static final long SOCKET = X86 ? 41 : 198;
    public static final long SENDTO = X86 ? 44 : 206;
    public static final long RECVFROM = X86 ? 45 : 207;
    public static final long BIND = X86 ? 49 : 200;
    public static final long SETSOCKOPT = X86 ? 54 : 208;
    public static final long GETSOCKOPT = X86 ? 55 : 209;
    public static final long OPENAT = X86 ? 257 : 56;
    public static final long SETNS = X86 ? 308 : 268;
    public static final long MOUNT = X86 ? 165 : 40;
    public static final long UMOUNT2 = X86 ? 166 : 39;
    public static final long AT_FDCWD = -100;

    private Syscall() {}

    /** {@code syscall(nr, a..f)}: the result, or -1 with errno in {@code state}. */
    public static long call(MemorySegment state, long nr, long a, long b, long c, long d, long e, long f) {
        try {
            return (long) SYSCALL.invokeExact(state, nr, a, b, c, d, e, f);
        } catch (Throwable t) {
            throw Native.failed("syscall " + nr, t);
        }
    }

    private static boolean x86() {
        String arch = System.getProperty("os.arch");
        if ("amd64".equals(arch) || "x86_64".equals(arch)) {
            return true;
        }
        if ("aarch64".equals(arch) || "riscv64".equals(arch)) {
            return false;
        }
        throw new UnsupportedOperationException("no system call numbers for the " + arch
            + " architecture (amd64, aarch64 and riscv64 are known)");
    }
}
