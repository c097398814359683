package dev.berth.linux.netlink;

import dev.berth.linux.Errno;
import dev.berth.linux.ErrnoException;
import dev.berth.linux.Native;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * A netlink socket of this process, in the namespace it was opened in, with extended acks on (so
 * errors carry the kernel's text) and capped acks (so an error does not echo the whole request).
 * Not for concurrent use.
 */
final class NetlinkSocket implements NetlinkTransport {
    private static final int AF_NETLINK = 16;
    private static final int SOCK_RAW_CLOEXEC = 3 | 0x80000;
    private static final int SOL_NETLINK = 270;
    private static final int NETLINK_CAP_ACK = 10;
    private static final int NETLINK_EXT_ACK = 11;
    private static final int MSG_TRUNC = 0x20;
    private static final int SOL_SOCKET = 1;
    private static final int SO_NETNS_COOKIE = 71;
    private static final int SOCKADDR_NL = 12;

    private int fd;

    private NetlinkSocket(int fd) {
        this.fd = fd;
    }

    /** An rtnetlink socket in the calling thread's network namespace. */
    static NetlinkSocket open() throws ErrnoException {
        return open(NETLINK_ROUTE);
    }

    /** A socket of {@code protocol} in the calling thread's network namespace. */
    static NetlinkSocket open(int protocol) throws ErrnoException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = Native.state(arena);
            int fd = Sys.socket(state, AF_NETLINK, SOCK_RAW_CLOEXEC, protocol);
            try {
                MemorySegment on = arena.allocateFrom(ValueLayout.JAVA_INT, 1);
                Sys.setsockopt(state, fd, SOL_NETLINK, NETLINK_EXT_ACK, on);
                Sys.setsockopt(state, fd, SOL_NETLINK, NETLINK_CAP_ACK, on);
                Sys.bind(state, fd, kernel(arena));
            } catch (ErrnoException e) {
                Sys.close(state, fd);
                throw e;
            }
            return new NetlinkSocket(fd);
        }
    }

    @Override
    public void send(ByteBuffer message, String what) throws ErrnoException {
        open(what);
        // buffers of the calling thread's own: a socket opened in another namespace's thread is used on this one
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment out = arena.allocate(message.remaining());
            out.copyFrom(MemorySegment.ofBuffer(message));
            MemorySegment state = Native.state(arena);
            MemorySegment kernel = kernel(arena);
            long sent;
            do {
                sent = Sys.sendto(state, fd, out, kernel);
            } while (sent == -Sys.EINTR);
            if (sent < 0) {
                throw new ErrnoException("sendto", what, (int) -sent);
            }
        }
    }

    @Override
    public ByteBuffer receive(String what) throws ErrnoException {
        open(what);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = Native.state(arena);
            MemorySegment in = arena.allocate(RECEIVE);
            MemorySegment from = arena.allocate(SOCKADDR_NL);
            MemorySegment fromLength = arena.allocate(ValueLayout.JAVA_INT);
            return receive(what, state, in, from, fromLength);
        }
    }

    private ByteBuffer receive(String what, MemorySegment state, MemorySegment in, MemorySegment from,
                               MemorySegment fromLength) throws ErrnoException {
        for (;;) {
            fromLength.set(ValueLayout.JAVA_INT, 0, SOCKADDR_NL);
            long n = Sys.recvfrom(state, fd, in, MSG_TRUNC, from, fromLength);
            if (n == -Sys.EINTR) {
                continue;
            }
            if (n < 0) {
                throw new ErrnoException("recvfrom", what, (int) -n);
            }
            if (n > RECEIVE) {
                throw new ErrnoException("recvfrom", what + ": a datagram of " + n + " bytes", Errno.EMSGSIZE);
            }
            if (from.get(ValueLayout.JAVA_INT, 4) != 0) {
                continue; // another process's message, not the kernel's answer
            }
            byte[] copy = in.asSlice(0, n).toArray(ValueLayout.JAVA_BYTE);
            return ByteBuffer.wrap(copy).order(ByteOrder.nativeOrder());
        }
    }

    @Override
    public long netnsCookie(String what) throws ErrnoException {
        open(what);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment cookie = arena.allocate(ValueLayout.JAVA_LONG);
            MemorySegment length = arena.allocateFrom(ValueLayout.JAVA_INT, 8);
            Sys.getsockopt(Native.state(arena), fd, SOL_SOCKET, SO_NETNS_COOKIE, cookie, length, what);
            return cookie.get(ValueLayout.JAVA_LONG, 0);
        }
    }

    private void open(String what) {
        if (fd < 0) {
            throw new IllegalStateException("netlink socket is closed: " + what);
        }
    }

    /** A sockaddr_nl for the kernel (port 0, no groups): the peer of sendto, our bind address. */
    private static MemorySegment kernel(Arena arena) {
        MemorySegment a = arena.allocate(SOCKADDR_NL, 4);
        a.set(ValueLayout.JAVA_SHORT, 0, (short) AF_NETLINK);
        return a;
    }

    @Override
    public void close() {
        if (fd >= 0) {
            try (Arena arena = Arena.ofConfined()) {
                Sys.close(Native.state(arena), fd);
            }
            fd = -1;
        }
    }

    /** Opens one in the namespace of the thread that calls it (InNetns); a class, not a lambda: no bootstrap on a cold start. */
    static final class Opener implements java.util.concurrent.Callable<NetlinkTransport> {
        private final int protocol;

        Opener(int protocol) {
            this.protocol = protocol;
        }

        @Override
        public NetlinkTransport call() throws ErrnoException {
            return open(protocol);
        }
    }
}
