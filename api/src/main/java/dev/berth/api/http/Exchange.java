package dev.berth.api.http;

import dev.berth.runtime.json.Json;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One request and its response: a whole body ({@link #respond}), a chunked stream
 * ({@link #stream}), or the connection itself ({@link #hijack}), which docker's attach and exec
 * use to carry a process's stdio both ways.
 */
public final class Exchange {
    private enum State { NEW, DONE, STREAMING, HIJACKED }

    private final Request request;
    private final InputStream connIn;
    private final OutputStream connOut;
    private final Connection connection;
    private final Map<String, String> headers = new LinkedHashMap<>();
    private final BodyInput body;
    private State state = State.NEW;
    private ChunkedOutput chunked;
    private boolean close;

    Exchange(Request request, InputStream connIn, OutputStream connOut, Connection connection,
        Map<String, String> common, BodyInput body) {
        this.request = request;
        this.connIn = connIn;
        this.connOut = connOut;
        this.connection = connection;
        this.body = body;
        headers.putAll(common);
    }

    public Request request() {
        return request;
    }

    /** The whole body; {@code 413} when it is longer than {@code max} bytes. */
    public byte[] body(int max) throws IOException, HttpException {
        byte[] buf = new byte[Math.min(max, 8192) + 1];
        int len = 0;
        for (int n; (n = body.read(buf, len, buf.length - len)) > 0; ) {
            len += n;
            if (len == buf.length) {
                if (len > max) {
                    close = true;
                    throw new HttpException(413, "the request body is larger than " + max + " bytes");
                }
                buf = java.util.Arrays.copyOf(buf, Math.min(buf.length * 2, max + 1));
            }
        }
        return java.util.Arrays.copyOf(buf, len);
    }

    /** The body as a stream, for uploads of any size. */
    public InputStream bodyStream() {
        return body;
    }

    /** A header for the response to come. */
    public void header(String name, String value) {
        headers.put(name, value);
    }

    public boolean responded() {
        return state != State.NEW;
    }

    /** A complete response; {@code body} may be empty (a HEAD request gets its length only). */
    public void respond(int status, String contentType, byte[] content) throws IOException {
        start();
        StringBuilder head = statusLine(status);
        if (contentType != null) {
            head.append("Content-Type: ").append(contentType).append("\r\n");
        }
        if (status != 204 && status != 304) {
            head.append("Content-Length: ").append(content.length).append("\r\n");
        }
        finishHead(head);
        if (!request.method().equals("HEAD") && status != 204 && status != 304) {
            connOut.write(content);
        }
        connOut.flush();
        state = State.DONE;
    }

    public void json(int status, Object value) throws IOException {
        respond(status, "application/json", (Json.compact(value) + "\n").getBytes(StandardCharsets.UTF_8));
    }

    /** docker's error shape: {@code {"message": "..."}}. */
    public void error(int status, String message) throws IOException {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("message", message);
        json(status, m);
    }

    /**
     * Starts a chunked response whose headers go out at once (a client may wait for them before
     * it goes on, as docker's does for wait); {@code flush} sends what was written.
     */
    public OutputStream stream(int status, String contentType) throws IOException {
        start();
        StringBuilder head = statusLine(status);
        head.append("Content-Type: ").append(contentType).append("\r\n");
        head.append("Transfer-Encoding: chunked\r\n");
        state = State.STREAMING; // before the write: a client gone meanwhile is one gone mid-stream
        chunked = new ChunkedOutput(connOut);
        finishHead(head);
        connOut.flush();
        return chunked;
    }

    /**
     * Runs {@code then} when the client closes the connection (or sends anything more) while a
     * long response is under way; the connection is not kept alive afterwards. For a logs -f or
     * a wait whose client went away while the container was quiet. Call it before the head goes
     * out, so that the head says {@code Connection: close}: a client that pools connections
     * (docker-java) would otherwise send its next request on the closed one.
     */
    public void onDisconnect(Runnable then) {
        if (state != State.NEW) {
            throw new IllegalStateException("onDisconnect after the response head: it must say Connection: close");
        }
        close = true;
        Thread.ofVirtual().name("disconnect").start(() -> {
            try {
                connIn.read();
            } catch (IOException ignored) {
                // closed: the same as EOF
            }
            then.run();
        });
    }

    /** The raw connection after the response head: docker's hijack. */
    public record Hijacked(InputStream in, OutputStream out, Connection connection) {
        /** Half-closes: the client reads EOF and may still send. */
        public void closeOutput() throws IOException {
            out.flush();
            connection.shutdownOutput();
        }
    }

    /**
     * Answers {@code 101 UPGRADED} when the client asked to upgrade ({@code Upgrade: tcp}), as
     * docker does, else {@code 200 OK}, and hands over the connection; it is closed afterwards.
     */
    public Hijacked hijack(String contentType) throws IOException {
        start();
        String upgrade = request.header("upgrade");
        StringBuilder head = upgrade != null ? new StringBuilder("HTTP/1.1 101 UPGRADED\r\n") : statusLine(200);
        head.append("Content-Type: ").append(contentType).append("\r\n");
        if (upgrade != null) {
            head.append("Connection: Upgrade\r\n").append("Upgrade: ").append(upgrade).append("\r\n");
            headers.remove("Connection");
        }
        state = State.HIJACKED; // before the write: a client gone meanwhile is one gone mid-stream
        finishHead(head); // (without Connection: close: the head says Upgrade)
        close = true;
        connOut.flush();
        return new Hijacked(connIn, connOut, connection);
    }

    private void start() {
        if (state != State.NEW) {
            throw new IllegalStateException("the response was already started");
        }
    }

    private StringBuilder statusLine(int status) {
        return new StringBuilder("HTTP/1.1 ").append(status).append(' ').append(reason(status)).append("\r\n");
    }

    private void finishHead(StringBuilder head) throws IOException {
        if (close) {
            headers.put("Connection", "close");
        }
        for (Map.Entry<String, String> e : headers.entrySet()) {
            head.append(e.getKey()).append(": ").append(e.getValue()).append("\r\n");
        }
        head.append("\r\n");
        connOut.write(head.toString().getBytes(StandardCharsets.ISO_8859_1));
    }

    /** Ends the exchange; false when the connection must close. */
    boolean finish() throws IOException {
        if (state == State.HIJACKED) {
            return false;
        }
        if (state == State.STREAMING) {
            chunked.close();
        }
        if (!body.finished() && !body.drain(1 << 20)) {
            return false;
        }
        return !close;
    }

    boolean hijacked() {
        return state == State.HIJACKED;
    }

    /** The connection closes after this response. */
    void closeAfter() {
        close = true;
    }

    static String reason(int status) {
        return switch (status) {
            case 100 -> "Continue";
            case 200 -> "OK";
            case 201 -> "Created";
            case 204 -> "No Content";
            case 304 -> "Not Modified";
            case 400 -> "Bad Request";
            case 401 -> "Unauthorized";
            case 403 -> "Forbidden";
            case 404 -> "Not Found";
            case 405 -> "Method Not Allowed";
            case 409 -> "Conflict";
            case 411 -> "Length Required";
            case 413 -> "Content Too Large";
            case 431 -> "Request Header Fields Too Large";
            case 500 -> "Internal Server Error";
            case 501 -> "Not Implemented";
            case 503 -> "Service Unavailable";
            default -> "Status";
        };
    }
}
