package dev.berth.image;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.zip.GZIPInputStream;

/**
 * Layer compression, detected from the first bytes (as docker and containerd do, whatever the
 * media type says): gzip (JDK), zstd (zstd-jni, the reference C library; see docs/dependencies.md), or a
 * plain tar. bzip2 and xz are refused by name.
 */
public enum Compression {
    NONE, GZIP, ZSTD;

    /** Detects the compression of {@code in} (which must support mark/reset). */
    public static Compression detect(InputStream in) throws IOException {
        in.mark(8);
        byte[] head = in.readNBytes(6);
        in.reset();
        if (head.length >= 2 && (head[0] & 0xff) == 0x1f && (head[1] & 0xff) == 0x8b) {
            return GZIP;
        }
        if (head.length >= 4 && (head[0] & 0xff) == 0x28 && (head[1] & 0xff) == 0xb5 && (head[2] & 0xff) == 0x2f
            && (head[3] & 0xff) == 0xfd) {
            return ZSTD;
        }
        if (head.length >= 3 && head[0] == 'B' && head[1] == 'Z' && head[2] == 'h') {
            throw new ImageException.BadFormat("layer is compressed with bzip2, which OCI images do not use; recompress it with gzip or zstd");
        }
        if (head.length >= 6 && (head[0] & 0xff) == 0xfd && head[1] == '7' && head[2] == 'z' && head[3] == 'X') {
            throw new ImageException.BadFormat("layer is compressed with xz, which OCI images do not use; recompress it with gzip or zstd");
        }
        return NONE;
    }

    /** A decompressing stream over {@code in} (buffered, detected). */
    public static InputStream open(InputStream raw) throws IOException {
        InputStream in = raw.markSupported() ? raw : new BufferedInputStream(raw, 64 * 1024);
        Compression c = detect(in);
        if (c == GZIP) {
            return new GZIPInputStream(in, 64 * 1024);
        }
        if (c == ZSTD) {
            // the class (and its native library) loads only here, when a zstd layer is met
            return new com.github.luben.zstd.ZstdInputStream(in);
        }
        return in;
    }

    /** The OCI layer media type for a layer of this compression. */
    public String ociLayerType() {
        if (this == GZIP) {
            return MediaTypes.OCI_LAYER_GZIP;
        }
        if (this == ZSTD) {
            return MediaTypes.OCI_LAYER_ZSTD;
        }
        return MediaTypes.OCI_LAYER;
    }
}
