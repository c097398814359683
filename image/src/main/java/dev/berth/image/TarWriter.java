package dev.berth.image;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Writes a POSIX tar (ustar headers, PAX records for what ustar cannot hold: long or non-ASCII
 * names, large numbers, sub-second mtimes, extended attributes as bytes). Used for archives
 * berth produces and by the tests that build hostile layers on purpose, so it writes whatever
 * names it is given, {@code ../} included.
 */
public final class TarWriter implements AutoCloseable {
    private static final int BLOCK = 512;
    private final OutputStream out;

    public TarWriter(OutputStream out) {
        this.out = out;
    }

    /** Writes the header, then {@code data} (exactly {@code e.size} bytes; null for none). */
    public void add(TarEntry e, InputStream data) throws IOException {
        Map<String, byte[]> pax = new LinkedHashMap<>();
        byte[] name = e.name.getBytes(StandardCharsets.UTF_8);
        if (name.length > 100 || !ascii(name)) {
            pax.put("path", name);
        }
        byte[] link = e.linkName.getBytes(StandardCharsets.UTF_8);
        if (link.length > 100 || !ascii(link)) {
            pax.put("linkpath", link);
        }
        if (e.size > 077777777777L) {
            pax.put("size", Long.toString(e.size).getBytes(StandardCharsets.US_ASCII));
        }
        if (e.uid > 07777777) {
            pax.put("uid", Long.toString(e.uid).getBytes(StandardCharsets.US_ASCII));
        }
        if (e.gid > 07777777) {
            pax.put("gid", Long.toString(e.gid).getBytes(StandardCharsets.US_ASCII));
        }
        if (e.mtimeNanos != 0) {
            pax.put("mtime", (e.mtimeSeconds + "." + String.format("%09d", e.mtimeNanos)).getBytes(StandardCharsets.US_ASCII));
        }
        for (Map.Entry<String, byte[]> x : e.xattrs.entrySet()) {
            pax.put("SCHILY.xattr." + x.getKey(), x.getValue());
        }
        if (!pax.isEmpty()) {
            byte[] records = paxRecords(pax);
            TarEntry h = new TarEntry("PaxHeaders/" + truncate(e.name, 80), 'x');
            h.size = records.length;
            writeHeader(h);
            out.write(records);
            pad(records.length);
        }
        writeHeader(e);
        long n = 0;
        if (data != null) {
            n = data.transferTo(out);
        }
        if (e.type == TarEntry.FILE && n != e.size) {
            throw new IOException("tar entry " + e.name + ": " + n + " bytes of data for a size of " + e.size);
        }
        pad(n);
    }

    /** Writes raw bytes (hostile tests: truncated archives). */
    public void raw(byte[] b) throws IOException {
        out.write(b);
    }

    /** The two zero blocks that end an archive; does not close the stream. */
    public void finish() throws IOException {
        out.write(new byte[2 * BLOCK]);
        out.flush();
    }

    @Override
    public void close() throws IOException {
        finish();
        out.close();
    }

    private void writeHeader(TarEntry e) throws IOException {
        byte[] h = new byte[BLOCK];
        put(h, 0, 100, e.name.getBytes(StandardCharsets.UTF_8));
        octal(h, 100, 8, e.mode & 07777);
        octal(h, 108, 8, Math.min(e.uid, 07777777));
        octal(h, 116, 8, Math.min(e.gid, 07777777));
        octal(h, 124, 12, e.type == TarEntry.FILE || e.type == 'x' ? Math.min(e.size, 077777777777L) : 0);
        octal(h, 136, 12, e.mtimeSeconds);
        h[156] = (byte) e.type;
        put(h, 157, 100, e.linkName.getBytes(StandardCharsets.UTF_8));
        put(h, 257, 6, "ustar\0".getBytes(StandardCharsets.US_ASCII));
        h[263] = '0';
        h[264] = '0';
        octal(h, 329, 8, e.devMajor);
        octal(h, 337, 8, e.devMinor);
        for (int i = 148; i < 156; i++) {
            h[i] = ' ';
        }
        long sum = 0;
        for (byte b : h) {
            sum += b & 0xff;
        }
        octal(h, 148, 7, sum);
        out.write(h);
    }

    private void pad(long n) throws IOException {
        int p = (int) ((BLOCK - (n % BLOCK)) % BLOCK);
        if (p > 0) {
            out.write(new byte[p]);
        }
    }

    private static byte[] paxRecords(Map<String, byte[]> pax) {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        for (Map.Entry<String, byte[]> r : pax.entrySet()) {
            byte[] key = r.getKey().getBytes(StandardCharsets.UTF_8);
            int body = 1 + key.length + 1 + r.getValue().length + 1;
            int len = body + Integer.toString(body).length();
            if (Integer.toString(len).length() != Integer.toString(body).length()) {
                len++;
            }
            b.writeBytes(Integer.toString(len).getBytes(StandardCharsets.US_ASCII));
            b.write(' ');
            b.writeBytes(key);
            b.write('=');
            b.writeBytes(r.getValue());
            b.write('\n');
        }
        return b.toByteArray();
    }

    private static void put(byte[] h, int off, int len, byte[] v) {
        System.arraycopy(v, 0, h, off, Math.min(len, v.length));
    }

    private static void octal(byte[] h, int off, int len, long v) {
        String s = Long.toOctalString(v);
        while (s.length() < len - 1) {
            s = "0" + s;
        }
        put(h, off, len - 1, s.getBytes(StandardCharsets.US_ASCII));
    }

    private static boolean ascii(byte[] b) {
        for (byte x : b) {
            if (x < 0x20 || x > 0x7e) {
                return false;
            }
        }
        return true;
    }

    private static String truncate(String s, int n) {
        return s.length() <= n ? s : s.substring(0, n);
    }
}
