package dev.berth.cli.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Slow, broken and greedy clients of {@code berth daemon} (here with {@code --header-timeout 1s}):
 * what they hold is checked from outside, in the daemon's /proc fd table and in its BERTH_DEBUG
 * log, which prints a line when each handler returns.
 */
class DaemonClientsTest extends DaemonTestBase {
    @Override
    protected List<String> daemonArgs() {
        return List.of("--header-timeout", "1s");
    }

    @Test
    @Timeout(60) // without the header timeout, the reads of the slow clients would never end
    void aClientThatNeverFinishesItsHeadIsDisconnected() throws Exception {
        long idle = idleConnections();
        try (SocketChannel silent = connect(); SocketChannel partial = connect(); SocketChannel kept = connect()) {
            write(partial, "GET /v1.51/_ping HTTP/1.1\r\nHost: d\r\nX-Slow: "); // and nothing more
            write(kept, "GET /v1.51/_ping HTTP/1.1\r\nHost: d\r\n\r\n");
            assertTrue(readSome(kept).endsWith("\r\n\r\nOK"));
            assertEquals(idle + 3, openConnections(), "three clients are connected");
            long start = System.nanoTime();
            assertEquals("", readAll(silent), "a silent client is cut off without an answer");
            assertEquals("", readAll(partial), "as is one whose head never ends");
            long ms = (System.nanoTime() - start) / 1_000_000;
            assertTrue(ms >= 500 && ms < 10_000, ms + " ms for a timeout of 1 s");
            // a kept-alive connection idle between requests is not timed (dockerd's rule)
            Thread.sleep(1500);
            write(kept, "GET /v1.51/_ping HTTP/1.1\r\nHost: d\r\n\r\n");
            assertTrue(readSome(kept).endsWith("\r\n\r\nOK"), "the kept-alive client is still served");
            write(kept, "GET /v1.51/_ping HTTP/1.1\r\n"); // its next head stops half-way: cut off too
            assertEquals("", readAll(kept));
        }
        awaitConnections(idle);
        assertEquals("OK", curl("http://d/_ping").out(), "the daemon serves on");
    }

    @Test
    @Timeout(120)
    void clientsThatGoAwayMidStreamFreeTheirConnectionsWhileTheContainerRuns() throws Exception {
        long idle = idleConnections();
        String id = ok("run", "-d", "host", "sh", "-c", "while :; do echo tick; sleep 0.2; done").strip();
        List<String> streams = List.of(
            "GET /v1.51/containers/" + id + "/logs?follow=1&stdout=1",
            "GET /v1.51/events?since=0",
            "GET /v1.51/containers/" + id + "/stats",
            "POST /v1.51/containers/" + id + "/attach?stream=1&stdout=1&stderr=1");
        for (String line : streams) {
            try (SocketChannel ch = connect()) {
                write(ch, line + " HTTP/1.1\r\nHost: d\r\nConnection: Upgrade\r\nUpgrade: tcp\r\nContent-Length: 0\r\n\r\n");
                String first = readSome(ch);
                assertTrue(first.startsWith("HTTP/1.1 200 ") || first.startsWith("HTTP/1.1 101 "), line + ": " + first);
            } // and gone, mid-stream
        }
        awaitConnections(idle);
        for (String line : streams) { // each handler returned: its thread and what it held are gone
            String target = line.substring(line.indexOf(' ') + 1);
            String path = target.contains("?") ? target.substring(0, target.indexOf('?')) : target;
            String method = line.substring(0, line.indexOf(' '));
            assertTrue(log().contains(" < " + method + " " + path + " "), () -> line + " still runs:\n" + log());
        }
        assertEquals("true", ok("inspect", "-f", "{{.State.Running}}", id).strip(), "the container went on");
    }

    @Test
    void hugeHeadsAndBodiesGetDockersStatus() throws Exception {
        String create = "POST /v1.51/containers/create HTTP/1.1\r\nHost: d\r\nContent-Type: application/json\r\n";
        // Go's limit, which dockerd keeps: a head of 1 MiB; 431 beyond it, and for too many fields
        assertTrue(exchange("GET /v1.51/_ping HTTP/1.1\r\nX-Big: " + "a".repeat((1 << 20) + 100) + "\r\n\r\n")
            .startsWith("HTTP/1.1 431 "));
        assertTrue(exchange("GET /v1.51/_ping HTTP/1.1\r\n" + "X-Many: 1\r\n".repeat(200) + "\r\n")
            .startsWith("HTTP/1.1 431 "));
        String big = exchange("GET /v1.51/_ping HTTP/1.1\r\nX-Registry-Auth: " + "a".repeat(300_000)
            + "\r\nConnection: close\r\n\r\n");
        assertTrue(big.startsWith("HTTP/1.1 200 ") && big.endsWith("OK"), "a long header below the limit is fine");
        // a create body over 1 MiB, with a length or chunked: 413; a broken chunked body: 400
        String json = "{\"Image\":\"host\",\"Env\":[\"" + "x".repeat(2 << 20) + "\"]}";
        assertTrue(exchange(create + "Content-Length: " + json.length() + "\r\n\r\n" + json).startsWith("HTTP/1.1 413 "));
        String chunked = Integer.toHexString(json.length()) + "\r\n" + json + "\r\n0\r\n\r\n";
        String answer = exchange(create + "Transfer-Encoding: chunked\r\n\r\n" + chunked);
        assertTrue(answer.startsWith("HTTP/1.1 413 ") && answer.contains("{\"message\":"), answer);
        answer = exchange(create + "Transfer-Encoding: chunked\r\n\r\nnot-hex\r\n{}\r\n0\r\n\r\n");
        assertTrue(answer.startsWith("HTTP/1.1 400 ") && answer.contains("malformed chunk size"), answer);
        assertEquals("", ok("ps", "-a", "-q"), "nothing was created");
        assertEquals("OK", curl("http://d/_ping").out());
    }

    // ---- helpers ----

    private SocketChannel connect() throws IOException {
        SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX);
        ch.connect(UnixDomainSocketAddress.of(socket));
        return ch;
    }

    /** Sends a request (the server may cut a huge one off) and returns the answer up to the close. */
    private String exchange(String request) throws IOException {
        try (SocketChannel ch = connect()) {
            try {
                write(ch, request);
            } catch (IOException e) {
                // answered and closed before all was sent: the answer is still there to read
            }
            return readAll(ch);
        }
    }

    private static void write(SocketChannel ch, String s) throws IOException {
        ByteBuffer b = ByteBuffer.wrap(s.getBytes(StandardCharsets.ISO_8859_1));
        while (b.hasRemaining()) {
            ch.write(b);
        }
    }

    /** The head of an answer, and its body when it has a Content-Length; for a stream, what came with the head. */
    private static String readSome(SocketChannel ch) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(65536);
        StringBuilder sb = new StringBuilder();
        for (;;) {
            String s = sb.toString();
            int end = s.indexOf("\r\n\r\n");
            if (end > 0) {
                int cl = s.toLowerCase().indexOf("content-length: ");
                if (cl < 0 || cl > end) {
                    return s;
                }
                int len = Integer.parseInt(s.substring(cl + 16, s.indexOf("\r\n", cl)).strip());
                if (s.length() >= end + 4 + len) {
                    return s;
                }
            }
            if (ch.read(b) < 0) {
                return s;
            }
            sb.append(new String(b.array(), 0, b.position(), StandardCharsets.ISO_8859_1));
            b.clear();
        }
    }

    private static String readAll(SocketChannel ch) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteBuffer b = ByteBuffer.allocate(65536);
        try {
            while (ch.read(b) >= 0) {
                out.write(b.array(), 0, b.position());
                b.clear();
            }
        } catch (IOException e) {
            // reset by the daemon after its answer
        }
        return out.toString(StandardCharsets.ISO_8859_1);
    }

    /** The daemon's sockets once the start-up probes are gone. */
    private long idleConnections() throws Exception {
        ok("ps");
        Thread.sleep(300);
        return openConnections();
    }

    private void awaitConnections(long idle) throws Exception {
        for (int i = 0; i < 200 && openConnections() > idle; i++) {
            Thread.sleep(50);
        }
        long open = openConnections();
        assertTrue(open <= idle, () -> open - idle + " connections of clients that went away are still open\n" + log());
    }

    /** The unix sockets the daemon's process holds (the JVM's pid is the daemon's: the launcher execs it). */
    private long openConnections() throws IOException {
        long sockets = 0;
        try (var fds = Files.list(Path.of("/proc/" + daemon.pid() + "/fd"))) {
            for (Path fd : new ArrayList<>(fds.toList())) {
                try {
                    if (Files.readSymbolicLink(fd).toString().startsWith("socket:")) {
                        sockets++;
                    }
                } catch (IOException e) {
                    // closed meanwhile
                }
            }
        }
        return sockets;
    }
}
