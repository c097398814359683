package dev.berth.image;

import dev.berth.runtime.IdMap;

/**
 * Owners on the host back to owners in a container's user namespace: a file its root wrote is
 * host uid 100000 under {@code --userns} (or the user's own uid when rootless), and uid 0 in
 * the image made of it. An id outside the map is the overflow id 65534, as the kernel shows it
 * inside.
 */
public record OwnerMap(IdMap uid, IdMap gid) {
    /** No user namespace: owners stay as they are. */
    public static final OwnerMap IDENTITY = new OwnerMap(null, null);
    static final long OVERFLOW = 65534;

    /** Parses {@code HostConfig.UidMap}/{@code GidMap} ("INSIDE OUTSIDE COUNT"); null or empty: identity. */
    public static OwnerMap parse(String uidMap, String gidMap) {
        IdMap u = line(uidMap);
        IdMap g = line(gidMap);
        return u == null && g == null ? IDENTITY : new OwnerMap(u, g == null ? u : g);
    }

    private static IdMap line(String s) {
        if (s == null || s.isBlank()) {
            return null;
        }
        String[] f = s.strip().split(" ");
        if (f.length != 3) {
            throw new IllegalArgumentException("bad id map \"" + s + "\": want INSIDE OUTSIDE COUNT");
        }
        return new IdMap(Long.parseLong(f[0]), Long.parseLong(f[1]), Long.parseLong(f[2]));
    }

    public boolean isIdentity() {
        return uid == null;
    }

    public long uid(long host) {
        return back(uid, host);
    }

    public long gid(long host) {
        return back(gid, host);
    }

    /** The host id of the namespace's root (its file capabilities name it as their root id). */
    long rootUid() {
        return uid == null ? 0 : uid.toHost(0);
    }

    /**
     * A file capability as an archive carries it. Set inside a user namespace it is stored as
     * version 3 with the namespace's root as its root id; in an archive it belongs to uid 0,
     * which is version 2 (no root id), as docker's archives and images have it.
     */
    public byte[] capabilityOut(byte[] v) {
        if (isIdentity() || v.length != 24 || (v[3] & 0xff) != 0x03) {
            return v;
        }
        long rootId = (v[20] & 0xffL) | (v[21] & 0xffL) << 8 | (v[22] & 0xffL) << 16 | (v[23] & 0xffL) << 24;
        if (rootId != rootUid()) {
            return v;
        }
        byte[] v2 = java.util.Arrays.copyOf(v, 20);
        v2[3] = 0x02;
        return v2;
    }

    /**
     * The extended attributes an archive of a container's files keeps, as docker's export and
     * cp: {@code security.capability} and {@code user.*}; never overlayfs' own
     * ({@code user.overlay.*}, {@code trusted.*}) or the host's labels.
     */
    public static boolean archived(String xattr) {
        return xattr.equals("security.capability") || xattr.startsWith("user.") && !xattr.startsWith("user.overlay.");
    }

    private static long back(IdMap m, long host) {
        if (m == null) {
            return host;
        }
        return host >= m.outside() && host < m.outside() + m.count() ? m.inside() + (host - m.outside()) : OVERFLOW;
    }
}
