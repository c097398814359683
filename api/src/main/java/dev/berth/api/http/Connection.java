package dev.berth.api.http;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.channels.SocketChannel;

/**
 * One client connection, whatever carries it: a unix-domain {@link SocketChannel}, or a TLS
 * socket for {@code -H tcp://}. The server reads and writes it from different threads once it is
 * hijacked, and half-closes it when a process's output ends.
 */
public interface Connection extends AutoCloseable {
    InputStream in();

    /** Buffered: the server flushes it at the end of each response and stream chunk. */
    OutputStream out();

    /** The client reads EOF and may still send (docker's CloseWrite). */
    void shutdownOutput() throws IOException;

    @Override
    void close() throws IOException;

    static Connection of(SocketChannel ch) {
        return new Of(new ChannelStreams.In(ch), buffered(new ChannelStreams.Out(ch)), ch::shutdownOutput, ch);
    }

    /** A connected socket (TLS: the handshake happens on the first read or write). */
    static Connection of(Socket s) throws IOException {
        // TLS 1.3 sends close_notify for this side only; the client may still send
        return new Of(s.getInputStream(), buffered(s.getOutputStream()), s::shutdownOutput, s);
    }

    private static OutputStream buffered(OutputStream raw) {
        return new BufferedOutputStream(raw, 16384);
    }

    /** How the server half-closes a connection. */
    @FunctionalInterface
    interface HalfClose {
        void shutdownOutput() throws IOException;
    }

    /** A connection of streams, a half-close and the socket that owns them. */
    record Of(InputStream in, OutputStream out, HalfClose half, java.io.Closeable socket) implements Connection {
        @Override
        public void shutdownOutput() throws IOException {
            half.shutdownOutput();
        }

        @Override
        public void close() throws IOException {
            socket.close();
        }
    }
}
