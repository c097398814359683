package dev.berth.api.http;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;

/**
 * Streams straight over a blocking {@link SocketChannel}: its read and write sides have locks of
 * their own, so one thread may block reading a hijacked connection's input while another writes
 * its output (which {@code Channels.newInputStream} does not promise).
 */
final class ChannelStreams {
    private ChannelStreams() {}

    static final class In extends InputStream {
        private final SocketChannel ch;
        private final ByteBuffer buf = ByteBuffer.allocate(16384).flip();

        In(SocketChannel ch) {
            this.ch = ch;
        }

        private boolean fill() throws IOException {
            buf.clear();
            int n = ch.read(buf);
            buf.flip();
            return n > 0;
        }

        @Override
        public int read() throws IOException {
            if (!buf.hasRemaining() && !fill()) {
                return -1;
            }
            return buf.get() & 0xff;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            if (len == 0) {
                return 0;
            }
            if (!buf.hasRemaining() && !fill()) {
                return -1;
            }
            int n = Math.min(len, buf.remaining());
            buf.get(b, off, n);
            return n;
        }

        @Override
        public int available() {
            return buf.remaining();
        }
    }

    static final class Out extends OutputStream {
        private final SocketChannel ch;

        Out(SocketChannel ch) {
            this.ch = ch;
        }

        @Override
        public void write(int b) throws IOException {
            write(new byte[] {(byte) b}, 0, 1);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            ByteBuffer bb = ByteBuffer.wrap(b, off, len);
            while (bb.hasRemaining()) {
                ch.write(bb);
            }
        }
    }
}
