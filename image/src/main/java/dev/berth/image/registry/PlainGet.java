package dev.berth.image.registry;

import dev.berth.image.Chunks;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.Locale;

/**
 * A blob's {@code GET} over plain http on a socket of its own, read into one direct buffer that
 * is hashed and written to the file where it is. Only for registries reached over http (loopback
 * and {@code --insecure-registry} ones): the JDK's client reads every body into fresh 128 KiB heap
 * buffers (a copy out of its direct one, and 200 MB of garbage per 200 MB pull, whose first touch
 * of the heap's pages cost ~36,000 page faults) and hands each through its selector and worker
 * threads; all that was ~0.1 to 0.2 s of CPU of a 200 MB pull, more than skopeo's whole margin.
 *
 * <p>It answers only what it fully understands: a {@code 200} (or {@code 206}) with a
 * {@code Content-Length} and no transfer or content coding. Anything else (a redirect, a 401, an
 * error, a chunked body) gives null and the caller asks again through the JDK's client, whose path
 * knows redirects, challenges and the registry's error messages.
 */
final class PlainGet {
    /** The body's reads: large enough that hashing and writing are a few calls per megabyte. */
    private static final int BUFFER = 512 * 1024;
    private static final int CONNECT_TIMEOUT_MILLIS = 30_000;
    /** The status line and headers must fit in this. */
    private static final int MAX_HEAD = 64 * 1024;

    private PlainGet() {}

    /** A body of {@code length} bytes; {@code status} 200 or 206, {@code contentRange} the 206's header. */
    record Response(int status, String contentRange, Body body) {}

    /**
     * GETs {@code uri} (http only) with {@code headers} (name, value, ...; may be null) and
     * {@code authorization} (may be null). Null when the answer is not a plain 200 or 206 body.
     */
    static Response get(URI uri, String[] headers, String authorization) throws IOException {
        if (!"http".equals(uri.getScheme()) || uri.getHost() == null) {
            return null;
        }
        int port = uri.getPort() < 0 ? 80 : uri.getPort();
        SocketChannel ch = SocketChannel.open();
        try {
            // as the JDK client's connect timeout; a stalled body is the pull's watchdog's to break off
            ch.socket().connect(new InetSocketAddress(uri.getHost(), port), CONNECT_TIMEOUT_MILLIS);
            StringBuilder req = new StringBuilder(256);
            String path = uri.getRawPath() == null || uri.getRawPath().isEmpty() ? "/" : uri.getRawPath();
            req.append("GET ").append(path);
            if (uri.getRawQuery() != null) {
                req.append('?').append(uri.getRawQuery());
            }
            req.append(" HTTP/1.1\r\nHost: ").append(uri.getHost());
            if (uri.getPort() >= 0) {
                req.append(':').append(uri.getPort());
            }
            req.append("\r\nUser-Agent: berth\r\nAccept-Encoding: identity\r\nConnection: close\r\n");
            if (headers != null) {
                for (int i = 0; i + 1 < headers.length; i += 2) {
                    req.append(headers[i]).append(": ").append(headers[i + 1]).append("\r\n");
                }
            }
            if (authorization != null) {
                req.append("Authorization: ").append(authorization).append("\r\n");
            }
            req.append("\r\n");
            ByteBuffer out = ByteBuffer.wrap(req.toString().getBytes(StandardCharsets.ISO_8859_1));
            while (out.hasRemaining()) {
                ch.write(out);
            }
            ByteBuffer buf = ByteBuffer.allocateDirect(BUFFER);
            int end = readHead(ch, buf);
            byte[] head = new byte[end];
            buf.get(0, head);
            buf.limit(buf.position()).position(end + 4); // what came after the head: the body's start
            Response r = parse(new String(head, StandardCharsets.ISO_8859_1), ch, buf);
            if (r == null) {
                ch.close();
            }
            return r;
        } catch (IOException | RuntimeException e) {
            ch.close();
            throw e;
        }
    }

    /** Reads until the blank line that ends the head; returns its offset (the buffer's position is what was read). */
    private static int readHead(SocketChannel ch, ByteBuffer buf) throws IOException {
        int scanned = 0;
        while (true) {
            for (int i = Math.max(0, scanned - 3); i + 3 < buf.position(); i++) {
                if (buf.get(i) == '\r' && buf.get(i + 1) == '\n' && buf.get(i + 2) == '\r' && buf.get(i + 3) == '\n') {
                    return i;
                }
            }
            scanned = buf.position();
            if (scanned >= MAX_HEAD) {
                throw new RegistryException.Protocol("the registry's answer has a head larger than " + MAX_HEAD
                    + " bytes; refused");
            }
            if (ch.read(buf) < 0) {
                throw new IOException("the registry closed the connection before its answer's head ended");
            }
        }
    }

    private static Response parse(String head, SocketChannel ch, ByteBuffer buf) throws IOException {
        String[] lines = head.split("\r\n");
        String[] status = lines[0].split(" ", 3);
        if (status.length < 2 || !status[0].startsWith("HTTP/1.")) {
            throw new RegistryException.Protocol("the registry answered no HTTP/1.x status line (\"" + lines[0] + "\")");
        }
        int code;
        try {
            code = Integer.parseInt(status[1]);
        } catch (NumberFormatException e) {
            throw new RegistryException.Protocol("the registry answered a bad status line (\"" + lines[0] + "\")");
        }
        if (code != 200 && code != 206) {
            return null;
        }
        long length = -1;
        String range = null;
        for (int i = 1; i < lines.length; i++) {
            int colon = lines[i].indexOf(':');
            if (colon <= 0) {
                continue;
            }
            String name = lines[i].substring(0, colon).strip().toLowerCase(Locale.ROOT);
            String value = lines[i].substring(colon + 1).strip();
            switch (name) {
                case "content-length" -> {
                    try {
                        long n = Long.parseLong(value);
                        if (length >= 0 && length != n) {
                            return null; // two lengths: let the JDK's client judge it
                        }
                        length = n;
                    } catch (NumberFormatException e) {
                        return null;
                    }
                }
                case "transfer-encoding" -> {
                    if (!value.equalsIgnoreCase("identity")) {
                        return null;
                    }
                }
                case "content-encoding" -> {
                    if (!value.isEmpty() && !value.equalsIgnoreCase("identity")) {
                        return null;
                    }
                }
                case "content-range" -> range = value;
                default -> { }
            }
        }
        if (length < 0 || buf.remaining() > length) {
            return null;
        }
        return new Response(code, range, new Body(ch, buf, length));
    }

    /** The body, as the buffer it is read into ({@link Chunks}) or as a stream; closing closes the socket. */
    static final class Body extends ChunkStream {
        private final SocketChannel ch;
        private final ByteBuffer buf;
        private long left; // bytes of the body not yet read from the socket

        Body(SocketChannel ch, ByteBuffer buf, long length) {
            this.ch = ch;
            this.buf = buf;
            this.left = length - buf.remaining();
        }

        @Override
        public ByteBuffer next() throws IOException {
            if (buf.hasRemaining()) {
                return buf;
            }
            if (left == 0) {
                return null;
            }
            buf.clear();
            buf.limit((int) Math.min(buf.capacity(), left));
            int n;
            do {
                n = ch.read(buf);
            } while (n == 0);
            if (n < 0) {
                throw new IOException("the registry closed the connection with " + left + " bytes of the body still to come");
            }
            left -= n;
            buf.flip();
            return buf;
        }

        @Override
        public int available() {
            return buf.remaining();
        }

        @Override
        public void close() throws IOException {
            ch.close();
        }
    }
}
