package dev.berth.cli.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Escape attempts from inside a default container (issue 10): each must fail. The attempts run
 * as the container's root with docker's default capabilities and seccomp filter; what the
 * kernel answered is checked line by line, and the stage's own binary is checked from outside.
 */
class EscapeTest extends ContainerTestBase {
    @Test
    void everyAttemptOfTheProbeIsRefused() throws Exception {
        Path dir = Files.createDirectory(berth.root().resolve("probe"));
        try (InputStream in = EscapeTest.class.getResourceAsStream("escape.py")) {
            Files.copy(in, dir.resolve("escape.py"));
        }
        Berth.Result r = berth.run("run", "--rm", "-v", dir + ":/probe:ro", "host", "python3", "/probe/escape.py");
        assertEquals(0, r.code(), r.err());
        List<String> lines = r.out().strip().lines().toList();
        assertEquals(29, lines.size(), r.out());
        List<String> allowed = new ArrayList<>();
        for (String line : lines) {
            if (!line.contains(" refused ")) {
                allowed.add(line);
            }
        }
        assertEquals(List.of(), allowed, "escapes the container was allowed:\n" + r.out());
        // the probe itself works: a call the filter allows answers
        assertTrue(r.out().contains("setns-net refused EPERM"), r.out());
    }

    @Test
    void noFdOfTheEngineReachesTheContainer() throws Exception {
        // CVE-2024-21626: a working directory through an fd the runtime leaked reached the host
        for (int fd = 3; fd < 12; fd++) {
            Berth.Result r = berth.run("run", "--rm", "-w", "/proc/self/fd/" + fd, "host", "sh", "-c",
                "cd ../../..; ls " + berth.root());
            assertNotEquals(0, r.code(), "-w /proc/self/fd/" + fd + " reached the host: " + r.out());
        }
        String fds = berth.ok("run", "--rm", "host", "sh", "-c", "ls /proc/$$/fd");
        assertEquals(List.of("0", "1", "2"), fds.strip().lines().toList());
        berth.ok("run", "-d", "--name", "c", "host", "sleep", "60");
        String execFds = berth.ok("exec", "c", "sh", "-c", "ls /proc/$$/fd");
        assertEquals(List.of("0", "1", "2"), execFds.strip().lines().toList());
        // exec's process is set up by a stage of its own: the same check for its descriptors
        for (int fd = 3; fd < 12; fd++) {
            Berth.Result r = berth.run("exec", "-w", "/proc/self/fd/" + fd, "c", "sh", "-c",
                "cd ../../..; ls " + berth.root());
            assertNotEquals(0, r.code(), "exec -w /proc/self/fd/" + fd + " reached the host: " + r.out());
        }
    }

    @Test
    void theStageBinaryCannotBeWrittenThroughAContainersProcesses() throws Exception {
        // CVE-2019-5736: the monitor and every process entering the container run from a
        // read-only view of berth-stage, so /proc/PID/exe cannot be opened for writing
        berth.ok("run", "-d", "--name", "c", "host", "sleep", "60");
        long monitor = Host.monitorPid(berth, "c");
        // a running binary answers ETXTBSY before anything else: the guard is read, not tried
        assertEquals("read-only mount", exeGuard(monitor));
        // what a "#!/proc/self/exe" file in the container would run is that view too, and it quits
        Path dir = Files.createDirectory(berth.root().resolve("x"));
        Files.writeString(dir.resolve("evil"), "#!/proc/self/exe\n");
        assertTrue(dir.resolve("evil").toFile().setExecutable(true));
        berth.ok("run", "-d", "--name", "b", "-v", dir + ":/x:ro", "--rootfs", Rootfs.busybox().toString(),
            "sleep", "60");
        Berth.Result evil = berth.run("exec", "b", "/x/evil");
        assertEquals(2, evil.code(), evil.err());
        assertTrue(evil.err().contains("started by berth only"), evil.err());
        // and as a container's own command, which the stage execs the same way
        Berth.Result run = berth.run("run", "--rm", "-v", dir + ":/x:ro", "--rootfs", Rootfs.busybox().toString(), "/x/evil");
        assertEquals(2, run.code(), run.err());
        assertTrue(run.err().contains("started by berth only"), run.err());
    }

    @Test
    void withoutTheMountApiTheStageRunsFromASealedCopy() throws Exception {
        berth.env("BERTH_STAGE_SEAL", "copy");
        berth.ok("run", "-d", "--name", "c", "host", "sleep", "60");
        long monitor = Host.monitorPid(berth, "c");
        assertTrue(Files.readSymbolicLink(Path.of("/proc/" + monitor + "/exe")).toString().startsWith("/memfd:berth-stage"));
        assertEquals("sealed against writes", exeGuard(monitor));
        assertEquals("hi", berth.ok("exec", "c", "echo", "hi").strip());
    }

    /** What keeps /proc/PID/exe from being written: its mount's read-only flag, or memfd seals. */
    private static String exeGuard(long pid) throws Exception {
        Process p = new ProcessBuilder("python3", "-c", """
            import fcntl, os, sys
            exe = "/proc/" + sys.argv[1] + "/exe"
            if os.statvfs(exe).f_flag & os.ST_RDONLY:
                print("read-only mount")
            else:
                fd = os.open(exe, os.O_RDONLY)
                seals = fcntl.fcntl(fd, 1034)  # F_GET_SEALS
                print("sealed against writes" if seals & 8 else "writable, seals " + str(seals))
            """, Long.toString(pid)).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes()).strip();
        p.waitFor();
        return out;
    }
}
