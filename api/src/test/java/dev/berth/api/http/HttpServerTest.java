package dev.berth.api.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The HTTP layer on a real unix socket, spoken to byte by byte as a client would. */
class HttpServerTest {
    private Path dir;
    private Path sock;
    private ServerSocketChannel server;
    private HttpServer http;

    @BeforeEach
    void start() throws IOException {
        dir = Files.createTempDirectory("http");
        sock = dir.resolve("s");
        server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        server.bind(UnixDomainSocketAddress.of(sock));
        http = new HttpServer(HttpServerTest::handle, Map.of("Api-Version", "1.51"), (r, t) -> { });
        Thread.ofVirtual().start(() -> {
            try {
                http.serve(server);
            } catch (IOException e) {
                // closed
            }
        });
    }

    @AfterEach
    void stop() throws IOException {
        server.close();
        http.closeConnections();
        Files.deleteIfExists(sock);
        Files.deleteIfExists(dir);
    }

    /** /echo answers the body; /stream sends three chunks; /hijack echoes raw bytes until EOF, then says bye. */
    private static void handle(Exchange x) throws Exception {
        switch (x.request().path()) {
            case "/echo" -> x.respond(200, "text/plain", x.body(64));
            case "/stream" -> {
                OutputStream out = x.stream(200, "text/plain");
                for (String s : new String[] {"a", "bb", "ccc"}) {
                    out.write(s.getBytes(StandardCharsets.US_ASCII));
                    out.flush();
                }
            }
            case "/hijack" -> {
                Exchange.Hijacked h = x.hijack("application/vnd.docker.raw-stream");
                byte[] all = h.in().readAllBytes(); // until the client's half-close
                h.out().write(all);
                h.out().write("bye".getBytes(StandardCharsets.US_ASCII));
                h.closeOutput();
            }
            case "/query" -> x.respond(200, "text/plain",
                (x.request().query("a") + "|" + x.request().queryAll("b") + "|" + x.request().header("X-Y"))
                    .getBytes(StandardCharsets.UTF_8));
            default -> throw new HttpException(404, "page not found");
        }
    }

    private SocketChannel connect() throws IOException {
        SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX);
        ch.connect(UnixDomainSocketAddress.of(sock));
        return ch;
    }

    private static void send(SocketChannel ch, String s) throws IOException {
        ByteBuffer b = ByteBuffer.wrap(s.getBytes(StandardCharsets.ISO_8859_1));
        while (b.hasRemaining()) {
            ch.write(b);
        }
    }

    /** Everything until the server closes the connection. */
    private static String readAll(SocketChannel ch) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteBuffer b = ByteBuffer.allocate(4096);
        while (ch.read(b) >= 0) {
            out.write(b.array(), 0, b.position());
            b.clear();
        }
        return out.toString(StandardCharsets.ISO_8859_1);
    }

    @Test
    void keepAliveAndChunkedBothWays() throws IOException {
        try (SocketChannel ch = connect()) {
            send(ch, "POST /echo HTTP/1.1\r\nHost: d\r\nContent-Length: 5\r\n\r\nhello"
                + "POST /echo HTTP/1.1\r\nHost: d\r\nTransfer-Encoding: chunked\r\n\r\n3;x=y\r\nabc\r\n2\r\nde\r\n0\r\nT: v\r\n\r\n"
                + "GET /stream HTTP/1.1\r\nHost: d\r\n\r\n"
                + "GET /query?a=1+2&b=x&b=%2F HTTP/1.1\r\nX-Y: z\r\nConnection: close\r\n\r\n");
            String all = readAll(ch);
            assertTrue(all.startsWith("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 5\r\nApi-Version: 1.51\r\n\r\nhello"), all);
            assertTrue(all.contains("Content-Length: 5\r\nApi-Version: 1.51\r\n\r\nabcde"), all);
            assertTrue(all.contains("Transfer-Encoding: chunked\r\nApi-Version: 1.51\r\n\r\n1\r\na\r\n2\r\nbb\r\n3\r\nccc\r\n0\r\n\r\n"), all);
            assertTrue(all.endsWith("Connection: close\r\n\r\n1 2|[x, /]|z"), all);
        }
    }

    @Test
    void hijackWithHalfClose() throws IOException {
        try (SocketChannel ch = connect()) {
            send(ch, "POST /hijack HTTP/1.1\r\nHost: d\r\nConnection: Upgrade\r\nUpgrade: tcp\r\n\r\nraw bytes");
            ch.shutdownOutput(); // docker's CloseWrite after stdin's EOF: the output must still come
            String all = readAll(ch);
            assertTrue(all.startsWith("HTTP/1.1 101 UPGRADED\r\nContent-Type: application/vnd.docker.raw-stream\r\n"
                + "Connection: Upgrade\r\nUpgrade: tcp\r\n"), all);
            assertTrue(all.endsWith("\r\n\r\nraw bytesbye"), all);
        }
        try (SocketChannel ch = connect()) { // without Upgrade: 200 and the same stream, as dockerd
            send(ch, "POST /hijack HTTP/1.1\r\nHost: d\r\nContent-Length: 0\r\n\r\nxyz");
            ch.shutdownOutput();
            String all = readAll(ch);
            assertTrue(all.startsWith("HTTP/1.1 200 OK\r\n") && all.endsWith("\r\n\r\nxyzbye"), all);
        }
    }

    @Test
    void badRequestsAreAnsweredAndClosed() throws IOException {
        String[][] cases = {
            {"GARBAGE\r\n\r\n", "HTTP/1.1 400 "},
            {"GET /echo HTTP/1.1\r\nContent-Length: x\r\n\r\n", "HTTP/1.1 400 "},
            {"GET /echo HTTP/1.1\r\nTransfer-Encoding: gzip\r\n\r\n", "HTTP/1.1 501 "},
            {"GET /echo HTTP/1.1\r\nX: " + "y".repeat((1 << 20) + 10) + "\r\n\r\n", "HTTP/1.1 431 "},
            {"GET /echo HTTP/1.1\r\n" + "X: y\r\n".repeat(101) + "\r\n", "HTTP/1.1 431 "},
            {"POST /echo HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nab\r\n0\r\n\r\n", "HTTP/1.1 400 "},
            {"POST /echo HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n41\r\n" + "q".repeat(65) + "\r\n0\r\n\r\n",
                "HTTP/1.1 413 "},
            {"POST /echo HTTP/1.1\r\nContent-Length: 100\r\n\r\n" + "z".repeat(100), "HTTP/1.1 413 "},
            {"GET /nope HTTP/1.1\r\n\r\n", "HTTP/1.1 404 Not Found\r\nContent-Type: application/json"},
        };
        for (String[] c : cases) {
            try (SocketChannel ch = connect()) {
                send(ch, c[0]);
                String all = readAll(ch.shutdownOutput());
                assertTrue(all.startsWith(c[1]), c[0].substring(0, Math.min(40, c[0].length())) + " -> " + all);
                assertTrue(all.contains("{\"message\":"), all);
            } catch (IOException e) {
                // the server may close while the test still writes the huge header: that is fine too
                assertEquals("431", c[1].substring(9, 12), e.toString());
            }
        }
        try (SocketChannel ch = connect()) { // the server survived them all
            send(ch, "POST /echo HTTP/1.1\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok");
            assertTrue(readAll(ch).endsWith("\r\n\r\nok"));
        }
        try (SocketChannel ch = connect()) { // a long header below Go's 1 MiB is fine, as with dockerd
            send(ch, "POST /echo HTTP/1.1\r\nX-Registry-Auth: " + "a".repeat(200_000)
                + "\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok");
            String all = readAll(ch);
            assertTrue(all.startsWith("HTTP/1.1 200 ") && all.endsWith("\r\n\r\nok"), all);
        }
    }

    @Test
    @org.junit.jupiter.api.Timeout(30) // without the timeout, the reads below would wait for ever
    void aClientThatNeverFinishesItsHeadIsDisconnected() throws Exception {
        http.headerTimeout(java.time.Duration.ofMillis(300));
        try (SocketChannel silent = connect(); SocketChannel slow = connect(); SocketChannel kept = connect()) {
            send(slow, "GET /query?a=1 HTTP/1.1\r\nHost: d\r\n"); // and nothing more
            send(kept, "GET /query?a=1 HTTP/1.1\r\nHost: d\r\n\r\n");
            ByteBuffer first = ByteBuffer.allocate(4096);
            kept.read(first);
            assertTrue(new String(first.array(), 0, first.position(), StandardCharsets.ISO_8859_1).endsWith("1|[]|null"));
            long start = System.nanoTime();
            assertEquals("", readAll(silent), "nothing is answered to a silent client");
            assertEquals("", readAll(slow), "nor to one whose head never ends");
            long ms = (System.nanoTime() - start) / 1_000_000;
            assertTrue(ms < 5000, ms + " ms");
            // a kept-alive connection idle between requests is not timed (Go's rule): it still serves
            Thread.sleep(600);
            send(kept, "GET /query?a=2 HTTP/1.1\r\nHost: d\r\nConnection: close\r\n\r\n");
            assertTrue(readAll(kept).endsWith("2|[]|null"));
        }
        for (int i = 0; i < 100 && http.openConnections() > 0; i++) {
            Thread.sleep(20);
        }
        assertEquals(0, http.openConnections(), "the late clients' connections are gone");
    }
}
