package dev.berth.linux.netlink;

import dev.berth.linux.ErrnoException;
import dev.berth.linux.Native;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;

/**
 * A NETLINK_ROUTE socket of the namespace it was opened in, with extended acks on (so errors
 * carry the kernel's text) and capped acks (so an error does not echo the whole request). Each
 * exchange sends one request and reads until its answer is complete, with one confined Arena for
 * every buffer it needs. Not for concurrent use: one request at a time.
 */
final class NetlinkSocket implements AutoCloseable {
    private static final int AF_NETLINK = 16;
    private static final int SOCK_RAW_CLOEXEC = 3 | 0x80000;
    private static final int NETLINK_ROUTE = 0;
    private static final int SOL_NETLINK = 270;
    private static final int NETLINK_CAP_ACK = 10;
    private static final int NETLINK_EXT_ACK = 11;
    private static final int MSG_TRUNC = 0x20;
    private static final int SOCKADDR_NL = 12;
    // the kernel sizes a dump's datagrams by the reader's buffer, up to 32 KiB
    private static final int RECEIVE = 32768;
    private static final int DUMP_TRIES = 5;

    private int fd;
    private int seq;

    private NetlinkSocket(int fd) {
        this.fd = fd;
    }

    /** A socket in the calling thread's network namespace. */
    static NetlinkSocket open() throws ErrnoException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = Native.state(arena);
            int fd = Sys.socket(state, AF_NETLINK, SOCK_RAW_CLOEXEC, NETLINK_ROUTE);
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

    /** Sends {@code request} with NLM_F_ACK and returns the replies before the ack. */
    List<Reply> ack(Request request) throws ErrnoException {
        try (Arena arena = Arena.ofConfined()) {
            return exchange(request, arena).replies();
        }
    }

    /** As {@link #ack(Request)}, with the buffers in the caller's arena (which holds an fd's call). */
    List<Reply> ack(Request request, Arena arena) throws ErrnoException {
        return exchange(request, arena).replies();
    }

    /** Sends a dump request and returns every message up to NLMSG_DONE. */
    List<Reply> dump(Request request) throws ErrnoException {
        try (Arena arena = Arena.ofConfined()) {
            Answer answer = exchange(request, arena);
            for (int i = 1; answer.interrupted() && i < DUMP_TRIES; i++) {
                answer = exchange(request, arena);
            }
            return answer.replies();
        }
    }

    private Answer exchange(Request request, Arena arena) throws ErrnoException {
        if (fd < 0) {
            throw new IllegalStateException("netlink socket is closed");
        }
        int s = ++seq;
        ByteBuffer message = request.finish(s);
        MemorySegment state = Native.state(arena);
        MemorySegment kernel = kernel(arena);
        MemorySegment out = arena.allocate(message.remaining());
        out.copyFrom(MemorySegment.ofBuffer(message));
        long sent;
        do {
            sent = Sys.sendto(state, fd, out, kernel);
        } while (sent == -Sys.EINTR);
        if (sent < 0) {
            throw new ErrnoException("sendto", Request.name(request.type()) + " " + request.subject(), (int) -sent);
        }
        Answer answer = new Answer(request, s);
        MemorySegment in = arena.allocate(RECEIVE);
        MemorySegment from = arena.allocate(SOCKADDR_NL);
        MemorySegment fromLength = arena.allocate(ValueLayout.JAVA_INT);
        boolean done = false;
        while (!done) {
            fromLength.set(ValueLayout.JAVA_INT, 0, SOCKADDR_NL);
            long n = Sys.recvfrom(state, fd, in, MSG_TRUNC, from, fromLength);
            if (n == -Sys.EINTR) {
                continue;
            }
            if (n < 0) {
                throw new ErrnoException("recvfrom", Request.name(request.type()) + " " + request.subject(), (int) -n);
            }
            if (n > RECEIVE) {
                throw new IllegalStateException("netlink datagram of " + n + " bytes exceeds the " + RECEIVE + "-byte buffer");
            }
            if (from.get(ValueLayout.JAVA_INT, 4) != 0) {
                continue; // another process's message, not the kernel's answer
            }
            byte[] copy = in.asSlice(0, n).toArray(ValueLayout.JAVA_BYTE);
            done = answer.accept(ByteBuffer.wrap(copy).order(ByteOrder.nativeOrder()), (int) n);
        }
        return answer;
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
}
