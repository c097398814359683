package dev.berth.api.http;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;

/** A chunked response body; every {@link #flush()} sends what was written as one chunk. */
final class ChunkedOutput extends OutputStream {
    private final OutputStream out;
    private final byte[] buf = new byte[8192];
    private int len;
    private boolean closed;

    ChunkedOutput(OutputStream out) {
        this.out = out;
    }

    @Override
    public void write(int b) throws IOException {
        if (len == buf.length) {
            chunk();
        }
        buf[len++] = (byte) b;
    }

    @Override
    public void write(byte[] b, int off, int n) throws IOException {
        if (closed) {
            throw new IOException("the response is complete");
        }
        if (n > buf.length - len) {
            chunk();
            if (n >= buf.length) {
                header(n);
                out.write(b, off, n);
                out.write('\r');
                out.write('\n');
                return;
            }
        }
        System.arraycopy(b, off, buf, len, n);
        len += n;
    }

    private void header(int n) throws IOException {
        out.write((Integer.toHexString(n) + "\r\n").getBytes(StandardCharsets.US_ASCII));
    }

    private void chunk() throws IOException {
        if (len > 0) {
            header(len);
            out.write(buf, 0, len);
            out.write('\r');
            out.write('\n');
            len = 0;
        }
    }

    @Override
    public void flush() throws IOException {
        chunk();
        out.flush();
    }

    /** Sends the last chunk; the connection stays open for the next request. */
    @Override
    public void close() throws IOException {
        if (!closed) {
            chunk();
            closed = true;
            out.write("0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            out.flush();
        }
    }
}
