package dev.berth.linux.netlink;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * The rtattrs of a region, indexed by type (the last one of a type wins, as in the kernel's
 * nla_parse). Values are read in place; nothing is copied until asked for.
 */
final class Attributes {
    private static final int TYPE_MASK = 0x3fff; // without NLA_F_NESTED and NLA_F_NET_BYTEORDER

    private final ByteBuffer buf;
    private int[] at = new int[32]; // value offset + 1 per type, 0 when absent
    private int[] length = new int[32];

    Attributes(ByteBuffer buf, int from, int to) {
        this.buf = buf;
        int p = from;
        while (p + 4 <= to) {
            int len = buf.getShort(p) & 0xffff;
            if (len < 4 || p + len > to) {
                break;
            }
            int type = buf.getShort(p + 2) & TYPE_MASK;
            if (type >= at.length) {
                grow(type + 1);
            }
            at[type] = p + 5;
            length[type] = len - 4;
            p += Reply.align(len);
        }
    }

    boolean has(int type) {
        return type < at.length && at[type] != 0;
    }

    int length(int type) {
        return has(type) ? length[type] : -1;
    }

    int u8(int type, int absent) {
        return has(type) && length[type] >= 1 ? buf.get(at[type] - 1) & 0xff : absent;
    }

    int u32(int type, int absent) {
        return has(type) && length[type] >= 4 ? buf.getInt(at[type] - 1) : absent;
    }

    /** A string attribute without its NUL, or {@code absent}. */
    String string(int type, String absent) {
        if (!has(type)) {
            return absent;
        }
        int from = at[type] - 1;
        int n = length[type];
        while (n > 0 && buf.get(from + n - 1) == 0) {
            n--;
        }
        byte[] b = new byte[n];
        buf.get(from, b);
        return new String(b, StandardCharsets.UTF_8);
    }

    byte[] bytes(int type) {
        if (!has(type)) {
            return null;
        }
        byte[] b = new byte[length[type]];
        buf.get(at[type] - 1, b);
        return b;
    }

    /** The attributes nested in {@code type}, empty when it is absent. */
    Attributes nested(int type) {
        if (!has(type)) {
            return new Attributes(buf, 0, 0);
        }
        return new Attributes(buf, at[type] - 1, at[type] - 1 + length[type]);
    }

    private void grow(int n) {
        int[] a = new int[Math.max(n, at.length * 2)];
        int[] l = new int[a.length];
        System.arraycopy(at, 0, a, 0, at.length);
        System.arraycopy(length, 0, l, 0, length.length);
        at = a;
        length = l;
    }
}
