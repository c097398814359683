package dev.berth.image;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;

/**
 * A filter that must see every byte (to count or hash it): {@code skip} reads through
 * {@link #read(byte[], int, int)} instead of letting the stream below jump ahead, and there is
 * no mark to go back to.
 */
abstract class ReadingFilter extends FilterInputStream {
    ReadingFilter(InputStream in) {
        super(in);
    }

    @Override
    public long skip(long n) throws IOException {
        byte[] buf = new byte[(int) Math.min(8192, Math.max(1, n))];
        long left = n;
        while (left > 0) {
            int r = read(buf, 0, (int) Math.min(buf.length, left));
            if (r < 0) {
                break;
            }
            left -= r;
        }
        return n - left;
    }

    @Override
    public boolean markSupported() {
        return false;
    }
}
