package dev.berth.api;

import java.io.IOException;
import java.io.OutputStream;

/**
 * docker's multiplexed stream: each write is framed by an 8-byte header (the stream: 1 stdout,
 * 2 stderr; three zero bytes; the length, big-endian), so one connection carries both. A
 * terminal's output goes raw instead ({@code stream} 0).
 */
final class Mux extends OutputStream {
    static final int RAW = 0;
    static final int STDOUT = 1;
    static final int STDERR = 2;

    private final OutputStream out;
    private final int stream;
    private final Object lock;

    /** {@code lock} is shared by the streams of one connection, so that frames never interleave. */
    Mux(OutputStream out, int stream, Object lock) {
        this.out = out;
        this.stream = stream;
        this.lock = lock;
    }

    @Override
    public void write(int b) throws IOException {
        write(new byte[] {(byte) b}, 0, 1);
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
        if (len == 0) {
            return;
        }
        synchronized (lock) {
            if (stream != RAW) {
                out.write(new byte[] {(byte) stream, 0, 0, 0, (byte) (len >>> 24), (byte) (len >>> 16),
                    (byte) (len >>> 8), (byte) len});
            }
            out.write(b, off, len);
            out.flush();
        }
    }

    @Override
    public void flush() throws IOException {
        synchronized (lock) {
            out.flush();
        }
    }
}
