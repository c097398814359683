package dev.berth.image;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;

/**
 * A strict tar reader for layers: ustar with GNU long names ({@code L}, {@code K}) and PAX
 * records ({@code x}, {@code g}), header checksums checked, base-256 numbers, and PAX values
 * kept as bytes so that binary extended attributes survive (commons-compress decodes them as
 * UTF-8, which mangles {@code security.capability}; see docs/dependencies.md). Sparse files
 * are refused. A stream that ends inside a header or a file is reported as truncated; one that
 * ends cleanly between entries without the two zero blocks is accepted, as docker does.
 */
public final class TarReader {
    private static final int BLOCK = 512;
    private static final int MAX_META = 1 << 20;

    private final InputStream in;
    private long offset;
    private long remaining;
    private long padding;
    private final Map<String, byte[]> global = new HashMap<>();

    public TarReader(InputStream in) {
        this.in = in;
    }

    /** The next entry, or null at the end of the archive. Skips what is left of the current one. */
    public TarEntry next() throws IOException {
        skipRest();
        Map<String, byte[]> pax = null;
        String longName = null;
        String longLink = null;
        while (true) {
            byte[] h = new byte[BLOCK];
            int n = in.readNBytes(h, 0, BLOCK);
            if (n == 0) {
                return null;
            }
            if (n < BLOCK) {
                throw new EOFException("tar is truncated inside a header at offset " + offset);
            }
            long headerAt = offset;
            offset += BLOCK;
            if (allZero(h)) {
                return null;
            }
            checkSum(h, headerAt);
            char type = (char) h[156];
            long size = number(h, 124, 12, headerAt);
            if (size < 0) {
                throw new ImageException.BadFormat("tar header at offset " + headerAt + " has a negative size");
            }
            if (type == 'x' || type == 'g' || type == 'L' || type == 'K') {
                if (size > MAX_META) {
                    throw new ImageException.Refused("tar metadata record of " + size + " bytes at offset " + headerAt
                        + " is larger than " + MAX_META);
                }
                byte[] data = readFully((int) size);
                skipPadding(size);
                if (type == 'x') {
                    pax = parsePax(data, headerAt);
                } else if (type == 'g') {
                    global.putAll(parsePax(data, headerAt));
                } else if (type == 'L') {
                    longName = cString(data, 0, data.length);
                } else {
                    longLink = cString(data, 0, data.length);
                }
                continue;
            }
            if (type == 'S') {
                throw new ImageException.BadFormat("tar has a GNU sparse file at offset " + headerAt + "; sparse files are not supported in layers");
            }
            String name = cString(h, 0, 100);
            boolean ustar = h[257] == 'u' && h[258] == 's' && h[259] == 't' && h[260] == 'a' && h[261] == 'r';
            if (ustar && h[345] != 0 && !(h[262] == ' ')) {
                name = cString(h, 345, 155) + "/" + name;
            }
            TarEntry e = new TarEntry(name, type == 0 || type == '7' ? TarEntry.FILE : type);
            e.linkName = cString(h, 157, 100);
            e.mode = (int) number(h, 100, 8, headerAt);
            e.uid = number(h, 108, 8, headerAt);
            e.gid = number(h, 116, 8, headerAt);
            e.size = size;
            e.mtimeSeconds = number(h, 136, 12, headerAt);
            if (ustar) {
                e.devMajor = (int) number(h, 329, 8, headerAt);
                e.devMinor = (int) number(h, 337, 8, headerAt);
            }
            if (longName != null) {
                e.name = longName;
            }
            if (longLink != null) {
                e.linkName = longLink;
            }
            Map<String, byte[]> all = new HashMap<>(global);
            if (pax != null) {
                all.putAll(pax);
            }
            applyPax(e, all, headerAt);
            if (e.type == TarEntry.FILE && e.name.endsWith("/")) {
                e.type = TarEntry.DIR;
            }
            if (e.type == TarEntry.DIR || e.type == TarEntry.SYMLINK || e.type == TarEntry.HARDLINK
                || e.type == TarEntry.CHAR || e.type == TarEntry.BLOCK || e.type == TarEntry.FIFO) {
                // these carry no data (a hard link's size may be set, but nothing follows it in practice)
                remaining = e.type == TarEntry.HARDLINK ? 0 : e.size;
            } else {
                remaining = e.size;
            }
            padding = (BLOCK - (remaining % BLOCK)) % BLOCK;
            return e;
        }
    }

    /** The current entry's data; it ends at the entry's end. */
    public InputStream content() {
        return new InputStream() {
            @Override
            public int read() throws IOException {
                byte[] one = new byte[1];
                int n = read(one, 0, 1);
                return n < 0 ? -1 : one[0] & 0xff;
            }

            @Override
            public int read(byte[] b, int off, int len) throws IOException {
                if (remaining == 0) {
                    return -1;
                }
                int n = in.read(b, off, (int) Math.min(len, remaining));
                if (n < 0) {
                    throw new EOFException("tar is truncated inside a file at offset " + offset);
                }
                remaining -= n;
                offset += n;
                return n;
            }
        };
    }

    private void skipRest() throws IOException {
        InputStream c = content();
        byte[] buf = new byte[8192];
        while (c.read(buf, 0, buf.length) > 0) {
            // discard
        }
        skipPadding(0);
    }

    private void skipPadding(long size) throws IOException {
        long pad = size > 0 ? (BLOCK - (size % BLOCK)) % BLOCK : padding;
        padding = 0;
        if (pad > 0) {
            byte[] p = in.readNBytes((int) pad);
            if (p.length < pad) {
                throw new EOFException("tar is truncated in the padding at offset " + offset);
            }
            offset += pad;
        }
    }

    private byte[] readFully(int size) throws IOException {
        byte[] data = in.readNBytes(size);
        if (data.length < size) {
            throw new EOFException("tar is truncated inside a metadata record at offset " + offset);
        }
        offset += size;
        return data;
    }

    private static void applyPax(TarEntry e, Map<String, byte[]> pax, long at) throws IOException {
        for (Map.Entry<String, byte[]> r : pax.entrySet()) {
            String k = r.getKey();
            String v = new String(r.getValue(), StandardCharsets.UTF_8);
            try {
                if (k.equals("path")) {
                    e.name = v;
                } else if (k.equals("linkpath")) {
                    e.linkName = v;
                } else if (k.equals("size")) {
                    e.size = Long.parseLong(v);
                } else if (k.equals("uid")) {
                    e.uid = Long.parseLong(v);
                } else if (k.equals("gid")) {
                    e.gid = Long.parseLong(v);
                } else if (k.equals("mtime")) {
                    int dot = v.indexOf('.');
                    e.mtimeSeconds = Long.parseLong(dot < 0 ? v : v.substring(0, dot));
                    if (dot >= 0) {
                        String frac = (v.substring(dot + 1) + "000000000").substring(0, 9);
                        e.mtimeNanos = Integer.parseInt(frac);
                    }
                } else if (k.equals("SCHILY.devmajor")) {
                    e.devMajor = Integer.parseInt(v);
                } else if (k.equals("SCHILY.devminor")) {
                    e.devMinor = Integer.parseInt(v);
                } else if (k.startsWith("SCHILY.xattr.")) {
                    e.xattrs.put(k.substring("SCHILY.xattr.".length()), r.getValue());
                } else if (k.startsWith("GNU.sparse.")) {
                    throw new ImageException.BadFormat("tar entry \"" + e.name + "\" is a PAX sparse file; sparse files are not supported in layers");
                }
            } catch (NumberFormatException ex) {
                throw new ImageException.BadFormat("tar PAX record " + k + "=" + v + " at offset " + at + " is not a number");
            }
        }
        if (e.size < 0 || e.uid < 0 || e.gid < 0) {
            throw new ImageException.BadFormat("tar entry \"" + e.name + "\" has a negative size or owner");
        }
    }

    /** PAX records: "LEN KEY=VALUE\n", LEN counting the whole record. Values stay bytes. */
    private static Map<String, byte[]> parsePax(byte[] d, long at) throws ImageException {
        Map<String, byte[]> out = new HashMap<>();
        int i = 0;
        while (i < d.length) {
            if (d[i] == 0) {
                break;
            }
            int sp = i;
            int len = 0;
            while (sp < d.length && d[sp] >= '0' && d[sp] <= '9' && sp - i < 10) {
                len = len * 10 + (d[sp] - '0');
                sp++;
            }
            if (sp >= d.length || d[sp] != ' ' || len <= sp - i + 1 || i + len > d.length || d[i + len - 1] != '\n') {
                throw new ImageException.BadFormat("tar PAX header at offset " + at + " is malformed");
            }
            int eq = -1;
            for (int j = sp + 1; j < i + len - 1; j++) {
                if (d[j] == '=') {
                    eq = j;
                    break;
                }
            }
            if (eq < 0) {
                throw new ImageException.BadFormat("tar PAX record at offset " + at + " has no '='");
            }
            String key = new String(d, sp + 1, eq - sp - 1, StandardCharsets.UTF_8);
            byte[] value = java.util.Arrays.copyOfRange(d, eq + 1, i + len - 1);
            out.put(key, value);
            i += len;
        }
        return out;
    }

    private static void checkSum(byte[] h, long at) throws ImageException {
        long unsigned = 0;
        long signed = 0;
        for (int i = 0; i < BLOCK; i++) {
            int b = (i >= 148 && i < 156) ? ' ' : h[i];
            unsigned += b & 0xff;
            signed += (i >= 148 && i < 156) ? ' ' : h[i];
        }
        long stored = number(h, 148, 8, at);
        if (stored != unsigned && stored != signed) {
            throw new ImageException.BadFormat("tar header at offset " + at + " has a bad checksum: not a tar, or damaged");
        }
    }

    /** An octal field (NUL or space terminated), or GNU base-256 when the top bit is set. */
    private static long number(byte[] h, int off, int len, long at) throws ImageException {
        if ((h[off] & 0x80) != 0) {
            if ((h[off] & 0x40) != 0) {
                throw new ImageException.BadFormat("tar header at offset " + at + " has a negative base-256 number");
            }
            long v = h[off] & 0x3f;
            for (int i = 1; i < len; i++) {
                if (v > (Long.MAX_VALUE >> 8)) {
                    throw new ImageException.BadFormat("tar header at offset " + at + " has a number too large");
                }
                v = (v << 8) | (h[off + i] & 0xff);
            }
            return v;
        }
        long v = 0;
        int i = off;
        int end = off + len;
        while (i < end && (h[i] == ' ' || h[i] == 0)) {
            i++;
        }
        boolean any = false;
        while (i < end && h[i] >= '0' && h[i] <= '7') {
            v = v * 8 + (h[i] - '0');
            i++;
            any = true;
        }
        while (i < end) {
            if (h[i] != ' ' && h[i] != 0) {
                throw new ImageException.BadFormat("tar header at offset " + at + " has a bad octal number");
            }
            i++;
        }
        return any ? v : 0;
    }

    private static String cString(byte[] b, int off, int len) {
        int end = off;
        while (end < off + len && b[end] != 0) {
            end++;
        }
        return new String(b, off, end - off, StandardCharsets.UTF_8);
    }

    private static boolean allZero(byte[] b) {
        for (byte x : b) {
            if (x != 0) {
                return false;
            }
        }
        return true;
    }
}
