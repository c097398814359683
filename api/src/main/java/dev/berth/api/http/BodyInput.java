package dev.berth.api.http;

import java.io.IOException;
import java.io.InputStream;

/** A request body: {@code Content-Length} bytes, or chunked (RFC 9112 section 7.1), never past its end. */
final class BodyInput extends InputStream {
    /** A body whose framing is broken (a chunk line that is no chunk size): answered 400, as Go's server does. */
    static final class Malformed extends IOException {
        Malformed(String message) {
            super(message);
        }
    }

    private final InputStream in;
    private final boolean chunked;
    private long left; // in this body (fixed) or this chunk (chunked)
    private boolean done;

    BodyInput(InputStream in, boolean chunked, long length) {
        this.in = in;
        this.chunked = chunked;
        this.left = chunked ? 0 : length;
        this.done = !chunked && length == 0;
    }

    @Override
    public int read() throws IOException {
        byte[] b = new byte[1];
        return read(b, 0, 1) < 0 ? -1 : b[0] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        if (done) {
            return -1;
        }
        if (left == 0) {
            if (!chunked || !nextChunk()) {
                done = true;
                return -1;
            }
        }
        int n = in.read(b, off, (int) Math.min(len, left));
        if (n < 0) {
            throw new IOException("the connection ended inside the request body");
        }
        left -= n;
        if (left == 0 && !chunked) {
            done = true;
        }
        return n;
    }

    /** Reads a chunk-size line (after the previous chunk's CRLF); false at the last chunk. */
    private boolean nextChunk() throws IOException {
        String line = line();
        if (line.isEmpty()) { // the CRLF that ends the previous chunk's data
            line = line();
        }
        int semi = line.indexOf(';');
        String hex = (semi < 0 ? line : line.substring(0, semi)).strip();
        long size;
        try {
            size = Long.parseLong(hex, 16);
        } catch (NumberFormatException e) {
            throw new Malformed("malformed chunk size \"" + hex + "\" in the chunked request body");
        }
        if (size < 0) {
            throw new Malformed("malformed chunk size \"" + hex + "\" in the chunked request body");
        }
        if (size == 0) {
            while (!line().isEmpty()) { // trailer fields, ignored
                continue;
            }
            return false;
        }
        left = size;
        return true;
    }

    private String line() throws IOException {
        StringBuilder sb = new StringBuilder();
        for (int c; (c = in.read()) != '\n'; ) {
            if (c < 0) {
                throw new IOException("the connection ended inside a chunked request body");
            }
            if (sb.length() > 4096) {
                throw new Malformed("a chunk line of the request body is longer than 4096 bytes");
            }
            if (c != '\r') {
                sb.append((char) c);
            }
        }
        return sb.toString();
    }

    /** Reads what is left, up to {@code max} bytes; false if more remained (the connection is then closed). */
    boolean drain(long max) throws IOException {
        byte[] skip = new byte[8192];
        long total = 0;
        for (int n; (n = read(skip, 0, skip.length)) > 0; ) {
            total += n;
            if (total > max) {
                return false;
            }
        }
        return true;
    }

    boolean finished() {
        return done;
    }
}
