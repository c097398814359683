package dev.berth.image;

import java.io.IOException;
import java.io.InputStream;
import java.security.MessageDigest;

/**
 * Passes a stream through while hashing it; at its end, before EOF is returned, the sha256 (and
 * the size, when known) must be the expected ones, else {@link ImageException.DigestMismatch}.
 * So a consumer that reads to the end never acts on the last bytes of wrong content silently.
 */
final class VerifyingInputStream extends ReadingFilter {
    private final MessageDigest md = BlobStore.sha256();
    private final Digest expected;
    private final long expectedSize;
    private long count;
    private boolean checked;

    VerifyingInputStream(InputStream in, Digest expected, long expectedSize) {
        super(in);
        this.expected = expected;
        this.expectedSize = expectedSize;
    }

    @Override
    public int read() throws IOException {
        byte[] one = new byte[1];
        int n = read(one, 0, 1);
        return n < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        int n = in.read(b, off, len);
        if (n < 0) {
            check();
            return -1;
        }
        md.update(b, off, n);
        count += n;
        return n;
    }


    private void check() throws ImageException.DigestMismatch {
        if (checked) {
            return;
        }
        checked = true;
        if (expectedSize >= 0 && count != expectedSize) {
            throw new ImageException.DigestMismatch(expected + " has " + count + " bytes, expected " + expectedSize);
        }
        String hex = Digest.hex(md.digest());
        if (!hex.equals(expected.hex())) {
            throw new ImageException.DigestMismatch("blob " + expected + " does not match its content (sha256:" + hex
                + "): the store is damaged; remove the image and load or pull it again");
        }
    }
}
