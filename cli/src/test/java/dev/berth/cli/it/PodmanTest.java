package dev.berth.cli.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.berth.cli.it.OciConsumers.Result;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * podman (Debian's 4.3, with conmon) driving berth-runtime through {@code --runtime}, next to
 * runc as the reference. Everything podman keeps is private: its storage, run root, tmp dir,
 * file locks (not the host's shm lock segment) and configuration, which reaches conmon and the
 * {@code podman container cleanup} it runs through CONTAINERS_CONF. The containers' cgroups go
 * under a parent named after our directory.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class PodmanTest {
    private Path dir;
    private Path rootfs;
    private Path berth;
    // podman finds them by these names in containers.conf, as a user's configuration would say
    private static final String BERTH = "berth-runtime";
    private static final String RUNC = "runc";
    private Map<String, String> env;

    @BeforeAll
    void setUp() throws Exception {
        assumeTrue(Host.isRoot(), "podman needs root here: run the tests as root (bin/test)");
        dir = OciConsumers.newDir();
        rootfs = OciConsumers.rootfs(dir);
        berth = OciConsumers.berthRuntime(dir);
        OciConsumers.runc(dir);
        // podman's default rlimits (nofile and nproc 1048576) exceed the hard limits of some
        // hosts, and without CAP_SYS_RESOURCE no runtime may raise them: ask for what we have.
        // podman 4.3 runs conmon, and so the runtime, with nproc 32768 (seen here)
        long nofile = Math.min(OciConsumers.hardLimit("Max open files"), 1048576);
        long nproc = Math.min(OciConsumers.hardLimit("Max processes"), 32768);
        Files.writeString(dir.resolve("containers.conf"), """
            [containers]
            default_ulimits = ["nofile=1024:%2$d", "nproc=%3$d:%3$d"]
            [network]
            network_config_dir = "%1$s/net"
            [engine]
            lock_type = "file"
            events_logger = "file"
            cgroup_manager = "cgroupfs"
            tmp_dir = "%1$s/tmp"
            volume_path = "%1$s/volumes"
            static_dir = "%1$s/static"
            runtime_supports_json = ["runc", "berth-runtime"]
            [engine.runtimes]
            berth-runtime = ["%1$s/bin/berth-runtime"]
            runc = ["%1$s/bin/runc"]
            """.formatted(dir, nofile, nproc));
        Files.writeString(dir.resolve("storage.conf"), """
            [storage]
            driver = "vfs"
            graphroot = "%1$s/root"
            runroot = "%1$s/runroot"
            """.formatted(dir));
        env = Map.of("CONTAINERS_CONF", dir.resolve("containers.conf").toString(),
            "CONTAINERS_STORAGE_CONF", dir.resolve("storage.conf").toString());
    }

    /** What a failed test left, removed by podman as a user would. */
    @AfterEach
    void removeContainers() throws Exception {
        if (dir != null) {
            podman(null, "rm", "--all", "--force", "--time", "0");
        }
    }

    @AfterAll
    void tearDown() throws Exception {
        if (dir == null) {
            return;
        }
        try {
            // conmon runs `podman container cleanup` when a container exits; it works in our
            // directory, so it is ours to wait for before anything is removed under it
            OciConsumers.waitFor("conmon and its clean-up done",
                () -> Host.processesUnder(dir).stream().allMatch(RuntimeServers::isServer));
        } finally {
            OciConsumers.cleanUp(dir);
        }
        assertFalse(Files.exists(dir), "test directory left");
    }

    @Test
    void runGivesTheOutputAndExitStatusRuncGives() throws Exception {
        String probe = "echo out; echo err >&2; id; grep -E 'CapEff|NoNewPrivs' /proc/self/status; ulimit -n;"
            + " grep memory /proc/self/cgroup | sed 's/libpod-.*/libpod-ID/'; env | grep -v HOSTNAME= | sort; ls /proc/$$/fd; exit 3";
        Result reference = podman(null, runArgs(RUNC, "--rm", "sh", "-c", probe));
        Result r = podman(null, runArgs(BERTH, "--rm", "sh", "-c", probe));
        assertEquals(3, reference.code(), reference.toString());
        assertEquals(reference.toString(), r.toString());
        assertTrue(r.out().contains("memory:/" + dir.getFileName() + "/libpod-ID"), r.out());
        assertEquals("", berthRuntime("list", "-q").out(), "runtime state left");
    }

    @Test
    void aUserWithoutCapabilitiesAndAReadOnlyVolumeAsWithRunc() throws Exception {
        Path volume = Files.createDirectories(dir.resolve("volume"));
        Files.writeString(volume.resolve("f"), "data\n");
        // the process is not root when it opens the exec fifo after create
        String probe = "id; grep -E 'Cap(Prm|Eff|Bnd)|NoNewPrivs' /proc/self/status; cat /mnt/f; touch /mnt/g; echo $?";
        List<String> results = new ArrayList<>();
        for (String runtime : List.of(RUNC, BERTH)) {
            results.add(podman(null, runArgs(runtime, "--rm", "--user", "1000:1000", "--cap-drop", "ALL", "--cap-add",
                "NET_BIND_SERVICE", "--volume", volume + ":/mnt:ro", "sh", "-c", probe)).toString());
        }
        assertTrue(results.get(1).startsWith("exit 0\n--- stdout\nuid=1000"), results.get(1));
        assertEquals(results.get(0), results.get(1));
    }

    @Test
    void theCgroupFileSystemShowsTheContainersOwnCgroupAsWithRunc() throws Exception {
        // on a v1 or hybrid host: runc's tmpfs of v1 hierarchies, where a program finds its limits
        String probe = "ls /sys/fs/cgroup; grep cgroup /proc/self/mountinfo | cut -d' ' -f4,5,6,9- | sed"
            + " 's/libpod-[0-9a-f]*/libpod-ID/'; cat /sys/fs/cgroup/memory/memory.limit_in_bytes"
            + " /sys/fs/cgroup/memory.max 2>/dev/null; mkdir /sys/fs/cgroup/x";
        for (String cgroupns : List.of("host", "private")) {
            List<String> results = new ArrayList<>();
            for (String runtime : List.of(RUNC, BERTH)) {
                results.add(podman(null, runArgs(runtime, "--rm", "--memory", "67108864", "--cgroupns", cgroupns,
                    "sh", "-c", probe)).toString());
            }
            assertTrue(results.get(1).contains("67108864\n"), results.get(1));
            assertEquals(results.get(0), results.get(1));
        }
    }

    @Test
    void aTmpfsStartsWithWhatItCoversAsWithRunc() throws Exception {
        // podman puts runc's tmpcopyup on --tmpfs and on the tmpfs mounts of --read-only
        Path data = Files.createDirectories(rootfs.resolve("data/sub"));
        Files.writeString(data.getParent().resolve("f"), "f\n");
        Files.writeString(data.getParent().resolve("suid"), "s\n");
        Path suid = data.getParent().resolve("suid");
        assertEquals(0, new ProcessBuilder("chown", "1000:1000", suid.toString()).start().waitFor());
        assertEquals(0, new ProcessBuilder("chmod", "4755", suid.toString()).start().waitFor()); // after chown
        Files.createSymbolicLink(data.resolve("link"), Path.of("../f"));
        Files.writeString(Files.createDirectories(rootfs.resolve("run")).resolve("file"), "r\n");
        String probe = "find /data /run /tmp | sort | xargs stat -c '%A %u %g %s %N'; mount | grep -E ' (/data|/run|/tmp) '"
            + " | sort; touch /data/new && echo writable";
        List<String> results = new ArrayList<>();
        for (String runtime : List.of(RUNC, BERTH)) {
            results.add(podman(null, runArgs(runtime, "--rm", "--read-only", "--tmpfs", "/data:size=1m", "sh", "-c",
                probe)).toString());
        }
        assertTrue(results.get(1).contains("-rwsr-xr-x 1000 1000 2 /data/suid\n"), results.get(1));
        assertTrue(results.get(1).contains("'/data/sub/link' -> '../f'"), results.get(1));
        assertEquals(results.get(0), results.get(1));
    }

    @Test
    void aDetachedContainerLogsPausesStopsAndIsRemoved() throws Exception {
        Result started = podman(null, runArgs(BERTH, "-d", "--name", "bg", "--memory", "67108864", "sh", "-c",
            "echo started; trap 'echo got-term; exit 0' TERM; sleep 1000 & wait"));
        assertEquals(0, started.code(), started.toString());
        String id = started.out().strip();
        String cgroup = "/" + dir.getFileName() + "/libpod-" + id;
        OciConsumers.waitFor("started logged", () -> podman(null, "logs", "bg").out().equals("started\n"));
        assertEquals("running", inspect("bg", "{{.State.Status}}"));
        assertEquals(67108864L, OciConsumers.memoryLimit(cgroup));
        assertTrue(berthRuntime("state", id).out().contains("\"status\": \"running\""));
        // conmon is the parent, it reaps the exit: no berth process stays in between
        long pid = Long.parseLong(inspect("bg", "{{.State.Pid}}"));
        long conmon = Long.parseLong(inspect("bg", "{{.State.ConmonPid}}"));
        assertEquals(conmon, ProcessHandle.of(pid).orElseThrow().parent().orElseThrow().pid());

        assertEquals(0, podman(null, "pause", "bg").code());
        assertEquals("paused", inspect("bg", "{{.State.Status}}"));
        assertTrue(OciConsumers.frozen(cgroup));
        assertEquals(0, podman(null, "unpause", "bg").code());
        assertEquals("running", inspect("bg", "{{.State.Status}}"));
        assertFalse(OciConsumers.frozen(cgroup));

        Result stopped = podman(null, "stop", "bg");
        assertEquals(0, stopped.code(), stopped.toString());
        assertEquals("exited 0", inspect("bg", "{{.State.Status}} {{.State.ExitCode}}"));
        assertEquals("started\ngot-term\n", podman(null, "logs", "bg").out());
        assertEquals(0, podman(null, "rm", "bg").code());
        assertEquals("", berthRuntime("list", "-q").out(), "runtime state left");
        assertFalse(OciConsumers.cgroupExists(cgroup), "cgroup left");
    }

    @Test
    void aCreatedContainerIsRemovedWithItsProcess() throws Exception {
        String id = podman(null, "create", "--name", "cr", "--network", "none", "--runtime", BERTH,
            "--cgroup-parent", "/" + dir.getFileName(), "--rootfs", rootfs.toString(), "sleep", "1000").out().strip();
        assertEquals(0, podman(null, "init", "cr").code());
        assertTrue(berthRuntime("state", id).out().contains("\"status\": \"created\""));
        long pid = Long.parseLong(inspect("cr", "{{.State.Pid}}"));
        assertTrue(pid > 0 && Host.alive(pid), "waits for start: " + pid);
        assertEquals(0, podman(null, "rm", "--force", "cr").code());
        assertFalse(Host.alive(pid) && !status(pid).startsWith("Z"), "the created process was killed");
        assertEquals("", berthRuntime("list", "-q").out(), "runtime state left");
        assertFalse(OciConsumers.cgroupExists("/" + dir.getFileName() + "/libpod-" + id), "cgroup left");
    }

    @Test
    void aMissingCommandIs127AndANonExecutableOne126AsWithRunc() throws Exception {
        for (String runtime : List.of(RUNC, BERTH)) {
            Result missing = podman(null, runArgs(runtime, "--rm", "nosuch"));
            assertEquals(127, missing.code(), missing.toString());
            assertTrue(missing.err().contains("exec: \"nosuch\": executable file not found in $PATH"), missing.toString());
            Result notExec = podman(null, runArgs(runtime, "--rm", "/bin/notexec"));
            assertEquals(126, notExec.code(), notExec.toString());
            assertTrue(notExec.err().contains("permission denied"), notExec.toString());
        }
    }

    @Test
    void aTerminalReachesConmonThroughTheConsoleSocket() throws Exception {
        List<String> results = new ArrayList<>();
        for (String runtime : List.of(RUNC, BERTH)) {
            results.add(OciConsumers.runInTerminal(dir, env, command(List.of("run", "-t", "--rm", "--network", "none",
                "--runtime", runtime, "--cgroup-parent", "/" + dir.getFileName(), "--rootfs", rootfs.toString(), "sh",
                "-c", "tty; exit 5"))).toString());
        }
        assertTrue(results.get(1).startsWith("exit 5\n--- stdout\n/dev/pts/0\n"), results.get(1));
        assertEquals(results.get(0), results.get(1));
    }

    /** Needs berth-runtime exec. */
    @Test
    void execRunsInTheContainerAsWithRunc() throws Exception {
        List<String> all = new ArrayList<>();
        for (String runtime : List.of(RUNC, BERTH)) {
            assertEquals(0, podman(null, runArgs(runtime, "-d", "--name", "ex", "sleep", "1000")).code());
            List<Result> results = new ArrayList<>();
            results.add(podman(null, "exec", "ex", "sh", "-c", "echo in-exec $(id -u) $HOME $(pwd); exit 4"));
            results.add(podman("input\n", "exec", "-i", "--user", "1000", "--workdir", "/tmp", "--env", "FOO=bar",
                "ex", "sh", "-c", "id -u; pwd; echo $FOO; cat"));
            Result missing = podman(null, "exec", "ex", "nosuch");
            assertEquals(127, missing.code(), missing.toString());
            assertEquals(0, podman(null, "rm", "--force", "--time", "0", "ex").code());
            all.add(results.toString());
        }
        assertTrue(all.get(1).startsWith("[exit 4\n--- stdout\nin-exec 0 /root /\n"), all.get(1));
        assertEquals(all.get(0), all.get(1));
    }

    private List<String> runArgs(String runtime, String... rest) {
        List<String> args = new ArrayList<>(List.of("run", "--network", "none", "--runtime", runtime,
            "--cgroup-parent", "/" + dir.getFileName()));
        int i = 0;
        for (; i < rest.length && rest[i].startsWith("-"); i++) {
            args.add(rest[i]);
            if (List.of("--name", "--user", "--cap-drop", "--cap-add", "--volume", "--memory", "--cgroupns", "--tmpfs")
                .contains(rest[i])) {
                args.add(rest[++i]);
            }
        }
        args.add("--rootfs");
        args.add(rootfs.toString());
        args.addAll(List.of(rest).subList(i, rest.length));
        return args;
    }

    private List<String> command(List<String> args) {
        List<String> cmd = new ArrayList<>(List.of("podman", "--root", dir.resolve("root").toString(),
            "--runroot", dir.resolve("runroot").toString(), "--cgroup-manager", "cgroupfs",
            "--events-backend", "file"));
        cmd.addAll(args);
        return cmd;
    }

    private Result podman(String input, String... args) throws IOException, InterruptedException {
        return podman(input, List.of(args));
    }

    private Result podman(String input, List<String> args) throws IOException, InterruptedException {
        return OciConsumers.run(dir, env, input, command(args));
    }

    private String inspect(String name, String format) throws IOException, InterruptedException {
        return podman(null, "inspect", "--format", format, name).out().strip();
    }

    private Result berthRuntime(String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of(berth.toString()));
        cmd.addAll(List.of(args));
        return OciConsumers.run(dir, Map.of(), null, cmd);
    }

    private static String status(long pid) throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
            if (line.startsWith("State:")) {
                return line.substring(6).strip();
            }
        }
        return "";
    }
}
