package dev.berth.cli.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * {@code berth daemon} driven by the real docker CLI (28.x, client only) and curl, on a socket
 * and state root of the test's own. No mock anywhere: what docker prints and exits with is the
 * oracle, and the daemonless CLI sees the same containers.
 */
class DaemonTest extends DaemonTestBase {
    @Test
    void versionPingAndErrors() throws Exception {
        String version = ok("version", "--format", "{{.Server.APIVersion}} {{.Server.Os}} {{.Client.APIVersion}}");
        assertTrue(version.startsWith("1.51 linux 1."), version);
        Berth.Result ping = curl("-i", "http://d/_ping");
        assertTrue(ping.out().startsWith("HTTP/1.1 200 OK"), ping.out());
        assertTrue(ping.out().contains("Api-Version: 1.51\r\n"), ping.out());
        assertTrue(ping.out().contains("Ostype: linux\r\n"), ping.out());
        assertTrue(ping.out().endsWith("\r\n\r\nOK"), ping.out());
        Berth.Result head = curl("-I", "http://d/v1.45/_ping");
        assertTrue(head.out().startsWith("HTTP/1.1 200 OK") && head.out().contains("Content-Length: 2"), head.out());
        // docker's error shape, with the status docker uses
        assertEquals("404 {\"message\":\"page not found\"}", status(curl("-w", "\n%{http_code}",
            "http://d/v1.50/nope")));
        assertTrue(status(curl("-w", "\n%{http_code}", "http://d/v1.40/version")).startsWith("400 {\"message\":\"client version 1.40 is too old"));
        assertTrue(status(curl("-w", "\n%{http_code}", "http://d/v1.50/containers/nosuch/json"))
            .startsWith("404 {\"message\":\"no such container: nosuch"));
        String create = "http://d/v1.50/containers/create";
        assertTrue(status(post(create, "{\"Image\": \"host\", ")).startsWith("400 {\"message\":\"invalid JSON"));
        assertTrue(status(post(create, "{\"Image\": \"host\", \"Cmd\": 5}"))
            .startsWith("400 {\"message\":\"json: cannot unmarshal number into field Cmd"));
        assertTrue(status(post(create, "{\"Image\": \"host\", \"Cmd\": [\"true\"], \"HostConfig\": {\"Memory\": \"1g\"}}"))
            .startsWith("400 {\"message\":\"json: cannot unmarshal string into field HostConfig.Memory"));
        Path big = Files.createTempFile("big", ".json");
        try {
            Files.writeString(big, "{\"Image\":\"host\",\"Env\":[\"" + "x".repeat(2 << 20) + "\"]}");
            assertTrue(status(curl("-w", "\n%{http_code}", "-H", "Content-Type: application/json", "--data-binary",
                "@" + big, create)).startsWith("413 "));
        } finally {
            Files.deleteIfExists(big);
        }
        // an unknown field is ignored, as docker's decoder does; a taken name is a 409
        assertTrue(status(post(create + "?name=one", "{\"Image\":\"host\",\"Cmd\":[\"true\"],\"Bogus\":1}")).startsWith("201 "));
        assertTrue(status(post(create + "?name=one", "{\"Image\":\"host\",\"Cmd\":[\"true\"]}")).startsWith("409 "));
        Berth.Result dup = docker(null, "create", "--name", "one", "host", "true");
        assertNotEquals(0, dup.code());
        assertTrue(dup.err().contains("is already in use"), dup.err());
        ok("rm", "one");
        assertEquals("", ok("ps", "-a", "-q"));
    }

    /** {@code CODE BODY} from curl -w '\n%{http_code}'. */
    private static String status(Berth.Result r) {
        String out = r.out().strip();
        int nl = out.lastIndexOf('\n');
        return out.substring(nl + 1) + " " + (nl < 0 ? "" : out.substring(0, nl).strip());
    }

    private Berth.Result post(String url, String json) throws Exception {
        return curl("-w", "\n%{http_code}", "-H", "Content-Type: application/json", "--data-binary", json, url);
    }

    @Test
    void runInTheForeground() throws Exception {
        Berth.Result hi = docker(null, "run", "--rm", "host", "echo", "hi");
        assertEquals(0, hi.code(), hi.err());
        assertEquals("hi\n", hi.out());
        Berth.Result three = docker(null, "run", "--rm", "host", "sh", "-c", "echo out; echo err >&2; exit 3");
        assertEquals(3, three.code());
        assertEquals("out\n", three.out());
        assertEquals("err\n", three.err());
        Berth.Result piped = docker("line one\nline two\n", "run", "--rm", "-i", "host", "sh", "-c", "cat; echo done");
        assertEquals(0, piped.code(), piped.err());
        assertEquals("line one\nline two\ndone\n", piped.out());
        Berth.Result missing = docker(null, "run", "--rm", "host", "no-such-command");
        assertEquals(127, missing.code(), missing.err());
        assertTrue(missing.err().contains("executable file not found"), missing.err());
        assertEquals("", ok("ps", "-a", "-q"), "--rm containers are gone");
    }

    @Test
    void terminal() throws Exception {
        // script(1) gives docker a pseudo-terminal, so -t is honoured end to end
        String cmd = DOCKER_CLI + " -H unix://" + socket + " run --rm -t host sh -c 'tty; printf \"%s\\n\" \"$TERM\"; exit 5'";
        Berth.Result r = exec(List.of("script", "-qec", cmd, "/dev/null"), null);
        assertEquals(5, r.code(), r.out() + r.err());
        assertTrue(r.out().contains("/dev/pts/0"), r.out());
        assertTrue(r.out().contains("xterm"), r.out());
    }

    @Test
    void detachedLifecycle() throws Exception {
        String id = ok("run", "-d", "--name", "web", "-l", "app=demo", "host", "sh", "-c",
            "echo started; echo warn >&2; exec sleep 600").strip();
        assertEquals(64, id.length(), id);
        assertEquals("web\n", ok("ps", "--filter", "label=app=demo", "--format", "{{.Names}}"));
        assertEquals("", ok("ps", "--filter", "label=app=other", "-q"));
        assertEquals("web\n", ok("ps", "--filter", "status=running", "--format", "{{.Names}}"));
        String pid = ok("inspect", "-f", "{{.State.Status}} {{.State.Pid}} {{index .Config.Labels \"app\"}}", "web").strip();
        assertTrue(pid.startsWith("running ") && pid.endsWith(" demo"), pid);
        assertTrue(Files.exists(Path.of("/proc/" + pid.split(" ")[1])), "the container's process is on the host");
        for (int i = 0; i < 50 && !ok("logs", "web").contains("started"); i++) {
            Thread.sleep(50);
        }
        Berth.Result logs = docker(null, "logs", "web");
        assertEquals("started\n", logs.out());
        assertEquals("warn\n", logs.err());
        Berth.Result exec = docker(null, "exec", "web", "sh", "-c", "echo in $(hostname); exit 4");
        assertEquals(4, exec.code(), exec.err());
        assertEquals("in " + id.substring(0, 12) + "\n", exec.out());
        assertEquals("piped\n", docker("piped\n", "exec", "-i", "web", "cat").out());
        String top = ok("top", "web");
        assertTrue(top.contains("sleep 600"), top);
        ok("stop", "-t", "1", "web");
        assertEquals("exited 137\n", ok("inspect", "-f", "{{.State.Status}} {{.State.ExitCode}}", "web"));
        ok("start", "web");
        assertEquals("running\n", ok("inspect", "-f", "{{.State.Status}}", "web"));
        ok("restart", "-t", "1", "web");
        assertEquals("running\n", ok("inspect", "-f", "{{.State.Status}}", "web"));
        Berth.Result running = docker(null, "rm", "web");
        assertNotEquals(0, running.code());
        ok("rm", "-f", "web");
        assertEquals("", ok("ps", "-a", "-q"));
    }

    @Test
    void waitAndKillWithASignal() throws Exception {
        String id = ok("run", "-d", "host", "sh", "-c", "trap 'exit 42' USR1; while :; do sleep 0.1; done").strip();
        Thread.sleep(300); // the trap is set
        ok("kill", "-s", "USR1", id);
        assertEquals("42\n", ok("wait", id));
        Berth.Result again = docker(null, "kill", id);
        assertNotEquals(0, again.code(), "killing a stopped container fails");
        ok("rm", id);
    }

    @Test
    void aSecondDaemonIsRefused() throws Exception {
        Path other = berth.root().resolve("other.sock");
        Process second = startDaemon(other, berth.root());
        assertTrue(second.waitFor(30, TimeUnit.SECONDS));
        assertNotEquals(0, second.exitValue());
        assertTrue(log().contains("another berth daemon (pid " + daemon.pid() + ") serves " + berth.root()), log());
        assertFalse(Files.exists(other));
        // the same socket with another root: refused too, and the first daemon still answers
        Path root2 = Files.createTempDirectory("berth-r2");
        try {
            Process third = startDaemon(socket, root2);
            assertTrue(third.waitFor(30, TimeUnit.SECONDS));
            assertNotEquals(0, third.exitValue());
            assertTrue(log().contains("the socket " + socket + " is in use by a running daemon"), log());
        } finally {
            Files.deleteIfExists(root2.resolve("daemon.lock"));
            try (var s = Files.walk(root2)) {
                for (Path p : s.sorted(java.util.Comparator.reverseOrder()).toList()) {
                    Files.deleteIfExists(p);
                }
            }
        }
        ok("version");
    }

    @Test
    void stateIsSharedWithTheCli() throws Exception {
        berth.ok("run", "-d", "--name", "fromcli", "host", "sleep", "600");
        ok("run", "-d", "--name", "fromapi", "host", "sleep", "600");
        assertEquals("fromapi\nfromcli\n", ok("ps", "--format", "{{.Names}}"));
        assertEquals("fromapi\nfromcli\n", berth.ok("ps", "--format", "{{.Names}}"));
        assertEquals("running\n", ok("inspect", "-f", "{{.State.Status}}", "fromcli"));
        berth.ok("stop", "-t", "1", "fromapi");
        assertEquals("exited\n", ok("inspect", "-f", "{{.State.Status}}", "fromapi"));
        ok("rm", "-f", "fromcli");
        assertEquals("fromapi\n", berth.ok("ps", "-a", "--format", "{{.Names}}"));
        berth.ok("rm", "fromapi");
        assertEquals("", ok("ps", "-a", "-q"));
    }

    @Test
    void aClientThatGoesAwayMidStreamLeavesTheDaemonHealthy() throws Exception {
        ok("ps");
        Thread.sleep(300); // the probe of awaitSocket and ps's connection are closed
        long idle = openConnections();
        String id = ok("run", "-d", "host", "sh", "-c", "while :; do echo tick; sleep 0.05; done").strip();
        // docker logs -f, killed while it streams
        Process follow = new ProcessBuilder(DOCKER_CLI.toString(), "-H", "unix://" + socket, "logs", "-f", id)
            .redirectErrorStream(true).start();
        InputStream in = follow.getInputStream();
        assertTrue(new String(in.readNBytes(20), StandardCharsets.UTF_8).contains("tick"));
        follow.destroyForcibly();
        follow.waitFor();
        // an attach and a wait on raw connections, closed without a word
        for (String path : List.of("/containers/" + id + "/attach?stream=1&stdout=1&stderr=1",
            "/containers/" + id + "/wait")) {
            try (SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX)) {
                ch.connect(UnixDomainSocketAddress.of(socket));
                ch.write(ByteBuffer.wrap(("POST /v1.50" + path + " HTTP/1.1\r\nHost: d\r\nConnection: Upgrade\r\n"
                    + "Upgrade: tcp\r\n\r\n").getBytes(StandardCharsets.US_ASCII)));
                ch.read(ByteBuffer.allocate(64));
            }
        }
        // and a request cut off inside its head
        try (SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            ch.connect(UnixDomainSocketAddress.of(socket));
            ch.write(ByteBuffer.wrap("POST /v1.50/containers/create HTTP/1.1\r\nContent-Le".getBytes()));
        }
        Thread.sleep(300);
        assertTrue(daemon.isAlive());
        assertEquals(id + "\n", ok("ps", "-q", "--no-trunc"));
        assertEquals("hi\n", ok("run", "--rm", "host", "echo", "hi"));
        ok("rm", "-f", id);
        // the streams of the dead clients ended with the container
        for (int i = 0; i < 100 && openConnections() > idle; i++) {
            Thread.sleep(50);
        }
        long open = openConnections();
        assertTrue(open <= idle, () -> open - idle + " connections of clients that went away are still open");
    }

    /**
     * The unix sockets the daemon's process holds, seen from /proc: the listener, the JVM's
     * own, and a connection per client still being served.
     */
    private long openConnections() throws IOException {
        long sockets = 0;
        // the launcher execs the JVM in its own place: the daemon's pid is the JVM's
        try (var fds = Files.list(Path.of("/proc/" + daemon.pid() + "/fd"))) {
            for (Path fd : fds.toList()) {
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

    @Test
    void sigtermLeavesContainersRunning() throws Exception {
        ok("run", "-d", "--name", "survivor", "host", "sleep", "600");
        daemon.destroy();
        assertTrue(daemon.waitFor(20, TimeUnit.SECONDS));
        assertEquals(0, daemon.exitValue(), this::log);
        assertFalse(Files.exists(socket), "the socket is removed at shutdown");
        assertEquals("survivor\n", berth.ok("ps", "--format", "{{.Names}}"));
        // a new daemon on the same root takes over where the last left off
        daemon = startDaemon(socket, berth.root());
        awaitSocket(daemon, socket);
        assertEquals("survivor\n", ok("ps", "--format", "{{.Names}}"));
        ok("rm", "-f", "survivor");
    }
}
