package dev.berth.linux.netlink;

import dev.berth.linux.ErrnoException;
import dev.berth.linux.Native;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * The system calls of this package, linked when the first of them is used (class
 * initialisation), never before: linking is what a cold JVM pays most for in FFM. Each takes the
 * call-state segment of {@link Native#state} and throws {@link ErrnoException} on failure.
 */
final class Sys {
    private static final MethodHandle SOCKET = Native.libc("socket",
        FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT));
    private static final MethodHandle SETSOCKOPT = Native.libc("setsockopt",
        FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT));
    private static final MethodHandle BIND = Native.libc("bind",
        FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT));
    private static final MethodHandle SENDTO = Native.libc("sendto",
        FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT, ADDRESS, JAVA_INT));
    private static final MethodHandle RECVFROM = Native.libc("recvfrom",
        FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT, ADDRESS, ADDRESS));
    private static final MethodHandle OPEN = Native.libc("open",
        FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT));
    private static final MethodHandle CLOSE = Native.libc("close",
        FunctionDescriptor.of(JAVA_INT, JAVA_INT));

    static final int EINTR = 4;

    private Sys() {}

    static int socket(MemorySegment state, int domain, int type, int protocol) throws ErrnoException {
        int fd;
        try {
            fd = (int) SOCKET.invokeExact(state, domain, type, protocol);
        } catch (Throwable t) {
            throw Native.failed("socket", t);
        }
        return check(fd, state, "socket", "AF_NETLINK");
    }

    static void setsockopt(MemorySegment state, int fd, int level, int option, MemorySegment value)
            throws ErrnoException {
        int rc;
        try {
            rc = (int) SETSOCKOPT.invokeExact(state, fd, level, option, value, (int) value.byteSize());
        } catch (Throwable t) {
            throw Native.failed("setsockopt", t);
        }
        check(rc, state, "setsockopt", "SOL_NETLINK " + option);
    }

    static void bind(MemorySegment state, int fd, MemorySegment address) throws ErrnoException {
        int rc;
        try {
            rc = (int) BIND.invokeExact(state, fd, address, (int) address.byteSize());
        } catch (Throwable t) {
            throw Native.failed("bind", t);
        }
        check(rc, state, "bind", "AF_NETLINK");
    }

    /** Returns the bytes sent, or -errno (EINTR is the caller's to retry). */
    static long sendto(MemorySegment state, int fd, MemorySegment buf, long len, MemorySegment to) {
        try {
            long n = (long) SENDTO.invokeExact(state, fd, buf, len, 0, to, (int) to.byteSize());
            return n < 0 ? -Native.errno(state) : n;
        } catch (Throwable t) {
            throw Native.failed("sendto", t);
        }
    }

    /** Returns the datagram's full length (MSG_TRUNC), or -errno. */
    static long recvfrom(MemorySegment state, int fd, MemorySegment buf, int flags,
            MemorySegment from, MemorySegment fromLen) {
        try {
            long n = (long) RECVFROM.invokeExact(state, fd, buf, buf.byteSize(), flags, from, fromLen);
            return n < 0 ? -Native.errno(state) : n;
        } catch (Throwable t) {
            throw Native.failed("recvfrom", t);
        }
    }

    static int open(MemorySegment state, MemorySegment path, int flags, String subject) throws ErrnoException {
        int fd;
        try {
            fd = (int) OPEN.invokeExact(state, path, flags);
        } catch (Throwable t) {
            throw Native.failed("open", t);
        }
        return check(fd, state, "open", subject);
    }

    static void close(MemorySegment state, int fd) {
        try {
            int ignored = (int) CLOSE.invokeExact(state, fd);
        } catch (Throwable t) {
            throw Native.failed("close", t);
        }
    }

    private static int check(int rc, MemorySegment state, String call, String subject) throws ErrnoException {
        if (rc < 0) {
            throw new ErrnoException(call, subject, Native.errno(state));
        }
        return rc;
    }
}
