package dev.berth.cli.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.berth.cli.it.OciConsumers.Result;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * containerd (Debian's 1.6, its runc shim v2) driving berth-runtime through {@code ctr run
 * --runc-binary}, next to runc as the reference. The daemon is our own: config, root, state and
 * sockets under a private directory, the CRI plugin off. Its namespace is named after that
 * directory, so the containers' cgroups (/NAMESPACE/ID) are ours too.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ContainerdTest {
    private static final Path RUN_CONTAINERD = Path.of("/run/containerd");

    private Path dir;
    private String ns;
    private Path rootfs;
    private Path berth;
    private Process containerd;
    private boolean runContainerdExisted;

    @BeforeAll
    void startContainerd() throws Exception {
        assumeTrue(Host.isRoot(), "containerd needs root: run the tests as root (bin/test)");
        runContainerdExisted = Files.exists(RUN_CONTAINERD);
        dir = OciConsumers.newDir();
        ns = dir.getFileName().toString();
        rootfs = OciConsumers.rootfs(dir);
        berth = OciConsumers.berthRuntime(dir);
        Files.createDirectories(dir.resolve("fifo"));
        // plugins that would reach outside: CRI, /opt/containerd, and snapshotters whose probes
        // load kernel modules or look at other file systems
        Files.writeString(dir.resolve("containerd.toml"), """
            version = 2
            root = "%1$s/root"
            state = "%1$s/state"
            disabled_plugins = ["io.containerd.grpc.v1.cri", "io.containerd.internal.v1.opt",
              "io.containerd.snapshotter.v1.aufs", "io.containerd.snapshotter.v1.btrfs",
              "io.containerd.snapshotter.v1.zfs", "io.containerd.snapshotter.v1.devmapper"]
            [grpc]
              address = "%1$s/c.sock"
            [ttrpc]
              address = "%1$s/c.sock.ttrpc"
            """.formatted(dir));
        containerd = new ProcessBuilder("containerd", "--config", dir.resolve("containerd.toml").toString())
            .directory(dir.toFile()).redirectErrorStream(true)
            .redirectOutput(dir.resolve("containerd.log").toFile())
            .redirectInput(Path.of("/dev/null").toFile()).start();
        OciConsumers.waitFor("containerd answers", () -> ctr("version").code() == 0);
    }

    /** What a failed test left: its tasks go first, as a shim outlives its daemon. */
    @AfterEach
    void removeContainers() throws Exception {
        if (containerd == null || !containerd.isAlive()) {
            return;
        }
        for (String id : ctr("containers", "ls", "-q").out().split("\n")) {
            if (!id.isBlank()) {
                ctr("task", "kill", "-a", "-s", "9", id.strip());
                ctr("task", "delete", "--force", id.strip());
                ctr("containers", "rm", id.strip());
            }
        }
    }

    @AfterAll
    void stopContainerd() throws Exception {
        if (dir == null) {
            return;
        }
        // the shim's first call started a warm server, which took the later ones
        boolean served = Files.exists(OciConsumers.socket(dir).resolveSibling("runtime-server.log"));
        try {
            if (containerd != null && containerd.isAlive()) {
                removeContainers();
                containerd.destroy();
                if (!containerd.waitFor(10, TimeUnit.SECONDS)) {
                    containerd.destroyForcibly().waitFor();
                }
            }
        } finally {
            OciConsumers.cleanUp(dir);
            assertTrue(served, "no warm runtime server ran: the first call could not start one");
            if (!runContainerdExisted) {
                // the shims' sockets go to /run/containerd/s whatever the config says; each
                // shim removes its own, the directories it made are left to us
                for (Path p : List.of(RUN_CONTAINERD.resolve("s"), RUN_CONTAINERD.resolve("fifo"), RUN_CONTAINERD)) {
                    try {
                        Files.deleteIfExists(p);
                    } catch (DirectoryNotEmptyException e) {
                        // someone else's containerd is using it now
                    }
                }
            }
        }
        assertEquals(List.of(), Host.mountsUnder(dir), "mounts left on the host");
        assertFalse(Files.exists(dir), "test directory left");
    }

    @Test
    void aForegroundTaskGivesTheOutputAndExitStatusRuncGives() throws Exception {
        // what the process sees of its container, and that no fd of the shim reaches it
        String probe = "id; hostname; grep -E 'memory|pids' /proc/self/cgroup; ls -a /dev; grep -E"
            + " 'CapEff|CapBnd|NoNewPrivs' /proc/self/status; ulimit -n; env | sort; pwd; ls /proc/$$/fd;"
            + " echo to-stderr >&2; exit 3";
        Result reference = ctr(run("/usr/sbin/runc", "--rm", "fg", "sh", "-c", probe));
        Result r = ctr(run(berth.toString(), "--rm", "fg", "sh", "-c", probe));
        assertEquals(3, reference.code(), reference.toString());
        assertEquals(reference.toString(), r.toString());
        assertTrue(r.out().contains("memory:/" + ns + "/fg\n"), r.out());
        assertTrue(r.out().contains("HOME=/root\n"), "HOME from /etc/passwd, as runc sets it: " + r.out());
        assertEquals("", ctr("containers", "ls", "-q").out());
        assertFalse(OciConsumers.cgroupExists("/" + ns + "/fg"), "cgroup left");
    }

    @Test
    void aTerminalReachesTheShimThroughTheConsoleSocket() throws Exception {
        List<Result> results = new ArrayList<>();
        for (String runtime : List.of("/usr/sbin/runc", berth.toString())) {
            // no size in the output: ctr resizes the terminal meanwhile
            results.add(OciConsumers.runInTerminal(dir, Map.of(),
                command(run(runtime, "--rm", "-t", "tty", "sh", "-c", "tty; exit 5"))));
        }
        assertEquals(5, results.get(0).code(), results.get(0).toString());
        assertEquals("/dev/pts/0\n", results.get(1).out(), results.get(1).toString());
        assertEquals(results.get(0).toString(), results.get(1).toString());
    }

    @Test
    void aDetachedTaskIsListedMeasuredPausedKilledAndDeleted() throws Exception {
        String cgroup = "/" + ns + "/bg";
        Result started = ctr(run(berth.toString(), "-d", "--memory-limit", "67108864", "bg", "sh", "-c",
            "trap 'exit 42' TERM; sleep 1000 & wait"));
        assertEquals(0, started.code(), started.toString());
        long pid = taskPid("bg");
        // the shim is the parent (it reaps the exit): no berth process stays in between
        long parent = Long.parseLong(status(pid, "PPid"));
        assertTrue(Files.readString(Path.of("/proc/" + parent + "/cmdline")).startsWith("/usr/bin/containerd-shim-runc-v2"));
        try (var fds = Files.list(Path.of("/proc/" + pid + "/fd"))) {
            for (Path fd : fds.toList()) {
                assertFalse(Files.readSymbolicLink(fd).toString().startsWith("socket:"), "the shim's socket leaked: " + fd);
            }
        }
        OciConsumers.waitFor("sleep started", () -> pids(ctr("task", "ps", "bg").out()).size() == 2);
        assertTrue(pids(ctr("task", "ps", "bg").out()).contains(pid));
        // containerd reads the cgroup itself, found from /proc/PID/cgroup
        assertTrue(Pattern.compile("pids\\.current\\s+2\\b").matcher(ctr("task", "metrics", "bg").out()).find());
        assertEquals(67108864L, OciConsumers.memoryLimit(cgroup));

        assertEquals(0, ctr("task", "pause", "bg").code());
        assertEquals("PAUSED", taskStatus("bg"));
        assertTrue(OciConsumers.frozen(cgroup));
        assertEquals(0, ctr("task", "resume", "bg").code());
        assertEquals("RUNNING", taskStatus("bg"));
        assertFalse(OciConsumers.frozen(cgroup));

        assertEquals(0, ctr("task", "kill", "bg").code());
        OciConsumers.waitFor("task stopped", () -> taskStatus("bg").equals("STOPPED"));
        // containerd recognises runc's "container not running"
        Result again = ctr("task", "kill", "bg");
        assertEquals(1, again.code());
        assertTrue(again.err().contains("process already finished"), again.toString());
        Result deleted = ctr("task", "delete", "bg");
        assertEquals(0, deleted.code(), deleted.toString());
        assertTrue(deleted.err().contains("exit code 42"), deleted.toString());
        assertEquals(0, ctr("containers", "rm", "bg").code());
        assertFalse(OciConsumers.cgroupExists(cgroup), "cgroup left");
        assertFalse(Files.exists(dir.resolve("berth-ctr").resolve(ns).resolve("bg")), "runtime state left");
    }

    @Test
    void aMissingCommandFailsCreateAsWithRunc() throws Exception {
        for (String runtime : List.of("/usr/sbin/runc", berth.toString())) {
            Result r = ctr(run(runtime, "--rm", "missing", "nosuch"));
            assertEquals(1, r.code(), r.toString());
            assertTrue(r.err().contains("OCI runtime create failed")
                && r.err().contains("exec: \"nosuch\": executable file not found in $PATH"), r.toString());
            assertEquals("", ctr("containers", "ls", "-q").out());
        }
        assertFalse(OciConsumers.cgroupExists("/" + ns + "/missing"), "cgroup left");
    }

    @Test
    void anImageUnpackedByContainerdRunsOnItsSnapshot() throws Exception {
        // the usual path: the rootfs is the snapshotter's mount at BUNDLE/rootfs, named relatively
        Path image = ociImage();
        Result imported = ctr("image", "import", image.toString());
        assertEquals(0, imported.code(), imported.toString());
        String probe = "grep ' / / ' /proc/self/mountinfo | cut -d' ' -f9; echo $PATH $HOME; exit 6";
        List<Result> results = new ArrayList<>();
        for (String runtime : List.of("/usr/sbin/runc", berth.toString())) {
            boolean isBerth = runtime.equals(berth.toString());
            results.add(ctr("run", "--rm", "--fifo-dir", dir.resolve("fifo").toString(), "--runc-binary", runtime,
                "--runc-root", dir.resolve(isBerth ? "berth-ctr" : "runc-ctr").toString(), "docker.io/library/bb:latest",
                "img", "sh", "-c", probe));
        }
        assertEquals("exit 6\n--- stdout\noverlay\n/bin /root\n--- stderr\n", results.get(1).toString());
        assertEquals(results.get(0).toString(), results.get(1).toString());
    }

    /** An OCI image layout of the busybox rootfs, one layer, for {@code ctr image import}. */
    private Path ociImage() throws Exception {
        Path layerTar = dir.resolve("layer.tar");
        Process tar = new ProcessBuilder("tar", "-C", rootfs.toString(), "--owner=0", "--group=0", "-cf",
            layerTar.toString(), ".").inheritIO().start();
        assertEquals(0, tar.waitFor());
        byte[] layer = Files.readAllBytes(layerTar);
        ByteArrayOutputStream gz = new ByteArrayOutputStream();
        try (var out = new GZIPOutputStream(gz)) {
            out.write(layer);
        }
        byte[] blob = gz.toByteArray();
        byte[] config = ("{\"architecture\":\"amd64\",\"os\":\"linux\",\"config\":{\"Env\":[\"PATH=/bin\"],"
            + "\"Cmd\":[\"/bin/sh\"]},\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[\"" + digest(layer) + "\"]}}")
            .getBytes(StandardCharsets.UTF_8);
        byte[] manifest = ("{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\","
            + "\"config\":{\"mediaType\":\"application/vnd.oci.image.config.v1+json\",\"digest\":\"" + digest(config)
            + "\",\"size\":" + config.length + "},\"layers\":[{\"mediaType\":"
            + "\"application/vnd.oci.image.layer.v1.tar+gzip\",\"digest\":\"" + digest(blob) + "\",\"size\":"
            + blob.length + "}]}").getBytes(StandardCharsets.UTF_8);
        String index = "{\"schemaVersion\":2,\"manifests\":[{\"mediaType\":"
            + "\"application/vnd.oci.image.manifest.v1+json\",\"digest\":\"" + digest(manifest) + "\",\"size\":"
            + manifest.length + ",\"annotations\":{\"io.containerd.image.name\":\"docker.io/library/bb:latest\","
            + "\"org.opencontainers.image.ref.name\":\"latest\"}}]}";
        Path layout = Files.createDirectories(dir.resolve("image/blobs/sha256")).getParent().getParent();
        Files.writeString(layout.resolve("oci-layout"), "{\"imageLayoutVersion\":\"1.0.0\"}");
        Files.writeString(layout.resolve("index.json"), index);
        for (byte[] b : List.of(blob, config, manifest)) {
            Files.write(layout.resolve("blobs/sha256").resolve(digest(b).substring(7)), b);
        }
        Path archive = dir.resolve("image.tar");
        tar = new ProcessBuilder("tar", "-C", layout.toString(), "-cf", archive.toString(), "oci-layout", "index.json",
            "blobs").inheritIO().start();
        assertEquals(0, tar.waitFor());
        return archive;
    }

    private static String digest(byte[] b) throws Exception {
        return "sha256:" + HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
    }

    /** Needs berth-runtime exec. */
    @Test
    void execRunsInTheTaskAsWithRunc() throws Exception {
        List<List<Result>> all = new ArrayList<>();
        for (String runtime : List.of("/usr/sbin/runc", berth.toString())) {
            assertEquals(0, ctr(run(runtime, "-d", "ex", "sleep", "1000")).code());
            List<Result> results = new ArrayList<>();
            results.add(ctr("task", "exec", "--fifo-dir", dir.resolve("fifo").toString(), "--exec-id", "e1", "ex",
                "sh", "-c", "echo in-exec $(id -u) $HOME $(pwd); exit 4"));
            results.add(ctr("task", "exec", "--fifo-dir", dir.resolve("fifo").toString(), "--exec-id", "e2",
                "--user", "1000", "--cwd", "/tmp", "ex", "sh", "-c", "id; pwd; echo $HOME"));
            Result missing = ctr("task", "exec", "--fifo-dir", dir.resolve("fifo").toString(), "--exec-id", "e3",
                "ex", "nosuch");
            assertEquals(1, missing.code(), missing.toString());
            assertTrue(missing.err().contains("executable file not found in $PATH"), missing.toString());
            // a detached exec: listed with the task, and the shim's child as the init is
            assertEquals(0, ctr("task", "exec", "-d", "--fifo-dir", dir.resolve("fifo").toString(), "--exec-id",
                "e4", "ex", "sleep", "1000").code());
            List<Long> pids = pids(ctr("task", "ps", "ex").out());
            assertEquals(2, pids.size(), pids.toString());
            long init = taskPid("ex");
            long exec = pids.get(0) == init ? pids.get(1) : pids.get(0);
            assertEquals(status(init, "PPid"), status(exec, "PPid"));
            ctr("task", "kill", "-a", "-s", "9", "ex");
            OciConsumers.waitFor("task stopped", () -> taskStatus("ex").equals("STOPPED"));
            assertEquals(0, ctr("task", "delete", "ex").code());
            assertEquals(0, ctr("containers", "rm", "ex").code());
            all.add(results);
        }
        assertEquals(4, all.get(0).get(0).code());
        assertEquals("in-exec 0 /root /\n", all.get(1).get(0).out());
        assertEquals(all.get(0).toString(), all.get(1).toString());
    }

    /** {@code ctr run} for a runtime binary, each with a root of its own, on our rootfs. */
    private List<String> run(String runtime, String... rest) {
        boolean isBerth = runtime.equals(berth.toString());
        List<String> args = new ArrayList<>(List.of("run", "--fifo-dir", dir.resolve("fifo").toString(),
            "--runc-binary", runtime, "--runc-root", dir.resolve(isBerth ? "berth-ctr" : "runc-ctr").toString(),
            "--env", "PATH=/bin", "--rootfs"));
        int i = 0;
        for (; i < rest.length && rest[i].startsWith("-"); i++) {
            args.add(rest[i]);
            if (rest[i].equals("--memory-limit")) {
                args.add(rest[++i]);
            }
        }
        args.add(rootfs.toString());
        args.addAll(List.of(rest).subList(i, rest.length));
        return args;
    }

    private List<String> command(List<String> args) {
        List<String> cmd = new ArrayList<>(List.of("ctr", "--address", dir.resolve("c.sock").toString(),
            "--namespace", ns));
        cmd.addAll(args);
        return cmd;
    }

    private Result ctr(String... args) throws IOException, InterruptedException {
        return ctr(List.of(args));
    }

    private Result ctr(List<String> args) throws IOException, InterruptedException {
        return OciConsumers.run(dir, Map.of(), null, command(args));
    }

    private String[] task(String id) throws IOException, InterruptedException {
        for (String line : ctr("task", "ls").out().split("\n")) {
            String[] cols = line.trim().split("\\s+");
            if (cols.length == 3 && cols[0].equals(id)) {
                return cols;
            }
        }
        throw new AssertionError("no task " + id);
    }

    private long taskPid(String id) throws IOException, InterruptedException {
        return Long.parseLong(task(id)[1]);
    }

    private String taskStatus(String id) throws IOException, InterruptedException {
        return task(id)[2];
    }

    private static List<Long> pids(String ps) {
        List<Long> out = new ArrayList<>();
        Matcher m = Pattern.compile("(?m)^(\\d+)\\s").matcher(ps);
        while (m.find()) {
            out.add(Long.parseLong(m.group(1)));
        }
        return out;
    }

    private static String status(long pid, String field) throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
            if (line.startsWith(field + ":")) {
                return line.substring(field.length() + 1).strip();
            }
        }
        throw new AssertionError("no " + field + " for " + pid);
    }
}
