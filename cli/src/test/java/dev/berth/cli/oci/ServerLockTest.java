package dev.berth.cli.oci;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The runtime server's socket directory keeps no file of a server that left: its own lock and
 * socket go with it, and a starting server removes those of other builds' servers that were
 * killed. The lock files are removed without a race: a server that waited for a lock whose
 * holder removed it does not keep the lock of a file without a name. The lock is an fcntl lock,
 * so Python's {@code fcntl.lockf} (fcntl too) holds and probes it from outside this JVM.
 */
class ServerLockTest {
    private static final String PYTHON = "/usr/bin/python3";
    /** Locks ARGV[1] (made if missing), says "held", waits for a line, unlinks it and exits. */
    private static final String HOLDER = "import fcntl, os, sys\n"
        + "fd = os.open(sys.argv[1], os.O_WRONLY | os.O_CREAT, 0o600)\n"
        + "fcntl.lockf(fd, fcntl.LOCK_EX)\n"
        + "print('held', flush=True)\n"
        + "sys.stdin.readline()\n"
        + "os.unlink(sys.argv[1])\n";
    /** Exits 0 when it could lock ARGV[1] (made if missing) at once, 1 when another holds it. */
    private static final String PROBE = "import fcntl, os, sys\n"
        + "fd = os.open(sys.argv[1], os.O_WRONLY | os.O_CREAT, 0o600)\n"
        + "try:\n    fcntl.lockf(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)\nexcept OSError:\n    sys.exit(1)\n";

    private Path dir;
    private final List<Process> started = new ArrayList<>();

    @BeforeEach
    void setUp() throws IOException {
        dir = Files.createTempDirectory(Path.of("/tmp"), "berth-tlock");
    }

    @AfterEach
    void tearDown() throws Exception {
        for (Process p : started) {
            p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }

    @Test
    void aServerThatLeavesRemovesItsLockAndSocket() throws Exception {
        Path srv = dir.resolve("srv");
        Path socket = srv.resolve("runtime-a.sock");
        Process idle = server(socket, 2);
        await(() -> Files.exists(socket));
        assertTrue(Files.exists(srv.resolve("runtime-a.sock.lock")), "held while it runs");
        assertTrue(idle.waitFor(15, TimeUnit.SECONDS), "it leaves after two seconds without calls");
        assertEquals(List.of("runtime-a.sock.log"), names(srv));

        // one that leaves because its socket was removed
        Process removed = server(socket, 60);
        await(() -> Files.exists(socket));
        Files.delete(socket);
        assertTrue(removed.waitFor(15, TimeUnit.SECONDS), "it leaves when its socket is gone");
        assertEquals(List.of("runtime-a.sock.log"), names(srv));
    }

    @Test
    void aStartingServerRemovesTheFilesOfOtherBuildsServersThatAreGone() throws Exception {
        Path srv = dir.resolve("srv");
        Process live = server(srv.resolve("runtime-live.sock"), 60);
        await(() -> Files.exists(srv.resolve("runtime-live.sock")));
        // killed servers of two builds: their lock, socket, socket before its rename, start marker
        for (String build : List.of("old", "young")) {
            Path socket = srv.resolve("runtime-" + build + ".sock");
            Files.createFile(srv.resolve("runtime-" + build + ".sock.lock"));
            try (ServerSocketChannel s = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
                s.bind(UnixDomainSocketAddress.of(socket)); // the file stays when it is closed
            }
            Files.createFile(srv.resolve("runtime-" + build + ".sock.new"));
            Files.createFile(RuntimeLauncher.startingMarker(socket));
        }
        // a marker of a minute ago is stale; one just made may be a start under way, and stays
        Files.setLastModifiedTime(srv.resolve("runtime-old.sock.starting"),
            FileTime.fromMillis(System.currentTimeMillis() - 60_000));

        Process fresh = server(srv.resolve("runtime-new.sock"), 60);
        // the new server removes the others' files before it binds its own socket: wait for both
        await(() -> !Files.exists(srv.resolve("runtime-young.sock.lock")) && !Files.exists(srv.resolve("runtime-old.sock.lock"))
            && Files.exists(srv.resolve("runtime-new.sock")));
        assertEquals(List.of("runtime-live.sock", "runtime-live.sock.lock", "runtime-live.sock.log", "runtime-new.sock",
            "runtime-new.sock.lock", "runtime-new.sock.log", "runtime-young.sock.starting"), names(srv));
        assertTrue(live.isAlive() && fresh.isAlive());
        assertEquals(1, probe(srv.resolve("runtime-live.sock.lock")), "the running server still holds its lock");

        Files.delete(srv.resolve("runtime-live.sock"));
        Files.delete(srv.resolve("runtime-new.sock"));
        assertTrue(live.waitFor(15, TimeUnit.SECONDS) && fresh.waitFor(15, TimeUnit.SECONDS));
        assertEquals(List.of("runtime-live.sock.log", "runtime-new.sock.log", "runtime-young.sock.starting"), names(srv));
    }

    @Test
    void aLockWaitedForAndRemovedByItsHolderIsTakenAgainByName() throws Exception {
        assumeTrue(Files.isExecutable(Path.of(PYTHON)), "python3 holds the lock from outside");
        Path socket = dir.resolve("runtime.sock");
        Path lockFile = dir.resolve("runtime.sock.lock");
        Process holder = new ProcessBuilder(PYTHON, "-c", HOLDER, lockFile.toString()).redirectErrorStream(true).start();
        started.add(holder);
        BufferedReader out = new BufferedReader(new InputStreamReader(holder.getInputStream(), StandardCharsets.UTF_8));
        assertEquals("held", out.readLine());

        long t0 = System.nanoTime();
        assertNull(ServerLock.acquire(socket), "a running server holds it");
        assertTrue(System.nanoTime() - t0 >= 900_000_000L, "after waiting about a second for it");

        // this time the holder removes the file and leaves while we wait for its lock
        CompletableFuture<ServerLock> waiting = CompletableFuture.supplyAsync(() -> {
            try {
                return ServerLock.acquire(socket);
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        });
        await(() -> opened(lockFile));
        try (OutputStream in = holder.getOutputStream()) {
            in.write('\n');
        }
        assertTrue(holder.waitFor(10, TimeUnit.SECONDS));
        try (ServerLock lock = waiting.get(10, TimeUnit.SECONDS)) {
            assertNotNull(lock);
            // the name leads to a file we hold: without the check, we would hold the removed one
            // and the probe would lock the name's new file
            assertEquals(1, probe(lockFile), "the lock under the name is held");
            lock.remove();
            assertTrue(!Files.exists(lockFile));
        }
        assertEquals(0, probe(lockFile), "free once we let go");
    }

    /** A runtime server on {@code socket}, as the launcher starts one, its output in SOCKET.log. */
    private Process server(Path socket, int idleSeconds) throws IOException {
        Files.createDirectories(socket.getParent());
        ProcessBuilder pb = new ProcessBuilder(ProcessHandle.current().info().command().orElseThrow(),
            "--enable-native-access=ALL-UNNAMED", "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC",
            "-cp", System.getProperty("java.class.path"), RuntimeServer.class.getName(), socket.toString())
            .redirectErrorStream(true).redirectOutput(Path.of(socket + ".log").toFile());
        pb.environment().put("BERTH_RUNTIME_SERVER_IDLE", Integer.toString(idleSeconds));
        Process p = pb.start();
        started.add(p);
        return p;
    }

    private static int probe(Path lockFile) throws Exception {
        Process p = new ProcessBuilder(PYTHON, "-c", PROBE, lockFile.toString()).inheritIO().start();
        assertTrue(p.waitFor(10, TimeUnit.SECONDS));
        return p.exitValue();
    }

    /** Whether this JVM has {@code file} open. */
    private static boolean opened(Path file) throws IOException {
        try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
            for (Path fd : fds.toList()) {
                try {
                    if (Files.readSymbolicLink(fd).equals(file)) {
                        return true;
                    }
                } catch (IOException e) {
                    // closed meanwhile
                }
            }
        }
        return false;
    }

    private static List<String> names(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    interface Condition {
        boolean met() throws Exception;
    }

    private static void await(Condition c) throws Exception {
        for (int i = 0; i < 300; i++) {
            if (c.met()) {
                return;
            }
            Thread.sleep(50);
        }
        throw new AssertionError("timed out");
    }
}
