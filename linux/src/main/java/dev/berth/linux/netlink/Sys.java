package dev.berth.linux.netlink;

import dev.berth.linux.ErrnoException;
import dev.berth.linux.Native;
import dev.berth.linux.Syscall;
import java.lang.foreign.MemorySegment;

/**
 * The system calls of this package, typed, over the one downcall of {@link Syscall}. Each takes
 * the call-state segment of {@link Native#state}.
 */
final class Sys {
    static final int EINTR = 4;

    private Sys() {}

    static int socket(MemorySegment state, int domain, int type, int protocol) throws ErrnoException {
        long fd = Syscall.call(state, Syscall.SOCKET, domain, type, protocol, 0, 0, 0);
        return (int) check(fd, state, "socket", "AF_NETLINK");
    }

    static void setsockopt(MemorySegment state, int fd, int level, int option, MemorySegment value)
            throws ErrnoException {
        long rc = Syscall.call(state, Syscall.SETSOCKOPT, fd, level, option, value.address(), value.byteSize(), 0);
        check(rc, state, "setsockopt", "SOL_NETLINK " + option);
    }

    /** Fills {@code value} with option {@code option}; {@code length} holds its size (an int) and gets the size written. */
    static void getsockopt(MemorySegment state, int fd, int level, int option, MemorySegment value,
            MemorySegment length, String subject) throws ErrnoException {
        long rc = Syscall.call(state, Syscall.GETSOCKOPT, fd, level, option, value.address(), length.address(), 0);
        check(rc, state, "getsockopt", subject);
    }

    static void bind(MemorySegment state, int fd, MemorySegment address) throws ErrnoException {
        long rc = Syscall.call(state, Syscall.BIND, fd, address.address(), address.byteSize(), 0, 0, 0);
        check(rc, state, "bind", "AF_NETLINK");
    }

    /** Returns the bytes sent, or -errno (EINTR is the caller's to retry). */
    static long sendto(MemorySegment state, int fd, MemorySegment buf, MemorySegment to) {
        long n = Syscall.call(state, Syscall.SENDTO, fd, buf.address(), buf.byteSize(), 0, to.address(), to.byteSize());
        return n < 0 ? -Native.errno(state) : n;
    }

    /** Returns the datagram's length (its full length with MSG_TRUNC), or -errno. */
    static long recvfrom(MemorySegment state, int fd, MemorySegment buf, int flags,
            MemorySegment from, MemorySegment fromLength) {
        long n = Syscall.call(state, Syscall.RECVFROM, fd, buf.address(), buf.byteSize(), flags, from.address(),
            fromLength.address());
        return n < 0 ? -Native.errno(state) : n;
    }

    /** @param path a NUL-terminated native string */
    static int open(MemorySegment state, MemorySegment path, int flags, String subject) throws ErrnoException {
        long fd = Syscall.call(state, Syscall.OPENAT, Syscall.AT_FDCWD, path.address(), flags, 0, 0, 0);
        return (int) check(fd, state, "open", subject);
    }

    /** Closes {@code fd}; Linux frees it even when close reports an error, so there is nothing to retry. */
    static void close(MemorySegment state, int fd) {
        Syscall.call(state, Syscall.CLOSE, fd, 0, 0, 0, 0, 0);
    }

    private static long check(long rc, MemorySegment state, String call, String subject) throws ErrnoException {
        if (rc < 0) {
            throw new ErrnoException(call, subject, Native.errno(state));
        }
        return rc;
    }
}
