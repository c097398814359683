package dev.berth.cli.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Attach with {@code logs=1} and {@code stream=0}, the detach keys, the container events dockerd
 * logs for attach, detach, resize, update and rename, and docker ps's IMAGE column: the docker
 * CLI, and raw connections where the CLI cannot ask.
 */
class DaemonAttachEventsTest extends DaemonTestBase {
    @Test
    void attachReplaysTheLogBeforeTheLiveStream() throws Exception {
        ok("run", "-d", "--name", "l", "host", "sh", "-c", "echo one; echo two >&2; sleep 300");
        for (int i = 0; i < 100 && !docker(null, "logs", "l").err().contains("two"); i++) {
            Thread.sleep(50);
        }
        // logs=1&stream=0: the log, demultiplexed by stream, then the end though the container runs
        assertEquals("1:one\n|2:two\n|", frames(body(request("POST", "/containers/l/attach?logs=1&stream=0&stdout=1&stderr=1"))));
        assertEquals("2:two\n|", frames(body(request("POST", "/containers/l/attach?logs=1&stream=0&stderr=1"))));
        assertEquals("", frames(body(request("POST", "/containers/l/attach?stream=0&stdout=1"))), "nothing asked: nothing");
        // logs=1&stream=1: the log up to the monitor's mark, by stream as well
        try (SocketChannel ch = open("POST", "/containers/l/attach?logs=1&stream=1&stdout=1&stderr=1")) {
            assertEquals("1:one\n|2:two\n|", frames(body(readFor(ch, 1000))));
        }
        assertEquals("true", ok("inspect", "-f", "{{.State.Running}}", "l").strip());

        // logs=1&stream=1: the log first, then what the container prints from then on
        ok("run", "-d", "-i", "--name", "li", "host", "sh", "-c", "echo first; read x; echo got $x; sleep 300");
        for (int i = 0; i < 100 && !ok("logs", "li").contains("first"); i++) {
            Thread.sleep(50);
        }
        try (SocketChannel ch = open("POST", "/containers/li/attach?logs=1&stream=1&stdin=1&stdout=1")) {
            String seen = readUntil(ch, "first\n");
            assertTrue(seen.startsWith("HTTP/1.1 101 UPGRADED\r\n"), seen);
            write(ch, "hi\n");
            assertTrue(readUntil(ch, "got hi\n").endsWith("got hi\n"));
        }
    }

    /**
     * logs=1&stream=1 on a container that prints all the time: the log up to where the client
     * joined the live output, then the output from there, with no line missed or repeated
     * between the two. Replaying the log and then joining (as dockerd does) loses what was
     * printed during the replay: a gap in the numbers. A container this daemon started and one
     * the CLI started (the daemon adopts its monitor's output).
     */
    @Test
    void attachWithTheLogMissesNothingOfAFastPrinter() throws Exception {
        // about 10,000 lines a second, in bursts of 100: the log stays small enough to copy in a
        // moment, and lines come all the while it is copied
        String loop = "i=0; while :; do i=$((i+1)); echo $i; [ $((i % 100)) = 0 ] && sleep 0.01; done";
        ok("run", "-d", "--name", "fast", "host", "sh", "-c", loop);
        berth.ok("run", "-d", "--name", "fastcli", "host", "sh", "-c", loop);
        for (String name : List.of("fast", "fastcli")) {
            for (int round = 0; round < 3; round++) {
                int before = Integer.parseInt(ok("logs", "--tail", "1", name).strip().isEmpty() ? "0"
                    : ok("logs", "--tail", "1", name).strip());
                byte[] got;
                try (SocketChannel ch = open("POST", "/containers/" + name + "/attach?logs=1&stream=1&stdout=1")) {
                    got = readFor(ch, 1500);
                }
                String text = payloads(body(got));
                List<String> lines = List.of(text.substring(0, text.lastIndexOf('\n')).split("\n"));
                assertTrue(lines.size() > before + 1000, name + ": " + lines.size() + " lines, " + before
                    + " in the log before: the live output did not come");
                for (int k = 0; k < lines.size(); k++) {
                    if (!lines.get(k).equals(String.valueOf(k + 1))) {
                        fail(name + ", round " + round + ": line " + (k + 1) + " of " + lines.size() + " is "
                            + lines.get(k) + ", after " + (k > 0 ? lines.get(k - 1) : "nothing"));
                    }
                }
            }
        }
        ok("rm", "-f", "fast", "fastcli");
    }

    @Test
    void detachKeysAndTheEventsDockerdLogs() throws Exception {
        long since = System.currentTimeMillis() / 1000;
        String id = ok("run", "-d", "-i", "-t", "--name", "t", "host", "sh").strip();
        try (SocketChannel ch = open("POST", "/containers/t/attach?stream=1&stdin=1&stdout=1&stderr=1")) {
            readUntil(ch, "\r\n\r\n");
            write(ch, "echo mark$((40+2))\n");
            readUntil(ch, "mark42");
            write(ch, "\u0010\u0011"); // docker's default detach keys, ctrl-p ctrl-q
            ByteBuffer b = ByteBuffer.allocate(4096);
            long end = System.currentTimeMillis() + 10_000;
            int n = 0;
            while (n >= 0 && System.currentTimeMillis() < end) {
                n = ch.read(b);
                b.clear();
            }
            assertEquals(-1, n, "the stream ends at the detach keys");
        }
        assertEquals("true", ok("inspect", "-f", "{{.State.Running}}", "t").strip(), "the container runs on");
        Berth.Result badKeys = curl("-s", "-o", "/dev/null", "-w", "%{http_code}", "-X", "POST",
            "http://d/v1.51/containers/t/attach?stream=1&detachKeys=ctrl-%3F");
        assertEquals("400", badKeys.out());
        assertEquals("200", curl("-s", "-o", "/dev/null", "-w", "%{http_code}", "-X", "POST",
            "http://d/v1.51/containers/t/resize?h=30&w=100").out());
        ok("update", "--cpu-shares", "512", "t");
        ok("rename", "t", "t2");
        String until = String.valueOf(System.currentTimeMillis() / 1000 + 1);
        List<String> actions = TestImage.lines(ok("events", "--since", String.valueOf(since), "--until", until,
            "--filter", "container=" + id, "--format", "{{.Action}}"));
        assertEquals(List.of("create", "start", "attach", "detach", "resize", "update", "rename"), actions);
        assertEquals("t2 t\n", ok("events", "--since", String.valueOf(since), "--until", until, "--filter", "event=rename",
            "--format", "{{.Actor.Attributes.name}} {{.Actor.Attributes.oldName}}"));
        assertEquals("30 100 t\n", ok("events", "--since", String.valueOf(since), "--until", until, "--filter",
            "event=resize", "--format", "{{.Actor.Attributes.height}} {{.Actor.Attributes.width}} {{.Actor.Attributes.name}}"));
        // the CLI's own plain output, as with dockerd
        String plain = ok("events", "--since", String.valueOf(since), "--until", until, "--filter", "event=rename");
        assertTrue(plain.contains(" container rename " + id + " (") && plain.contains("oldName=t"), plain);
    }

    @Test
    void psShowsTheImageAsTheUserNamedIt() throws Exception {
        TestImage.load(berth.root());
        ok("run", "-d", "--name", "byname", "--entrypoint", "sleep", "busybox", "300");
        String imageId = ok("inspect", "-f", "{{.Image}}", "byname").strip();
        assertTrue(imageId.startsWith("sha256:"), imageId);
        String shortId = imageId.substring(7, 19);
        ok("run", "-d", "--name", "byid", "--entrypoint", "sleep", shortId, "300");
        assertEquals(List.of("byid " + shortId, "byname busybox"), sorted(ok("ps", "--format", "{{.Names}} {{.Image}}")));
        assertEquals("byname\n", ok("ps", "--filter", "ancestor=busybox", "--filter", "name=byname", "--format", "{{.Names}}"));
        // the tag moves to another image: the containers of the old one show its id, as dockerd's
        ok("commit", "byname", "busybox:latest");
        // (the CLI shortens an image id as it shortens container ids)
        assertEquals(List.of("byid " + shortId, "byname " + shortId), sorted(ok("ps", "--format", "{{.Names}} {{.Image}}")));
        assertEquals(List.of("byid " + shortId, "byname " + imageId), sorted(ok("ps", "--no-trunc", "--format",
            "{{.Names}} {{.Image}}")));
        String json = curl("http://d/v1.51/containers/json").out();
        assertTrue(json.contains("\"ImageID\":\"" + imageId + "\""), json);
    }

    // ---- helpers ----

    private static List<String> sorted(String lines) {
        return TestImage.lines(lines).stream().sorted().toList();
    }

    /** A request on a connection of its own, asking to upgrade as the docker CLI does; the connection. */
    private SocketChannel open(String method, String path) throws IOException {
        SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX);
        ch.connect(UnixDomainSocketAddress.of(socket));
        write(ch, method + " /v1.51" + path + " HTTP/1.1\r\nHost: d\r\nConnection: Upgrade\r\nUpgrade: tcp\r\n"
            + "Content-Length: 0\r\n\r\n");
        return ch;
    }

    /** The whole answer, until the daemon closes the connection. */
    private byte[] request(String method, String path) throws IOException {
        try (SocketChannel ch = open(method, path)) {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            ByteBuffer b = ByteBuffer.allocate(4096);
            while (ch.read(b) >= 0) {
                out.write(b.array(), 0, b.position());
                b.clear();
            }
            return out.toByteArray();
        }
    }

    private static void write(SocketChannel ch, String s) throws IOException {
        ByteBuffer b = ByteBuffer.wrap(s.getBytes(StandardCharsets.ISO_8859_1));
        while (b.hasRemaining()) {
            ch.write(b);
        }
    }

    /** Reads until {@code marker} was seen (10 s at most); what was read. */
    private static String readUntil(SocketChannel ch, String marker) throws IOException {
        StringBuilder sb = new StringBuilder();
        ByteBuffer b = ByteBuffer.allocate(4096);
        long end = System.currentTimeMillis() + 10_000;
        while (!sb.toString().contains(marker)) {
            if (System.currentTimeMillis() > end || ch.read(b) < 0) {
                throw new AssertionError("no " + marker + " in " + sb);
            }
            sb.append(new String(b.array(), 0, b.position(), StandardCharsets.ISO_8859_1));
            b.clear();
        }
        return sb.toString();
    }

    /** What follows the response head. */
    private static byte[] body(byte[] response) {
        String s = new String(response, StandardCharsets.ISO_8859_1);
        int at = s.indexOf("\r\n\r\n");
        assertTrue(at > 0 && s.startsWith("HTTP/1.1 101 "), s);
        return java.util.Arrays.copyOfRange(response, at + 4, response.length);
    }

    /** What comes on the connection within {@code millis}. */
    private static byte[] readFor(SocketChannel ch, long millis) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ch.configureBlocking(false);
        ByteBuffer b = ByteBuffer.allocate(1 << 16);
        long end = System.currentTimeMillis() + millis;
        while (System.currentTimeMillis() < end) {
            int n = ch.read(b);
            if (n < 0) {
                break;
            }
            if (n == 0) {
                try {
                    Thread.sleep(5);
                } catch (InterruptedException e) {
                    throw new IOException(e);
                }
            }
            out.write(b.array(), 0, b.position());
            b.clear();
        }
        return out.toByteArray();
    }

    /** The payloads of docker's multiplexed frames, joined; a frame cut off at the end is left out. */
    private static String payloads(byte[] b) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i + 8 <= b.length; ) {
            int len = ByteBuffer.wrap(b, i + 4, 4).getInt();
            if (i + 8 + len > b.length) {
                break;
            }
            sb.append(new String(b, i + 8, len, StandardCharsets.UTF_8));
            i += 8 + len;
        }
        return sb.toString();
    }

    /** docker's multiplexed frames as {@code STREAM:PAYLOAD|...}. */
    private static String frames(byte[] b) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i + 8 <= b.length; ) {
            int len = ByteBuffer.wrap(b, i + 4, 4).getInt();
            sb.append(b[i]).append(':').append(new String(b, i + 8, len, StandardCharsets.UTF_8)).append('|');
            i += 8 + len;
        }
        return sb.toString();
    }
}
