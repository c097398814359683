package dev.berth.linux.netlink;

import dev.berth.linux.ErrnoException;
import dev.berth.linux.Native;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;

import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * The system calls of this package through one downcall, libc's {@code syscall(2)}, linked when
 * the first is used (class initialisation), never before. On a cold JVM each handle linked costs
 * milliseconds (about 40 for the first, 4 for each after), and one handle serves socket,
 * setsockopt, bind, sendto, recvfrom, openat and close alike. Pointers go as addresses of native
 * segments, which the caller's arena keeps alive for the call. Each call takes the call-state
 * segment of {@link Native#state}.
 */
final class Sys {
    private static final MethodHandle SYSCALL = Native.libcVariadic("syscall", FunctionDescriptor.of(JAVA_LONG,
        JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG), 1);
    // syscall numbers: x86_64's own table, or the generic one of aarch64 and riscv64
    private static final boolean X86 = x86();
    private static final long SOCKET = X86 ? 41 : 198;
    private static final long BIND = X86 ? 49 : 200;
    private static final long SENDTO = X86 ? 44 : 206;
    private static final long RECVFROM = X86 ? 45 : 207;
    private static final long SETSOCKOPT = X86 ? 54 : 208;
    private static final long OPENAT = X86 ? 257 : 56;
    private static final long CLOSE = X86 ? 3 : 57;
    private static final long AT_FDCWD = -100;

    static final int EINTR = 4;

    private Sys() {}

    static int socket(MemorySegment state, int domain, int type, int protocol) throws ErrnoException {
        return (int) check(call(state, SOCKET, domain, type, protocol, 0, 0), state, "socket", "AF_NETLINK");
    }

    static void setsockopt(MemorySegment state, int fd, int level, int option, MemorySegment value)
            throws ErrnoException {
        long rc = call(state, SETSOCKOPT, fd, level, option, value.address(), value.byteSize());
        check(rc, state, "setsockopt", "SOL_NETLINK " + option);
    }

    static void bind(MemorySegment state, int fd, MemorySegment address) throws ErrnoException {
        check(call(state, BIND, fd, address.address(), address.byteSize(), 0, 0), state, "bind", "AF_NETLINK");
    }

    /** Returns the bytes sent, or -errno (EINTR is the caller's to retry). */
    static long sendto(MemorySegment state, int fd, MemorySegment buf, MemorySegment to) {
        long n = call6(state, SENDTO, fd, buf.address(), buf.byteSize(), 0, to.address(), to.byteSize());
        return n < 0 ? -Native.errno(state) : n;
    }

    /** Returns the datagram's length (its full length with MSG_TRUNC), or -errno. */
    static long recvfrom(MemorySegment state, int fd, MemorySegment buf, int flags,
            MemorySegment from, MemorySegment fromLength) {
        long n = call6(state, RECVFROM, fd, buf.address(), buf.byteSize(), flags, from.address(), fromLength.address());
        return n < 0 ? -Native.errno(state) : n;
    }

    /** @param path a NUL-terminated native string */
    static int open(MemorySegment state, MemorySegment path, int flags, String subject) throws ErrnoException {
        return (int) check(call(state, OPENAT, AT_FDCWD, path.address(), flags, 0, 0), state, "open", subject);
    }

    /** Closes {@code fd}; Linux frees it even when close reports an error, so there is nothing to retry. */
    static void close(MemorySegment state, int fd) {
        call(state, CLOSE, fd, 0, 0, 0, 0);
    }

    private static long call(MemorySegment state, long nr, long a, long b, long c, long d, long e) {
        return call6(state, nr, a, b, c, d, e, 0);
    }

    private static long call6(MemorySegment state, long nr, long a, long b, long c, long d, long e, long f) {
        try {
            return (long) SYSCALL.invokeExact(state, nr, a, b, c, d, e, f);
        } catch (Throwable t) {
            throw Native.failed("syscall " + nr, t);
        }
    }

    private static long check(long rc, MemorySegment state, String call, String subject) throws ErrnoException {
        if (rc < 0) {
            throw new ErrnoException(call, subject, Native.errno(state));
        }
        return rc;
    }

    private static boolean x86() {
        String arch = System.getProperty("os.arch");
        if ("amd64".equals(arch) || "x86_64".equals(arch)) {
            return true;
        }
        if ("aarch64".equals(arch) || "riscv64".equals(arch)) {
            return false;
        }
        throw new UnsupportedOperationException("rtnetlink: no system call numbers for the " + arch
            + " architecture (amd64, aarch64 and riscv64 are known)");
    }
}
