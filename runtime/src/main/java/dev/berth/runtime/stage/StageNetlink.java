package dev.berth.runtime.stage;

import dev.berth.linux.Errno;
import dev.berth.linux.ErrnoException;
import dev.berth.linux.netlink.NetlinkTransport;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * A netlink socket that a container's monitor holds for berth until the container starts, in
 * the monitor's network namespace or the container's ({@code F_NETLINK}, native/stage/netlink.c):
 * the same datagrams as a socket of this JVM's, without linking the socket downcalls, which on a
 * cold JVM cost about 20 ms.
 */
final class StageNetlink implements NetlinkTransport {
    private final StageSession session;
    private final byte where;
    private final int protocol;

    StageNetlink(StageSession session, boolean container, int protocol) {
        this.session = session;
        this.where = (byte) (container ? 1 : 0);
        this.protocol = protocol;
    }

    @Override
    public void send(ByteBuffer message, String what) throws ErrnoException {
        ByteBuffer payload = header(0, message.remaining()).put(message);
        int sent = roundTrip(payload, what).getInt(0);
        if (sent < 0) {
            throw new ErrnoException("sendto", what, -sent);
        }
    }

    @Override
    public ByteBuffer receive(String what) throws ErrnoException {
        return datagram(roundTrip(header(1, 0), what), "recvfrom", what);
    }

    /** Both in one round trip: the monitor sends, then answers with the first datagram that comes back. */
    @Override
    public ByteBuffer ask(ByteBuffer message, String what) throws ErrnoException {
        return datagram(roundTrip(header(2, message.remaining()).put(message), what), "sendto/recvfrom", what);
    }

    /** Op 3: the monitor reads the cookie of its socket's namespace. */
    @Override
    public long netnsCookie(String what) throws ErrnoException {
        ByteBuffer answer = roundTrip(header(3, 0), what);
        int length = answer.getInt(0);
        if (length < 0) {
            throw new ErrnoException("getsockopt", what + ": SO_NETNS_COOKIE", -length);
        }
        if (length != 8 || answer.limit() < 12) {
            throw new ErrnoException("getsockopt", what + ": a cookie of " + length + " bytes", Errno.EPROTO);
        }
        return answer.order(ByteOrder.nativeOrder()).getLong(4);
    }

    private static ByteBuffer datagram(ByteBuffer answer, String call, String what) throws ErrnoException {
        int length = answer.getInt(0);
        if (length < 0) {
            throw new ErrnoException(call, what, -length);
        }
        if (length > RECEIVE) {
            throw new ErrnoException(call, what + ": a datagram of " + length + " bytes", Errno.EMSGSIZE);
        }
        return answer.position(4).slice().order(ByteOrder.nativeOrder());
    }

    /** Nothing to close here: the monitor closes its sockets at the start. */
    @Override
    public void close() {}

    private ByteBuffer header(int op, int room) {
        return ByteBuffer.allocate(4 + room).order(ByteOrder.LITTLE_ENDIAN)
            .put(where).put((byte) op).putShort((short) protocol);
    }

    private ByteBuffer roundTrip(ByteBuffer payload, String what) throws ErrnoException {
        try {
            Frame answer = session.ask(new Frame(Protocol.F_NETLINK, payload.array()), Protocol.F_NETLINK);
            if (answer.payload().length < 4) {
                throw new IOException("stage protocol: a netlink answer of " + answer.payload().length + " bytes");
            }
            return ByteBuffer.wrap(answer.payload()).order(ByteOrder.LITTLE_ENDIAN);
        } catch (IOException | StageException e) {
            throw new ErrnoException("netlink", what + " through the container's monitor: " + e.getMessage(), Errno.EPIPE);
        }
    }
}
