package dev.berth.linux.netlink;

import java.nio.ByteBuffer;

/**
 * One message of a received datagram: its header fields and its payload, read in place.
 * Offsets given to the accessors are relative to the payload (after the nlmsghdr).
 */
final class Reply {
    private final ByteBuffer buf;
    private final int start;
    private final int end;

    /** The message at {@code at} in {@code buf} (host byte order), whose length was checked. */
    Reply(ByteBuffer buf, int at) {
        this.buf = buf;
        this.start = at;
        this.end = at + buf.getInt(at);
    }

    int type() {
        return buf.getShort(start + 4) & 0xffff;
    }

    int flags() {
        return buf.getShort(start + 6) & 0xffff;
    }

    int seq() {
        return buf.getInt(start + 8);
    }

    int payloadLength() {
        return end - start - Request.HEADER;
    }

    int u8(int off) {
        return buf.get(start + Request.HEADER + off) & 0xff;
    }

    int u16(int off) {
        return buf.getShort(start + Request.HEADER + off) & 0xffff;
    }

    int s32(int off) {
        return buf.getInt(start + Request.HEADER + off);
    }

    /** The attributes that follow a fixed header of {@code fixed} bytes. */
    Attributes attributes(int fixed) {
        return new Attributes(buf, start + Request.HEADER + align(fixed), end);
    }

    static int align(int n) {
        return (n + 3) & ~3;
    }
}
