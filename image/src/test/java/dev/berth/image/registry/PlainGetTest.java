package dev.berth.image.registry;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@link PlainGet} against a server on 127.0.0.1 that answers one connection with exactly the
 * bytes a test gives it, so that every shape of answer (a body larger than the buffer, a 206, a
 * redirect, a chunked body, a body cut short) is what the client really reads off the socket.
 */
class PlainGetTest {
    private ServerSocket server;
    private CompletableFuture<String> request;

    @BeforeEach
    void listen() throws IOException {
        server = new ServerSocket(0, 4, InetAddress.getByName("127.0.0.1"));
    }

    @AfterEach
    void close() throws IOException {
        server.close();
    }

    /** Answers the next connection with {@code head} and {@code body}, then closes it; the request's head goes to {@link #request}. */
    private void answer(String head, byte[] body) {
        request = CompletableFuture.supplyAsync(() -> {
            try (Socket s = server.accept()) {
                InputStream in = s.getInputStream();
                ByteArrayOutputStream got = new ByteArrayOutputStream();
                while (!got.toString(StandardCharsets.ISO_8859_1).endsWith("\r\n\r\n")) {
                    int c = in.read();
                    if (c < 0) {
                        break;
                    }
                    got.write(c);
                }
                OutputStream out = s.getOutputStream();
                out.write(head.getBytes(StandardCharsets.ISO_8859_1));
                out.write(body);
                out.flush();
                return got.toString(StandardCharsets.ISO_8859_1);
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
    }

    private URI uri(String path) {
        return URI.create("http://127.0.0.1:" + server.getLocalPort() + path);
    }

    private static byte[] drain(PlainGet.Body body) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (body) {
            for (ByteBuffer b; (b = body.next()) != null; ) {
                assertTrue(b.isDirect(), "the body is read into a direct buffer");
                byte[] part = new byte[b.remaining()];
                b.get(part);
                out.write(part);
            }
        }
        return out.toByteArray();
    }

    @Test
    void aBodyLargerThanTheBufferArrivesWholeAndTheRequestCarriesItsHeaders() throws Exception {
        byte[] blob = new byte[3 * 1024 * 1024 + 17];
        new Random(8).nextBytes(blob);
        answer("HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\ncontent-length: " + blob.length
            + "\r\nDocker-Content-Digest: sha256:x\r\n\r\n", blob);
        PlainGet.Response r = PlainGet.get(uri("/v2/a/b/blobs/sha256:00?x=1"), new String[] {"Range", "bytes=5-"},
            "Bearer t0k");
        assertNotNull(r);
        assertEquals(200, r.status());
        assertArrayEquals(blob, drain(r.body()));
        String req = request.get(10, TimeUnit.SECONDS);
        assertTrue(req.startsWith("GET /v2/a/b/blobs/sha256:00?x=1 HTTP/1.1\r\n"), req);
        assertTrue(req.contains("\r\nHost: 127.0.0.1:" + server.getLocalPort() + "\r\n"), req);
        assertTrue(req.contains("\r\nRange: bytes=5-\r\n"), req);
        assertTrue(req.contains("\r\nAuthorization: Bearer t0k\r\n"), req);
    }

    @Test
    void aRangedAnswerNamesItsRangeAndReadsAsAStream() throws Exception {
        byte[] rest = "the rest of the blob".getBytes(StandardCharsets.UTF_8);
        answer("HTTP/1.1 206 Partial Content\r\nContent-Range: bytes 100-119/120\r\nContent-Length: 20\r\n\r\n", rest);
        PlainGet.Response r = PlainGet.get(uri("/b"), new String[] {"Range", "bytes=100-"}, null);
        assertEquals(206, r.status());
        assertEquals("bytes 100-119/120", r.contentRange());
        try (InputStream in = r.body()) {
            assertArrayEquals(rest, in.readAllBytes());
        }
    }

    @Test
    void whatItDoesNotFullyUnderstandIsLeftToTheJdksClient() throws Exception {
        String[] heads = {
            "HTTP/1.1 307 Temporary Redirect\r\nLocation: http://127.0.0.2/x\r\nContent-Length: 0\r\n\r\n",
            "HTTP/1.1 401 Unauthorized\r\nWww-Authenticate: Bearer realm=\"x\"\r\nContent-Length: 0\r\n\r\n",
            "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n",
            "HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nContent-Length: 5\r\n\r\nhello",
            "HTTP/1.1 200 OK\r\nConnection: close\r\n\r\nhello", // no length: ends with the connection
        };
        for (String head : heads) {
            answer(head, new byte[0]);
            assertNull(PlainGet.get(uri("/b"), null, null), head);
            request.get(10, TimeUnit.SECONDS);
        }
    }

    @Test
    void aBodyCutShortIsAnErrorNotAShortBlob() throws Exception {
        answer("HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n", new byte[600]);
        PlainGet.Response r = PlainGet.get(uri("/b"), null, null);
        IOException e = assertThrows(IOException.class, () -> drain(r.body()));
        assertTrue(e.getMessage().contains("400 bytes of the body still to come"), e.getMessage());
    }

    @Test
    void httpsIsNotItsBusinessAndGarbageIsRefused() throws Exception {
        assertNull(PlainGet.get(URI.create("https://127.0.0.1:" + server.getLocalPort() + "/b"), null, null));
        answer("SSH-2.0-OpenSSH_9.2\r\n\r\n", new byte[0]);
        assertThrows(RegistryException.Protocol.class, () -> PlainGet.get(uri("/b"), null, null));
    }
}
