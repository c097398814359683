package dev.berth.linux.netlink;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/**
 * One netlink request being written: the 16-byte nlmsghdr, the family's fixed header
 * (ifinfomsg, ifaddrmsg, rtmsg), then rtattrs, each padded to 4 bytes, nests patched when they
 * end. Netlink is in host byte order; addresses inside attributes are in network order as given.
 */
final class Request {
    static final int HEADER = 16;

    static final int NLM_F_REQUEST = 0x1;
    static final int NLM_F_MULTI = 0x2;
    static final int NLM_F_ACK = 0x4;
    static final int NLM_F_DUMP_INTR = 0x10;
    static final int NLM_F_DUMP = 0x300;
    static final int NLM_F_REPLACE = 0x100;
    static final int NLM_F_EXCL = 0x200;
    static final int NLM_F_CREATE = 0x400;

    private ByteBuffer buf = ByteBuffer.allocate(256).order(ByteOrder.nativeOrder());
    private final int type;
    private final String subject;

    /**
     * @param subject what the request is about, for its errors: a link name, an address
     */
    Request(int type, int flags, String subject) {
        this.type = type;
        this.subject = subject;
        buf.putInt(0).putShort((short) type).putShort((short) (flags | NLM_F_REQUEST)).putInt(0).putInt(0);
    }

    int type() {
        return type;
    }

    String subject() {
        return subject;
    }

    int flags() {
        return buf.getShort(6) & 0xffff;
    }

    Request u8(int v) {
        room(1).put((byte) v);
        return this;
    }

    Request u16(int v) {
        room(2).putShort((short) v);
        return this;
    }

    Request u32(int v) {
        room(4).putInt(v);
        return this;
    }

    Request attr(int type, byte[] value) {
        room(4 + value.length + 3).putShort((short) (4 + value.length)).putShort((short) type).put(value);
        pad();
        return this;
    }

    Request attrU8(int type, int v) {
        return attr(type, new byte[] {(byte) v});
    }

    Request attrU32(int type, int v) {
        room(8).putShort((short) 8).putShort((short) type).putInt(v);
        return this;
    }

    /** A NUL-terminated string, as the kernel wants names. */
    Request attrString(int type, String v) {
        byte[] s = v.getBytes(StandardCharsets.UTF_8);
        byte[] z = new byte[s.length + 1];
        System.arraycopy(s, 0, z, 0, s.length);
        return attr(type, z);
    }

    /** Opens a nested attribute; returns the mark for {@link #end}. */
    int begin(int type) {
        int at = room(4).position();
        buf.putShort((short) 0).putShort((short) type);
        return at;
    }

    void end(int mark) {
        pad();
        buf.putShort(mark, (short) (buf.position() - mark));
    }

    /** The finished message with its length and sequence number filled in. */
    ByteBuffer finish(int seq) {
        pad();
        buf.putInt(0, buf.position()).putInt(8, seq);
        return buf.duplicate().order(ByteOrder.nativeOrder()).flip();
    }

    private void pad() {
        int n = (4 - (buf.position() & 3)) & 3;
        room(n);
        for (int i = 0; i < n; i++) {
            buf.put((byte) 0);
        }
    }

    private ByteBuffer room(int n) {
        if (buf.remaining() < n) {
            ByteBuffer bigger = ByteBuffer.allocate(Math.max(buf.capacity() * 2, buf.position() + n))
                .order(ByteOrder.nativeOrder());
            bigger.put(buf.flip());
            buf = bigger;
        }
        return buf;
    }

    /** The message type's name for errors, {@code RTM_NEWLINK}. */
    static String name(int type) {
        return switch (type) {
            case 16 -> "RTM_NEWLINK";
            case 17 -> "RTM_DELLINK";
            case 18 -> "RTM_GETLINK";
            case 19 -> "RTM_SETLINK";
            case 20 -> "RTM_NEWADDR";
            case 21 -> "RTM_DELADDR";
            case 22 -> "RTM_GETADDR";
            case 24 -> "RTM_NEWROUTE";
            case 25 -> "RTM_DELROUTE";
            case 26 -> "RTM_GETROUTE";
            case 90 -> "RTM_GETNSID";
            case 0xa10 -> "NFT_MSG_GETGEN";
            default -> "netlink message " + type;
        };
    }
}
