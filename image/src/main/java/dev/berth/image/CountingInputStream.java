package dev.berth.image;

import java.io.IOException;
import java.io.InputStream;
import java.security.MessageDigest;

/**
 * Counts (and optionally hashes) what passes through, and refuses to pass more than a limit,
 * or, given the compressed side, more than a ratio of it: the decompression-bomb check runs as
 * bytes come out of the decompressor, before they reach the disk.
 */
final class CountingInputStream extends ReadingFilter {
    private final long max;
    private final String what;
    private final MessageDigest md;
    private CountingInputStream compressed;
    private int maxRatio;
    private long ratioFree;
    private long count;

    CountingInputStream(InputStream in, long max, String what, boolean hash) {
        super(in);
        this.max = max;
        this.what = what;
        this.md = hash ? BlobStore.sha256() : null;
    }

    void ratioOf(CountingInputStream compressedSide, int ratio, long freeBytes) {
        this.compressed = compressedSide;
        this.maxRatio = ratio;
        this.ratioFree = freeBytes;
    }

    long count() {
        return count;
    }

    /** The sha256 of everything read so far (ends the hashing). */
    Digest digest() {
        return Digest.sha256(Digest.hex(md.digest()));
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
        if (n <= 0) {
            return n;
        }
        count += n;
        if (count > max) {
            throw new ImageException.Refused(what + " is larger than the limit of " + max + " bytes");
        }
        if (compressed != null && count > ratioFree && count > (long) maxRatio * Math.max(1, compressed.count())) {
            throw new ImageException.Refused("layer expands more than " + maxRatio + " times (" + count + " bytes from "
                + compressed.count() + "): refused as a decompression bomb");
        }
        if (md != null) {
            md.update(b, off, n);
        }
        return n;
    }
}
