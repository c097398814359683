package dev.berth.image.registry;

import dev.berth.image.Chunks;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;

/** A body read in the producer's buffers ({@link Chunks}), and as a stream by those that want one. */
abstract class ChunkStream extends InputStream implements Chunks {
    @Override
    public int read() throws IOException {
        ByteBuffer b = next();
        return b == null ? -1 : b.get() & 0xff;
    }

    @Override
    public int read(byte[] buf, int off, int len) throws IOException {
        java.util.Objects.checkFromIndexSize(off, len, buf.length);
        if (len == 0) {
            return 0;
        }
        ByteBuffer b = next();
        if (b == null) {
            return -1;
        }
        int n = Math.min(len, b.remaining());
        b.get(buf, off, n);
        return n;
    }
}
