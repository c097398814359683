package dev.berth.cli.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Where berth daemon listens besides its unix socket: {@code tcp://} only with TLS client
 * certificates (made here by openssl, as docker's documentation makes them), and {@code fd://},
 * the socket systemd passes, here through {@code systemd-socket-activate}.
 */
class DaemonListenTest extends ContainerTestBase {
    private static final Path DOCKER = DaemonTestBase.DOCKER_CLI;

    private Path certs;
    private Process daemon;
    private Path log;

    @BeforeEach
    void certificates() throws Exception {
        assumeTrue(Files.isExecutable(DOCKER), "the docker CLI is not installed at " + DOCKER);
        certs = Files.createTempDirectory("berth-tls");
        log = certs.resolve("daemon.log");
        openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca-key.pem", "-out", "ca.pem",
            "-days", "2", "-subj", "/CN=berth test CA");
        Files.writeString(certs.resolve("server.ext"), "subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\n");
        Files.writeString(certs.resolve("client.ext"), "extendedKeyUsage=clientAuth\n");
        // the server's key is RSA in PKCS#1 (openssl's "traditional" form), the client's EC
        openssl("genrsa", "-traditional", "-out", "key.pem", "2048");
        openssl("req", "-new", "-key", "key.pem", "-out", "server.csr", "-subj", "/CN=localhost");
        openssl("x509", "-req", "-in", "server.csr", "-CA", "ca.pem", "-CAkey", "ca-key.pem", "-CAcreateserial",
            "-out", "cert.pem", "-days", "2", "-extfile", "server.ext");
        openssl("req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-keyout",
            "client-key.pem", "-out", "client.csr", "-subj", "/CN=client");
        openssl("x509", "-req", "-in", "client.csr", "-CA", "ca.pem", "-CAkey", "ca-key.pem", "-CAcreateserial",
            "-out", "client-cert.pem", "-days", "2", "-extfile", "client.ext");
    }

    @AfterEach
    void stop() throws Exception {
        try {
            if (daemon != null && daemon.isAlive()) {
                daemon.destroy();
                assertTrue(daemon.waitFor(20, TimeUnit.SECONDS), "the daemon did not stop on SIGTERM");
                assertEquals(0, daemon.exitValue(), this::log);
            }
        } finally {
            if (daemon != null) {
                daemon.destroyForcibly();
            }
            try (var s = Files.walk(certs)) {
                for (Path p : s.sorted(java.util.Comparator.reverseOrder()).toList()) {
                    Files.delete(p);
                }
            }
        }
    }

    private void openssl(String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("openssl"));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).directory(certs.toFile()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertEquals(0, p.waitFor(), () -> String.join(" ", cmd) + ": " + out);
    }

    private String log() {
        try {
            return Files.readString(log);
        } catch (Exception e) {
            return "(no log)";
        }
    }


    private Process start(List<String> cmd) throws Exception {
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
            .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()));
        pb.environment().put("BERTH_CGROUP_PARENT", berth.cgroupParent());
        return pb.start();
    }

    private Berth.Result docker(String input, List<String> host, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(DOCKER.toString()));
        cmd.addAll(host);
        cmd.addAll(List.of(args));
        return DaemonTestBase.exec(cmd, input);
    }

    private void await(Path socket) throws Exception {
        for (int i = 0; i < 300 && !DaemonTestBase.live(socket); i++) {
            assertTrue(daemon.isAlive(), () -> "the daemon exited: " + log());
            Thread.sleep(20);
        }
    }

    @Test
    void tcpServesOnlyClientsWithACertificateOfTheCa() throws Exception {
        int port = NetTools.freePort();
        Path unix = berth.root().resolve("d.sock");
        daemon = start(berth.command("daemon", "-H", "unix://" + unix, "-H", "tcp://127.0.0.1:" + port, "--tlsverify",
            "--tlscacert", certs.resolve("ca.pem").toString(), "--tlscert", certs.resolve("cert.pem").toString(),
            "--tlskey", certs.resolve("key.pem").toString()));
        await(unix);
        List<String> tls = List.of("-H", "tcp://127.0.0.1:" + port, "--tlsverify",
            "--tlscacert", certs.resolve("ca.pem").toString(), "--tlscert", certs.resolve("client-cert.pem").toString(),
            "--tlskey", certs.resolve("client-key.pem").toString());
        Berth.Result r = docker(null, tls, "run", "--rm", "host", "sh", "-c", "echo over tls; exit 3");
        assertEquals(3, r.code(), () -> r.err() + log());
        assertEquals("over tls\n", r.out());
        // hijacked stdin over TLS, ended by the client's half-close
        Berth.Result in = docker("piped\n", tls, "run", "--rm", "-i", "host", "cat");
        assertEquals("piped\n", in.out(), () -> in.err() + log());
        // the same daemon on its unix socket sees what the TLS client did not leave behind
        assertEquals("", docker(null, List.of("-H", "unix://" + unix), "ps", "-aq").out());

        Berth.Result noCert = docker(null, List.of("-H", "tcp://127.0.0.1:" + port, "--tls",
            "--tlscacert", certs.resolve("ca.pem").toString()), "version");
        assertNotEquals(0, noCert.code());
        assertTrue(noCert.err().contains("certificate required"), noCert.err());
        Berth.Result plain = DaemonTestBase.exec(List.of("curl", "-sS", "-m", "10", "http://127.0.0.1:" + port + "/_ping"), null);
        assertNotEquals(0, plain.code());
        assertFalse(plain.out().contains("OK"), plain.out());
    }

    @Test
    void refusedSetupsSayWhyAndLeaveNothing() throws Exception {
        int port = NetTools.freePort();
        Berth.Result open = berth.run("daemon", "-H", "tcp://127.0.0.1:" + port);
        assertEquals(125, open.code());
        assertTrue(open.err().contains("without --tlsverify is refused"), open.err());
        Berth.Result mismatch = berth.run("daemon", "-H", "tcp://127.0.0.1:" + port, "--tlsverify",
            "--tlscacert", certs.resolve("ca.pem").toString(), "--tlscert", certs.resolve("cert.pem").toString(),
            "--tlskey", certs.resolve("client-key.pem").toString());
        assertEquals(125, mismatch.code());
        assertTrue(mismatch.err().contains("was not made from the key"), mismatch.err());
        Berth.Result notActivated = berth.run("daemon", "-H", "fd://");
        assertNotEquals(0, notActivated.code());
        assertTrue(notActivated.err().contains("needs a socket from systemd"), notActivated.err());
        // a failed second endpoint leaves no socket file of the first
        Path unix = berth.root().resolve("d.sock");
        Berth.Result partial = berth.run("daemon", "-H", "unix://" + unix, "-H", "fd://");
        assertNotEquals(0, partial.code());
        assertFalse(Files.exists(unix), "the unix socket of a daemon that did not start is left");
    }

    @Test
    void socketActivation() throws Exception {
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/systemd-socket-activate")), "systemd-socket-activate is missing");
        Path sock = berth.root().resolve("activated.sock");
        List<String> cmd = new ArrayList<>(List.of("/usr/bin/systemd-socket-activate", "-l", sock.toString(),
            // it passes the daemon no environment but what -E names: the test's cgroup, and the
            // suite's default network (without it, root's default, the bridge, on the host)
            "-E", "BERTH_CGROUP_PARENT=" + berth.cgroupParent(),
            "-E", "BERTH_DEFAULT_NETWORK=" + System.getenv().getOrDefault("BERTH_DEFAULT_NETWORK", "none")));
        cmd.addAll(berth.command("daemon", "-H", "fd://"));
        daemon = start(cmd);
        for (int i = 0; i < 250 && !Files.exists(sock); i++) {
            Thread.sleep(20);
        }
        // the first connection makes systemd-socket-activate exec berth, which takes the socket
        Berth.Result r = docker(null, List.of("-H", "unix://" + sock), "run", "--rm", "host", "echo", "activated");
        assertEquals(0, r.code(), () -> r.err() + log());
        assertEquals("activated\n", r.out());
        assertTrue(log().contains("listening on fd://"), log());
    }
}
