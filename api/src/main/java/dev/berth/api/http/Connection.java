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
        ChannelStreams.In in = new ChannelStreams.In(ch);
        OutputStream out = new BufferedOutputStream(new ChannelStreams.Out(ch), 16384);
        return new Connection() {
            @Override
            public InputStream in() {
                return in;
            }

            @Override
            public OutputStream out() {
                return out;
            }

            @Override
            public void shutdownOutput() throws IOException {
                ch.shutdownOutput();
            }

            @Override
            public void close() throws IOException {
                ch.close();
            }
        };
    }

    /** A connected socket (TLS: the handshake happens on the first read or write). */
    static Connection of(Socket s) throws IOException {
        InputStream in = s.getInputStream();
        OutputStream out = new BufferedOutputStream(s.getOutputStream(), 16384);
        return new Connection() {
            @Override
            public InputStream in() {
                return in;
            }

            @Override
            public OutputStream out() {
                return out;
            }

            @Override
            public void shutdownOutput() throws IOException {
                // TLS 1.3 sends close_notify for this side only; the client may still send
                s.shutdownOutput();
            }

            @Override
            public void close() throws IOException {
                s.close();
            }
        };
    }
}
