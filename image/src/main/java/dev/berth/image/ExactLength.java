package dev.berth.image;

import java.io.IOException;
import java.io.InputStream;

/**
 * Exactly {@code size} bytes of a file that may change while it is read (a running
 * container's): cut when it grew, padded with zeros when it shrank, so the tar stays whole.
 */
public final class ExactLength extends InputStream {
    private final InputStream in;
    private long left;
    private boolean eof;

    public ExactLength(InputStream in, long size) {
        this.in = in;
        this.left = size;
    }

    @Override
    public int read() throws IOException {
        byte[] b = new byte[1];
        return read(b, 0, 1) < 0 ? -1 : b[0] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        if (left <= 0) {
            return -1;
        }
        int want = (int) Math.min(len, left);
        int n = eof ? -1 : in.read(b, off, want);
        if (n < 0) {
            eof = true;
            java.util.Arrays.fill(b, off, off + want, (byte) 0);
            n = want;
        }
        left -= n;
        return n;
    }
}
