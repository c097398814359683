package dev.berth.linux;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * The file-system ids of the calling thread ({@code setfsuid}, {@code setfsgid}: per thread in
 * the kernel, whatever glibc does for setuid). A file system mounted inside a user namespace
 * refuses to create files for a caller whose fsuid it cannot map (EOVERFLOW), as host root is
 * to a {@code --userns} container's overlay; acting as that namespace's root makes the files
 * its root's. The kernel drops the file capabilities (CAP_CHOWN, CAP_DAC_OVERRIDE, CAP_FOWNER,
 * ...) from the effective set when fsuid leaves 0, so they are raised again from the permitted
 * set; {@link #restore} goes back to 0, which brings them back by itself.
 *
 * <p>Only for a platform thread of its own that ends afterwards: a virtual thread can move to
 * another carrier thread, and its ids would stay behind on the first.
 */
public final class FsCreds {
    private static final boolean X86 = Syscall.OPENAT == 257;
    private static final long SETFSUID = X86 ? 122 : 151;
    private static final long SETFSGID = X86 ? 123 : 152;
    private static final long CAPGET = X86 ? 125 : 90;
    private static final long CAPSET = X86 ? 126 : 91;

    private FsCreds() {}

    public static void become(long uid, long gid) throws ErrnoException {
        if (Thread.currentThread().isVirtual()) {
            throw new IllegalStateException("file-system ids are per carrier thread: use a platform thread");
        }
        try (Arena a = Arena.ofConfined()) {
            MemorySegment st = Native.state(a);
            Syscall.call(st, SETFSGID, gid, 0, 0, 0, 0, 0);
            Syscall.call(st, SETFSUID, uid, 0, 0, 0, 0, 0);
            MemorySegment header = a.allocate(8, 4);
            header.set(ValueLayout.JAVA_INT, 0, 0x20080522);
            header.set(ValueLayout.JAVA_INT, 4, 0);
            MemorySegment data = a.allocate(24, 4);
            if (Syscall.call(st, CAPGET, header.address(), data.address(), 0, 0, 0, 0) < 0) {
                throw new ErrnoException("capget", "self", Native.errno(st));
            }
            for (int i = 0; i < 2; i++) { // effective = permitted, both 32-bit halves
                data.set(ValueLayout.JAVA_INT, i * 12, data.get(ValueLayout.JAVA_INT, i * 12 + 4));
            }
            if (Syscall.call(st, CAPSET, header.address(), data.address(), 0, 0, 0, 0) < 0) {
                throw new ErrnoException("capset", "self", Native.errno(st));
            }
        }
    }

    public static void restore() {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment st = Native.state(a);
            Syscall.call(st, SETFSUID, 0, 0, 0, 0, 0, 0);
            Syscall.call(st, SETFSGID, 0, 0, 0, 0, 0, 0);
        }
    }
}
