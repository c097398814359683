package dev.berth.cli.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.io.OutputStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;

/**
 * A test of {@code berth daemon} driven by the real docker CLI (28.x, client only) and curl, on
 * a socket and state root of the test's own: the daemon starts before each test and every
 * container is removed through it afterwards.
 */
abstract class DaemonTestBase extends ContainerTestBase {
    static final Path DOCKER_CLI = Path.of("/usr/local/bin/docker");


    protected Process daemon;
    protected Path socket;
    protected Path daemonLog;

    @BeforeEach
    void startDaemon() throws Exception {
        assumeTrue(Files.isExecutable(DOCKER_CLI), "the docker CLI is not installed at " + DOCKER_CLI);
        socket = berth.root().resolve("api.sock");
        daemonLog = Files.createTempFile("berth-daemon", ".log");
        daemon = startDaemon(socket, berth.root());
        awaitSocket(daemon, socket);
    }

    protected Process startDaemon(Path sock, Path root) throws IOException {
        List<String> cmd = new ArrayList<>(berth.command("daemon", "-H", "unix://" + sock));
        cmd.set(cmd.indexOf("--root") + 1, root.toString());
        cmd.addAll(daemonArgs());
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(Path.of("/").toFile())
            .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()))
            .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(daemonLog.toFile()));
        pb.environment().put("BERTH_CGROUP_PARENT", berth.cgroupParent());
        pb.environment().put("BERTH_DEBUG", "1");
        berth.applyEnv(pb.environment());
        return pb.start();
    }

    /** More flags for {@code berth daemon}, for a test that needs them. */
    protected List<String> daemonArgs() {
        return List.of();
    }

    protected void awaitSocket(Process p, Path sock) throws Exception {
        for (int i = 0; i < 300 && !live(sock); i++) {
            assertTrue(p.isAlive(), () -> "the daemon exited: " + log());
            Thread.sleep(20);
        }
        assertTrue(live(sock), () -> "the daemon did not listen within 6 s: " + log());
    }

    protected static boolean live(Path sock) {
        try (SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            ch.connect(UnixDomainSocketAddress.of(sock));
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    protected String log() {
        try {
            return Files.readString(daemonLog);
        } catch (IOException e) {
            return "(no log)";
        }
    }

    @AfterEach
    void stopDaemon() throws Exception {
        if (daemon == null) {
            return;
        }
        try {
            // every container goes through the daemon first, as a docker user would remove them
            Berth.Result ids = docker(null, "ps", "-a", "-q", "--no-trunc");
            for (String id : ids.out().split("\n")) {
                if (!id.isBlank()) {
                    docker(null, "rm", "-f", id.strip());
                }
            }
            daemon.destroy(); // SIGTERM
            assertTrue(daemon.waitFor(20, TimeUnit.SECONDS), "the daemon did not stop on SIGTERM");
            assertEquals(0, daemon.exitValue(), this::log);
            assertFalse(Files.exists(socket), "the socket is left behind");
        } finally {
            daemon.destroyForcibly();
            Files.deleteIfExists(daemonLog);
        }
    }

    protected Berth.Result docker(String input, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(DOCKER_CLI.toString(), "-H", "unix://" + socket));
        cmd.addAll(List.of(args));
        return exec(cmd, input);
    }

    protected static Berth.Result exec(List<String> cmd, String input) throws Exception {
        Path out = Files.createTempFile("docker-out", ".txt");
        Path err = Files.createTempFile("docker-err", ".txt");
        try {
            ProcessBuilder pb = new ProcessBuilder(cmd).redirectOutput(out.toFile()).redirectError(err.toFile());
            if (input == null) {
                pb.redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()));
            }
            Process p = pb.start();
            if (input != null) {
                try (OutputStream o = p.getOutputStream()) {
                    o.write(input.getBytes(StandardCharsets.UTF_8));
                }
            }
            if (!p.waitFor(60, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new AssertionError(String.join(" ", cmd) + " did not finish in 60 s");
            }
            return new Berth.Result(p.exitValue(), Files.readString(out), Files.readString(err));
        } finally {
            Files.deleteIfExists(out);
            Files.deleteIfExists(err);
        }
    }

    protected String ok(String... args) throws Exception {
        Berth.Result r = docker(null, args);
        assertEquals(0, r.code(), () -> "docker " + String.join(" ", args) + " failed: " + r.err() + "\n" + log());
        return r.out();
    }

    protected Berth.Result curl(String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("curl", "-sS", "--unix-socket", socket.toString()));
        cmd.addAll(List.of(args));
        return exec(cmd, null);
    }

}
