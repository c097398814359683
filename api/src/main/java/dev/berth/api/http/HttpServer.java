package dev.berth.api.http;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PushbackInputStream;
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
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.time.Duration;

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
    /** Closes connections whose request head did not arrive in time; one thread for all. */
    private final ScheduledThreadPoolExecutor timer;
    private volatile long headerTimeoutNanos = DEFAULT_HEADER_TIMEOUT.toNanos();

    /** dockerd's {@code ReadHeaderTimeout}. */
    public static final Duration DEFAULT_HEADER_TIMEOUT = Duration.ofMinutes(5);

    /** {@code common} headers go out with every response (docker's API-Version, Server). */
    public HttpServer(Handler handler, Map<String, String> common, ErrorLog log) {
        this.handler = handler;
        this.common = new LinkedHashMap<>(common);
        this.log = log;
        this.timer = new ScheduledThreadPoolExecutor(1, r -> Thread.ofPlatform().daemon().name("http-timeout").unstarted(r));
        timer.setRemoveOnCancelPolicy(true);
    }

    /**
     * How long a client has to send a whole request head, as Go's {@code ReadHeaderTimeout}:
     * from the connection's accept for its first request, from the first byte for the next ones
     * on a kept-alive connection (an idle connection between requests is not timed, as
     * dockerd's). A client that is late is disconnected: its virtual thread and socket go.
     */
    public HttpServer headerTimeout(Duration d) {
        if (d.isNegative() || d.isZero()) {
            throw new IllegalArgumentException("the header timeout must be positive");
        }
        this.headerTimeoutNanos = d.toNanos();
        return this;
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
        ScheduledFuture<?> deadline = deadline(c); // from the accept, as Go's for a first request
        Thread.ofVirtual().name("http").start(() -> connection(c, deadline));
    }

    /** Closes {@code c} unless cancelled within the header timeout. */
    private ScheduledFuture<?> deadline(Connection c) {
        return timer.schedule(() -> {
            try {
                c.close(); // the blocked read of the head fails, and the connection's thread ends
            } catch (IOException ignored) {
                // closing anyway
            }
        }, headerTimeoutNanos, TimeUnit.NANOSECONDS);
    }

    /** Closes every open connection (their streams end at once), and stops the timer. */
    public void closeConnections() {
        timer.shutdownNow();
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

    private void connection(Connection c, ScheduledFuture<?> first) {
        try (c) {
            PushbackInputStream in = new PushbackInputStream(c.in(), 1);
            ScheduledFuture<?> deadline = first;
            for (;;) {
                if (!exchange(c, in, c.out(), deadline)) {
                    break;
                }
                int b = in.read(); // idle between requests: the next head's clock starts with its first byte
                if (b < 0) {
                    break;
                }
                in.unread(b);
                deadline = deadline(c);
            }
        } catch (IOException e) {
            // the client went away (or, on TCP, failed the TLS handshake)
        } finally {
            open.remove(c);
        }
    }

    /** Serves one request; false when the connection is to close. */
    private boolean exchange(Connection ch, InputStream in, OutputStream out, ScheduledFuture<?> deadline)
        throws IOException {
        Request r;
        BodyInput body;
        try {
            try {
                r = Request.read(in);
            } finally {
                deadline.cancel(false);
            }
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
        } catch (BodyInput.Malformed e) {
            if (x.responded()) {
                return false;
            }
            x.closeAfter(); // where the next request would start is unknown
            x.error(400, e.getMessage());
            return false;
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
        boolean keep = x.finish();
        if (x.hijacked()) {
            linger(ch, in);
        }
        return keep;
    }

    /** How long a hijacked connection waits for the client's end after its own. */
    private static final long LINGER_MILLIS = 2000;

    /**
     * Ends a hijacked connection gently: a half-close, then what the client still sends is read
     * until it closes too (2 s at most). A full close at once would make a client that is still
     * writing (docker-java flushes after the answer of an attach with stream=0 began) fail
     * with EPIPE.
     */
    private void linger(Connection c, InputStream in) {
        ScheduledFuture<?> stop = timer.schedule(() -> {
            try {
                c.close();
            } catch (IOException ignored) {
                // closing anyway
            }
        }, LINGER_MILLIS, TimeUnit.MILLISECONDS);
        try {
            c.out().flush();
            c.shutdownOutput();
            byte[] buf = new byte[8192];
            while (in.read(buf) >= 0) {
                continue;
            }
        } catch (IOException e) {
            // closed by either side: done
        } finally {
            stop.cancel(false);
        }
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
