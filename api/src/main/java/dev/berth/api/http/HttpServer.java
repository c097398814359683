package dev.berth.api.http;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.nio.channels.AsynchronousCloseException;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * HTTP/1.1 on a unix-domain {@link ServerSocketChannel} (or a TLS {@link ServerSocket}): one virtual thread per connection,
 * keep-alive, chunked bodies both ways, and hijacking (docker's attach). Chosen over Jetty on
 * measured start-up and memory (docs/daemon.md).
 */
public final class HttpServer {
    /** Answers one exchange; an {@link HttpException} before the response becomes that status. */
    @FunctionalInterface
    public interface Handler {
        void handle(Exchange x) throws Exception;
    }

    /** Reports an exception a handler threw, which became a 500 or closed the connection. */
    @FunctionalInterface
    public interface ErrorLog {
        void failed(Request r, Throwable t);
    }

    private final Handler handler;
    private final Map<String, String> common;
    private final ErrorLog log;
    private final Set<Connection> open = ConcurrentHashMap.newKeySet();

    /** {@code common} headers go out with every response (docker's API-Version, Server). */
    public HttpServer(Handler handler, Map<String, String> common, ErrorLog log) {
        this.handler = handler;
        this.common = new LinkedHashMap<>(common);
        this.log = log;
    }

    /** Accepts until {@code server} is closed. */
    public void serve(ServerSocketChannel server) throws IOException {
        for (;;) {
            SocketChannel ch;
            try {
                ch = server.accept();
            } catch (AsynchronousCloseException e) {
                return;
            }
            start(Connection.of(ch));
        }
    }

    /** Accepts until {@code server} is closed: TCP, where every connection is TLS with a client certificate. */
    public void serve(ServerSocket server) throws IOException {
        for (;;) {
            Socket s;
            try {
                s = server.accept();
            } catch (SocketException e) {
                if (server.isClosed()) {
                    return;
                }
                throw e;
            }
            start(Connection.of(s));
        }
    }

    private void start(Connection c) {
        open.add(c);
        Thread.ofVirtual().name("http").start(() -> connection(c));
    }

    /** Closes every open connection (their streams end at once). */
    public void closeConnections() {
        for (Connection c : open) {
            try {
                c.close();
            } catch (IOException ignored) {
                // closing anyway
            }
        }
    }

    public int openConnections() {
        return open.size();
    }

    private void connection(Connection c) {
        try (c) {
            while (exchange(c, c.in(), c.out())) {
                continue;
            }
        } catch (IOException e) {
            // the client went away (or, on TCP, failed the TLS handshake)
        } finally {
            open.remove(c);
        }
    }

    /** Serves one request; false when the connection is to close. */
    private boolean exchange(Connection ch, InputStream in, OutputStream out) throws IOException {
        Request r;
        BodyInput body;
        try {
            r = Request.read(in);
            if (r == null) {
                return false;
            }
            body = body(r, in);
        } catch (HttpException e) {
            Exchange x = new Exchange(bare(), in, out, ch, common, new BodyInput(in, false, 0));
            x.closeAfter();
            x.error(e.status(), e.getMessage());
            return false;
        }
        if ("100-continue".equalsIgnoreCase(r.header("expect")) && !body.finished()) {
            out.write("HTTP/1.1 100 Continue\r\n\r\n".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
            out.flush();
        }
        Exchange x = new Exchange(r, in, out, ch, common, body);
        String conn = r.header("connection");
        if (conn != null && conn.toLowerCase(java.util.Locale.ROOT).contains("close")
            || r.http10() && (conn == null || !conn.equalsIgnoreCase("keep-alive"))) {
            x.closeAfter();
        }
        try {
            handler.handle(x);
        } catch (HttpException e) {
            if (x.responded()) {
                return false;
            }
            x.error(e.status(), e.getMessage());
        } catch (IOException e) {
            if (x.responded()) {
                return false; // the client went away mid-stream
            }
            log.failed(r, e);
            x.error(500, e.getMessage());
        } catch (Exception | Error e) {
            log.failed(r, e);
            if (x.responded()) {
                return false;
            }
            x.closeAfter();
            x.error(500, e.toString());
            return false;
        }
        if (!x.responded()) {
            x.error(500, "the handler sent no response");
        }
        return x.finish();
    }

    private static Request bare() throws IOException {
        try {
            return Request.read(new java.io.ByteArrayInputStream("GET / HTTP/1.1\r\n\r\n".getBytes()));
        } catch (HttpException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Content-Length or chunked framing; neither means an empty body (RFC 9112 section 6.3). */
    private static BodyInput body(Request r, InputStream in) throws HttpException {
        String te = r.header("transfer-encoding");
        String cl = r.header("content-length");
        if (te != null) {
            if (!te.equalsIgnoreCase("chunked")) {
                throw new HttpException(501, "transfer-encoding \"" + te + "\" is not supported; use chunked");
            }
            if (cl != null) {
                throw new HttpException(400, "both content-length and transfer-encoding were given");
            }
            return new BodyInput(in, true, 0);
        }
        if (cl == null) {
            return new BodyInput(in, false, 0);
        }
        long len;
        try {
            len = Long.parseLong(cl.strip());
        } catch (NumberFormatException e) {
            throw new HttpException(400, "malformed content-length \"" + cl + "\"");
        }
        if (len < 0) {
            throw new HttpException(400, "malformed content-length \"" + cl + "\"");
        }
        return new BodyInput(in, false, len);
    }
}
