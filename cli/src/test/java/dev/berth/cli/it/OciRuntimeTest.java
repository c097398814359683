package dev.berth.cli.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.berth.runtime.json.Json;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import dev.berth.cli.oci.RuntimeLauncher;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** berth-runtime against runc's behaviour on a busybox bundle: lifecycle, state, errors. */
class OciRuntimeTest {
    Path dir;
    Path bundle;
    /** The warm server's socket ({@link OciRuntimeServerTest}), or null: a JVM per call. */
    Path socket;
    /** Whether a server runs on {@link #socket}: then a call it takes gets no JVM to fall back on. */
    boolean serverUp;

    /** Whether the calls go through the warm runtime server. */
    boolean viaServer() {
        return false;
    }

    @BeforeEach
    void setUp() throws Exception {
        assumeTrue(Host.isRoot(), "containers need root");
        dir = Files.createTempDirectory(Path.of("/tmp"), "berth-toci");
        if (viaServer()) {
            socket = dir.resolve("srv/runtime.sock");
            run(0, "list"); // finds no server, so its JVM starts one
            waitFor(() -> Files.exists(socket));
            serverUp = true;
        }
        bundle = dir.resolve("bundle");
        Files.createDirectories(bundle);
        new ProcessBuilder("cp", "-a", Rootfs.busybox().toString(), bundle.resolve("rootfs").toString())
            .inheritIO().start().waitFor();
        run(0, "spec", "--bundle", bundle.toString());
        String config = Files.readString(bundle.resolve("config.json"))
            .replace("\"terminal\": true", "\"terminal\": false")
            .replace("\"sh\"", "\"sleep\", \"30\"")
            // our own cgroup, removed with the test
            .replaceFirst("\"linux\": \\{", "\"linux\": {\n\t\t\"cgroupsPath\": \"/" + dir.getFileName() + "/ctr\",");
        Files.writeString(bundle.resolve("config.json"), config);
    }

    @AfterEach
    void tearDown() throws Exception {
        if (dir == null) {
            return;
        }
        try {
            for (String id : run(0, "list", "-q").split("\n")) {
                if (!id.isBlank()) {
                    run(0, "delete", "-f", id.strip());
                }
            }
            assertEquals(List.of(), Host.mountsUnder(dir));
            assertFalse(Files.exists(Path.of("/sys/fs/cgroup/memory/" + dir.getFileName() + "/ctr")), "cgroup left");
        } finally {
            try {
                if (socket != null) {
                    RuntimeServers.stop(socket);
                }
            } finally {
                Host.scrub(dir, "/" + dir.getFileName());
            }
        }
    }

    @Test
    void createStartStateKillDelete() throws Exception {
        Path pidFile = dir.resolve("pid");
        run(0, "create", "--bundle", bundle.toString(), "--pid-file", pidFile.toString(), "c1");
        String pid = Files.readString(pidFile);
        assertTrue(pid.matches("\\d+"), "digits only, no newline: " + pid);
        String state = run(0, "state", "c1");
        assertTrue(state.contains("\"status\": \"created\""), state);
        assertTrue(state.contains("\"pid\": " + pid), state);
        assertTrue(state.startsWith("{\n  \"ociVersion\""), "runc's two-space layout: " + state);
        assertTrue(Files.readString(Path.of("/proc/" + pid + "/status")).contains("State:\tS"), "waits for start");
        // isolation, seen from outside
        assertFalse(Host.ns(Long.parseLong(pid), "pid").equals(Host.ownNs("pid")));
        assertFalse(Host.ns(Long.parseLong(pid), "mnt").equals(Host.ownNs("mnt")));
        run(0, "start", "c1");
        assertTrue(run(0, "state", "c1").contains("\"status\": \"running\""));
        assertEquals("[" + pid + "]", run(0, "ps", "--format", "json", "c1").strip());
        assertTrue(run(1, "start", "c1").contains("cannot start an already running container"));
        assertTrue(run(1, "delete", "c1").contains("cannot delete container c1 that is not stopped: running"));
        run(0, "kill", "c1", "KILL");
        waitFor(() -> run(0, "state", "c1").contains("\"status\": \"stopped\""));
        assertTrue(run(1, "kill", "c1").contains("container not running"));
        run(0, "delete", "c1");
        assertTrue(run(1, "state", "c1").contains("container does not exist"));
        run(0, "delete", "--force", "c1"); // containerd's cleanup shim does this
    }

    /**
     * Issue 10, runc's CVE-2021-30465: mount destinations and device paths behind links in the
     * rootfs (absolute, a ../ chain, / in the middle) are followed inside the rootfs, never to
     * the host, where a marker directory they all point at stays empty.
     */
    @Test
    void destinationsBehindLinksStayInTheRootfs() throws Exception {
        Path marker = Files.createDirectory(dir.resolve("host-marker"));
        String rel = marker.toString().substring(1);
        Path src = Files.createDirectory(dir.resolve("src"));
        Files.writeString(src.resolve("f"), "in\n");
        Path rootfs = bundle.resolve("rootfs");
        Files.createSymbolicLink(rootfs.resolve("data"), marker);
        Files.createSymbolicLink(rootfs.resolve("up"), Path.of("../".repeat(12)));
        Files.createDirectories(rootfs.resolve("a"));
        Files.createSymbolicLink(rootfs.resolve("a/b"), Path.of("/"));
        String config = Files.readString(bundle.resolve("config.json"))
            .replaceFirst("\"mounts\": \\[", "\"mounts\": ["
                + "{\"destination\": \"/data/sub\", \"type\": \"bind\", \"source\": \"" + src + "\", \"options\": [\"rbind\", \"ro\"]},"
                + "{\"destination\": \"/up/" + rel + "/t\", \"type\": \"tmpfs\", \"source\": \"tmpfs\"},"
                + "{\"destination\": \"/a/b/" + rel + "/m\", \"type\": \"bind\", \"source\": \"" + src + "\", \"options\": [\"bind\"]},")
            .replaceFirst("\"linux\": \\{", "\"linux\": {\"devices\": [{\"path\": \"/data/null\", \"type\": \"c\", \"major\": 1, \"minor\": 3}],");
        Files.writeString(bundle.resolve("config.json"), config);
        setProcess("\"sh\", \"-c\", \"cat " + marker + "/sub/f " + marker + "/m/f; test -c " + marker + "/null && echo node;"
            + " grep -c ' " + marker + "/' /proc/self/mountinfo\"");
        Process p = command("run", "--bundle", bundle.toString(), "c-links").redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(30, TimeUnit.SECONDS));
        assertEquals(0, p.exitValue(), out);
        assertEquals("in\nin\nnode\n3\n", out);
        try (var s = Files.list(marker)) {
            assertEquals(List.of(), s.toList(), "something was made in the host's directory");
        }
        for (String made : List.of("sub", "t", "m", "null")) {
            assertTrue(Files.exists(rootfs.resolve(rel).resolve(made)), made + " was not made inside the rootfs");
        }
    }

    /**
     * Each bind's options, seen in the kernel's mountinfo of the created container: ro, nosuid,
     * nodev, noexec on the mount itself, rro on it (a bind of one mount), and propagation. The
     * flags come with the bind in one step (the stage's OP_BIND).
     */
    @Test
    void bindOptionsReachTheKernel() throws Exception {
        Path src = Files.createDirectory(dir.resolve("src"));
        String[][] binds = {{"/ro", "\"bind\", \"ro\""}, {"/flags", "\"rbind\", \"nosuid\", \"nodev\", \"noexec\""},
            {"/rro", "\"bind\", \"rro\""}, {"/shared", "\"rbind\", \"rshared\""},
            {"/unbindable", "\"bind\", \"ro\", \"unbindable\""}};
        StringBuilder mounts = new StringBuilder();
        for (String[] b : binds) {
            mounts.append("{\"destination\": \"").append(b[0]).append("\", \"type\": \"bind\", \"source\": \"")
                .append(src).append("\", \"options\": [").append(b[1]).append("]},");
        }
        String config = Files.readString(bundle.resolve("config.json"))
            .replaceFirst("\"mounts\": \\[", "\"mounts\": [" + mounts);
        Files.writeString(bundle.resolve("config.json"), config);
        Path pidFile = dir.resolve("pid");
        run(0, "create", "--bundle", bundle.toString(), "--pid-file", pidFile.toString(), "c-binds");
        String info = Files.readString(Path.of("/proc/" + Files.readString(pidFile) + "/mountinfo"));
        java.util.Map<String, String> seen = new java.util.TreeMap<>();
        for (String line : info.lines().toList()) {
            String[] f = line.split(" ");
            for (String[] b : binds) {
                if (f[4].equals(b[0])) {
                    StringBuilder flags = new StringBuilder();
                    for (String o : f[5].split(",")) {
                        if (List.of("ro", "rw", "nosuid", "nodev", "noexec").contains(o)) {
                            flags.append(flags.isEmpty() ? "" : ",").append(o);
                        }
                    }
                    String optional = String.join(" ", java.util.Arrays.asList(f).subList(6, line.split(" - ")[0].split(" ").length));
                    seen.put(b[0], flags + (optional.contains("shared:") ? " shared" : "")
                        + (optional.contains("unbindable") ? " unbindable" : ""));
                }
            }
        }
        assertEquals(java.util.Map.of("/ro", "ro", "/flags", "rw,nosuid,nodev,noexec", "/rro", "ro",
            "/shared", "rw shared", "/unbindable", "ro unbindable"), seen, info);
        run(0, "delete", "-f", "c-binds");
    }

    /**
     * Issue 10's CVE-2024-21626 and CVE-2019-5736 through the OCI runtime, for run and exec. No
     * descriptor of the runtime reaches the process: a working directory of /proc/self/fd/N never
     * leads to the host (whose test directory, holding the bundle, is what the process lists),
     * and the process holds 0, 1 and 2 only. A "#!/proc/self/exe" file in the rootfs runs the
     * stage's read-only view, which quits; berth-stage's bytes stay as they were.
     */
    @Test
    void noFdOfTheRuntimeReachesTheProcessAndItsBinaryStaysUnwritten() throws Exception {
        byte[] stage = Files.readAllBytes(Berth.STAGE);
        Path rootfs = bundle.resolve("rootfs");
        Files.writeString(rootfs.resolve("evil"), "#!/proc/self/exe\n");
        assertTrue(rootfs.resolve("evil").toFile().setExecutable(true));
        Path config = bundle.resolve("config.json");
        String base = Files.readString(config);
        String escape = "\"sh\", \"-c\", \"cd ../../..; ls " + dir + "\"";
        for (int fd = 3; fd < 16; fd++) {
            Files.writeString(config, base.replace("\"cwd\": \"/\"", "\"cwd\": \"/proc/self/fd/" + fd + "\""));
            setProcess(escape);
            String[] got = any("run", "--bundle", bundle.toString(), "fd" + fd);
            assertFalse(got[1].contains("bundle"), "run with the cwd /proc/self/fd/" + fd + " reached the host: " + got[1]);
        }
        Files.writeString(config, base);
        // "; true": busybox sh would exec a last command in its own place, and ls's own directory is fd 3
        setProcess("\"sh\", \"-c\", \"ls /proc/$$/fd; true\"");
        assertEquals(List.of("0", "1", "2"), run(0, "run", "--bundle", bundle.toString(), "fds").strip().lines().toList());
        setProcess("\"/evil\"");
        assertTrue(run(2, "run", "--bundle", bundle.toString(), "evil").contains("started by berth only"));

        setProcess("\"sleep\", \"30\"");
        run(0, "run", "-d", "--bundle", bundle.toString(), "x1");
        for (int fd = 3; fd < 16; fd++) {
            String[] got = any("exec", "--cwd", "/proc/self/fd/" + fd, "x1", "sh", "-c", "cd ../../..; ls " + dir);
            assertFalse(got[1].contains("bundle"), "exec with the cwd /proc/self/fd/" + fd + " reached the host: " + got[1]);
        }
        assertEquals(List.of("0", "1", "2"), run(0, "exec", "x1", "sh", "-c", "ls /proc/$$/fd; true").strip().lines().toList());
        assertTrue(run(2, "exec", "x1", "/evil").contains("started by berth only"));
        assertTrue(java.util.Arrays.equals(stage, Files.readAllBytes(Berth.STAGE)), "berth-stage was changed");
    }

    /** berth-runtime with any exit status: {status, stdout and stderr}. */
    private String[] any(String... args) throws IOException, InterruptedException {
        Path out = Files.createTempFile(Path.of("/tmp"), "berth-toci-out", ".txt");
        try {
            Process p = command(args).redirectErrorStream(true).redirectOutput(out.toFile())
                .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile())).start();
            assertTrue(p.waitFor(60, TimeUnit.SECONDS));
            return new String[] {Integer.toString(p.exitValue()), Files.readString(out)};
        } finally {
            Files.delete(out);
        }
    }

    @Test
    void runInTheForegroundReturnsTheExitStatusAndInheritsStdio() throws Exception {
        String config = Files.readString(bundle.resolve("config.json")).replace("\"sleep\", \"30\"",
            "\"sh\", \"-c\", \"echo out-$(hostname); exit 3\"");
        Files.writeString(bundle.resolve("config.json"), config);
        Process p = command("run", "--bundle", bundle.toString(), "c3").redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(30, TimeUnit.SECONDS));
        assertEquals(3, p.exitValue(), out);
        assertEquals("out-runc\n", out);
        assertEquals("", run(0, "list", "-q").strip(), "run without --keep deletes the container");
    }

    @Test
    void execJoinsEveryNamespaceAndTheCgroupOfTheContainer() throws Exception {
        Path pidFile = dir.resolve("pid");
        run(0, "run", "-d", "--bundle", bundle.toString(), "--pid-file", pidFile.toString(), "e1");
        long init = Long.parseLong(Files.readString(pidFile));
        String out = run(0, "exec", "-e", "FOO=bar", "--cwd", "/tmp", "-u", "1000:1001", "e1",
            "sh", "-c", "echo $FOO $(pwd) $(id -u):$(id -g) $$");
        assertEquals("bar /tmp 1000:1001 2", out.strip(), "PID 2: in the container's PID namespace");
        assertTrue(run(3, "exec", "e1", "sh", "-c", "exit 3").isEmpty());

        Path execPid = dir.resolve("exec.pid");
        run(0, "exec", "-d", "--pid-file", execPid.toString(), "--cap", "CAP_SYS_ADMIN", "e1", "sleep", "30");
        long exec = Long.parseLong(Files.readString(execPid));
        for (String ns : List.of("pid", "mnt", "net", "uts", "ipc")) {
            assertEquals(Host.ns(init, ns), Host.ns(exec, ns), ns);
        }
        assertEquals(Files.readString(Path.of("/proc/" + init + "/cgroup")),
            Files.readString(Path.of("/proc/" + exec + "/cgroup")));
        String status = Files.readString(Path.of("/proc/" + exec + "/status"));
        assertTrue(status.contains("CapEff:\t0000000020200420"), "--cap adds CAP_SYS_ADMIN (bit 21): " + status);
        assertTrue(run(0, "ps", "--format", "json", "e1").contains(Long.toString(exec)));

        Path process = dir.resolve("process.json");
        Files.writeString(process, """
            {"terminal": false, "user": {"uid": 0, "gid": 0}, "cwd": "/", "env": ["X=from-file"],
             "args": ["sh", "-c", "echo $X"]}""");
        assertEquals("from-file", run(0, "exec", "--process", process.toString(), "e1").strip());

        run(0, "kill", "e1", "KILL");
        waitFor(() -> run(0, "state", "e1").contains("\"status\": \"stopped\""));
        assertTrue(run(255, "exec", "e1", "true").contains("exec failed: cannot exec in a stopped container"));
        assertTrue(run(255, "exec", "nosuch", "true").contains("container does not exist"));
    }

    @Test
    void hooksRunInOrderWithTheStateInTheirNamespaces() throws Exception {
        Path log = dir.resolve("hooks.log");
        Path hook = dir.resolve("hook.sh");
        Files.writeString(hook, "#!/bin/sh\necho \"$1 $(readlink /proc/self/ns/mnt) $(cat)\" >> " + log + "\n");
        hook.toFile().setExecutable(true);
        StringBuilder hooks = new StringBuilder("\"hooks\": {");
        for (String kind : List.of("createRuntime", "createContainer", "poststart", "poststop")) {
            hooks.append('"').append(kind).append("\": [{\"path\": \"").append(hook).append("\", \"args\": [\"hook.sh\", \"")
                .append(kind).append("\"]}], ");
        }
        // in the container's root: the path resolves there, and the root is read-only but /dev/shm
        hooks.append("\"startContainer\": [{\"path\": \"/bin/sh\", \"args\": [\"sh\", \"-c\", ")
            .append("\"cat > /dev/shm/state\"]}]},");
        String config = Files.readString(bundle.resolve("config.json")).replaceFirst("\"linux\": \\{",
            hooks + "\n\"linux\": {");
        Files.writeString(bundle.resolve("config.json"), config);

        Path pidFile = dir.resolve("pid");
        run(0, "create", "--bundle", bundle.toString(), "--pid-file", pidFile.toString(), "h1");
        String pid = Files.readString(pidFile);
        String hostMnt = Host.ownNs("mnt");
        String ctrMnt = Host.ns(Long.parseLong(pid), "mnt");
        List<String> lines = Files.readAllLines(log);
        assertEquals(2, lines.size(), lines.toString());
        assertTrue(lines.get(0).startsWith("createRuntime " + hostMnt + " {\"ociVersion\":\"1.2.1\",\"id\":\"h1\","
            + "\"status\":\"creating\",\"pid\":" + pid + ","), lines.get(0));
        assertTrue(lines.get(1).startsWith("createContainer " + ctrMnt + " "), lines.get(1) + " vs " + ctrMnt);

        run(0, "start", "h1");
        assertTrue(Files.readAllLines(log).get(2).startsWith("poststart " + hostMnt + " "));
        assertTrue(Files.readAllLines(log).get(2).contains("\"status\":\"running\""));
        assertTrue(run(0, "exec", "h1", "cat", "/dev/shm/state").contains("\"status\":\"created\""));
        run(0, "delete", "-f", "h1");
        String last = Files.readAllLines(log).get(3);
        assertTrue(last.startsWith("poststop " + hostMnt + " ") && last.contains("\"status\":\"stopped\""), last);
    }

    @Test
    void aFailingOrHangingHookStopsTheCreateAndLeavesNothing() throws Exception {
        String original = Files.readString(bundle.resolve("config.json"));
        for (String hook : List.of("{\"path\": \"/bin/sh\", \"args\": [\"sh\", \"-c\", \"echo no >&2; exit 4\"]}",
            "{\"path\": \"/bin/sleep\", \"args\": [\"sleep\", \"30\"], \"timeout\": 1}")) {
            Files.writeString(bundle.resolve("config.json"), original.replaceFirst("\"linux\": \\{",
                "\"hooks\": {\"createRuntime\": [" + hook + "]},\n\"linux\": {"));
            String err = run(1, "create", "--bundle", bundle.toString(), "bad");
            assertTrue(err.contains("error running createRuntime hook #0"), err);
            assertTrue(err.contains("exit status 4, stderr: no") || err.contains("timeout of 1s"), err);
            assertEquals("", run(0, "list", "-q").strip());
            assertFalse(Files.exists(dir.resolve("root").resolve("bad")));
            assertFalse(Files.exists(Path.of("/sys/fs/cgroup/memory/" + dir.getFileName() + "/ctr")), "cgroup left");
        }
    }

    @Test
    void updateChangesTheLimitsInTheKernelAndEventsReportsThem() throws Exception {
        run(0, "run", "-d", "--bundle", bundle.toString(), "u1");
        Path memory = Path.of("/sys/fs/cgroup/memory/" + dir.getFileName() + "/ctr");
        Path pids = Path.of("/sys/fs/cgroup/pids/" + dir.getFileName() + "/ctr");
        assumeTrue(Files.isDirectory(memory) && Files.isDirectory(pids), "cgroup v1 memory and pids controllers");
        run(0, "update", "--memory", "64m", "--pids-limit", "20", "u1");
        assertEquals("67108864", Files.readString(memory.resolve("memory.limit_in_bytes")).strip());
        assertEquals("20", Files.readString(pids.resolve("pids.max")).strip());
        Path resources = dir.resolve("resources.json");
        Files.writeString(resources, "{\"pids\": {\"limit\": 30}}");
        run(0, "update", "--resources", resources.toString(), "u1");
        assertEquals("30", Files.readString(pids.resolve("pids.max")).strip());
        assertTrue(run(1, "update", "--memory", "lots", "u1").contains("invalid value \"lots\" for --memory"));
        String event = run(0, "events", "--stats", "u1").strip();
        assertTrue(event.startsWith("{\"type\":\"stats\",\"id\":\"u1\",\"data\":{"), event);
        assertTrue(event.contains("\"limit\":30") && event.contains("\"current\":1"), event);
        run(0, "pause", "u1");
        assertTrue(run(0, "state", "u1").contains("\"status\": \"paused\""));
        assertTrue(run(255, "exec", "u1", "true").contains("cannot exec in a paused container"));
        run(0, "resume", "u1");
        assertTrue(run(0, "state", "u1").contains("\"status\": \"running\""));
    }

    @Test
    void updateRewritesTheSavedConfigThatLaterCommandsRead() throws Exception {
        run(0, "run", "-d", "--bundle", bundle.toString(), "u2");
        Path pids = Path.of("/sys/fs/cgroup/pids/" + dir.getFileName() + "/ctr");
        assumeTrue(Files.isDirectory(pids) && Files.isDirectory(Path.of("/sys/fs/cgroup/memory")), "cgroup v1 pids, memory");
        Path saved = dir.resolve("root/u2/config.json");
        String before = Files.readString(saved);
        run(0, "update", "--memory", "64m", "--pids-limit", "20", "u2");
        Map<String, Object> config = Json.parseObject(Files.readString(saved));
        Map<String, Object> resources = Json.map(Json.map(config, "linux"), "resources");
        assertEquals(67108864L, ((Number) Json.map(resources, "memory").get("limit")).longValue());
        assertEquals(20L, ((Number) Json.map(resources, "pids").get("limit")).longValue());
        assertEquals(Json.compact(Json.map(Json.parseObject(before), "process")), Json.compact(Json.map(config, "process")),
            "the rest of the config stays");
        assertEquals(Json.compact(Json.map(Json.map(Json.parseObject(before), "linux"), "resources").get("devices")),
            Json.compact(resources.get("devices")));
        try (var files = Files.list(saved.getParent())) {
            assertEquals(List.of(), files.filter(f -> f.getFileName().toString().contains("tmp")).toList(),
                "the temporary file of the atomic write is gone");
        }

        // the saved limits are checked with the new ones: swap below the memory limit set before
        String err = run(1, "update", "--memory-swap", "32m", "u2");
        assertTrue(err.contains("memory.swap (33554432) is memory plus swap and must not be below memory.limit (67108864)"),
            err);
        assertFalse(Json.map(Json.map(Json.map(Json.parseObject(Files.readString(saved)), "linux"), "resources"), "memory")
            .containsKey("swap"), "a refused update is not saved");

        Path file = dir.resolve("resources.json");
        Files.writeString(file, "{\"pids\": {\"limit\": 30}}");
        run(0, "update", "-r", file.toString(), "u2");
        resources = Json.map(Json.map(Json.parseObject(Files.readString(saved)), "linux"), "resources");
        assertEquals(30L, ((Number) Json.map(resources, "pids").get("limit")).longValue());
        assertEquals(67108864L, ((Number) Json.map(resources, "memory").get("limit")).longValue(), "merged, not replaced");
        assertEquals("30", Files.readString(pids.resolve("pids.max")).strip());

        // later commands: state, a process exec'd into the cgroup, events
        assertTrue(run(0, "state", "u2").contains("\"status\": \"running\""));
        Path execPid = dir.resolve("exec.pid");
        run(0, "exec", "-d", "--pid-file", execPid.toString(), "u2", "sleep", "30");
        String cgroup = Files.readString(Path.of("/proc/" + Files.readString(execPid).strip() + "/cgroup"));
        assertTrue(cgroup.contains(":pids:/" + dir.getFileName() + "/ctr\n"), cgroup);
        String event = run(0, "events", "--stats", "u2").strip();
        assertTrue(event.contains("\"limit\":30") && event.contains("\"current\":2"), event);
        assertTrue(event.contains("\"limit\":67108864"), event);
    }

    @Test
    void execWithATerminalSendsThePtyMasterToTheConsoleSocket() throws Exception {
        Path python = Path.of("/usr/bin/python3");
        assumeTrue(Files.isExecutable(python), "python3 receives the pty master (the JDK cannot take SCM_RIGHTS)");
        run(0, "run", "-d", "--bundle", bundle.toString(), "t1");
        Path script = dir.resolve("console-receiver.py");
        try (var in = OciRuntimeTest.class.getResourceAsStream("console-receiver.py")) {
            Files.write(script, in.readAllBytes());
        }
        Path socket = dir.resolve("console.sock");
        Path report = dir.resolve("console.json");
        Process receiver = new ProcessBuilder(python.toString(), script.toString(), socket.toString(),
            report.toString(), "typed-in\n").redirectErrorStream(true).start();
        try {
            waitFor(() -> Files.exists(socket));
            String out = run(7, "exec", "-t", "--console-socket", socket.toString(), "t1", "sh", "-c",
                "test -t 0 && test -t 1 && echo stdin-is-a-tty; tty; read line; echo got-$line; exit 7");
            assertEquals("", out, "the process's output goes through the master, not ours");
            assertTrue(receiver.waitFor(30, TimeUnit.SECONDS), "the receiver saw the slave close");
            assertEquals(0, receiver.exitValue(), new String(receiver.getInputStream().readAllBytes()));
        } finally {
            receiver.destroyForcibly().waitFor();
        }
        Map<String, Object> r = Json.parseObject(Files.readString(report));
        assertEquals(1L, ((Number) r.get("fds")).longValue(), r.toString());
        assertEquals(Boolean.TRUE, r.get("isatty"), r.toString());
        assertTrue(r.get("target").toString().endsWith("ptmx"), "a pty master: " + r);
        assertFalse(r.containsKey("timeout"), r.toString());
        String output = r.get("output").toString();
        assertTrue(output.contains("stdin-is-a-tty\r\n"), "a terminal, with its \\r\\n: " + output);
        assertTrue(output.matches("(?s).*/dev/pts/\\d+\r\n.*"), output);
        assertTrue(output.contains("got-typed-in\r\n"), "input typed into the master reached the process: " + output);
        assertTrue(run(0, "state", "t1").contains("\"status\": \"running\""), "the container goes on");
    }

    @Test
    void badInputIsRefusedAndLeavesNothing() throws Exception {
        String good = Files.readString(bundle.resolve("config.json"));
        assertTrue(run(1, "state", "nosuch").contains("container does not exist"));
        assertTrue(run(1, "kill", "nosuch", "9").contains("container does not exist"));
        Files.writeString(bundle.resolve("config.json"), "{\"ociVersion\": \"1.0.2\", \"root\": {\"path\": \"nope\"}}");
        String err = run(1, "create", "--bundle", bundle.toString(), "bad");
        assertTrue(err.contains("config.json"), err);
        assertEquals("", run(0, "list", "-q").strip());
        assertFalse(Files.exists(dir.resolve("root").resolve("bad")));
        // --systemd-cgroup: create and run refuse it before anything is made, the rest take it as runc does
        String systemd = Files.isDirectory(Path.of("/run/systemd/system"))
            ? "the systemd cgroup driver is not supported by berth-runtime yet: use the cgroupfs driver"
            : "systemd not running on this host, cannot use systemd cgroups manager";
        Files.writeString(bundle.resolve("config.json"), good);
        assertTrue(run(1, "--systemd-cgroup", "create", "--bundle", bundle.toString(), "sd").contains(systemd));
        assertTrue(run(1, "--systemd-cgroup", "run", "-d", "--bundle", bundle.toString(), "sd").contains(systemd));
        assertFalse(Files.exists(dir.resolve("root").resolve("sd")), "no state left");
        assertFalse(Files.exists(Path.of("/sys/fs/cgroup/memory/" + dir.getFileName() + "/ctr")), "no cgroup made");
        assertEquals("", run(0, "--systemd-cgroup", "list", "-q").strip());
        assertTrue(run(1, "--systemd-cgroup", "state", "sd").contains("container does not exist"));
        run(0, "--systemd-cgroup", "delete", "--force", "sd"); // containerd's clean-up after a failed create
    }

    @Test
    void theForegroundKeepsThePidFileThePreservedFdsAndTheStatusOfASignal() throws Exception {
        setProcess("\"sh\", \"-c\", \"echo through-fd-3 >&3; echo $$ >&3; exit 4\"");
        Path fd3 = dir.resolve("fd3.txt");
        Path pidFile = dir.resolve("pid");
        // the caller's fd 3, as podman passes sockets with --preserve-fds
        List<String> cmd = new ArrayList<>(List.of("/bin/sh", "-c", "exec 3>\"$0\" && exec \"$@\"", fd3.toString()));
        ProcessBuilder pb = command("run", "--keep", "--preserve-fds", "1", "--pid-file", pidFile.toString(),
            "--bundle", bundle.toString(), "k1");
        cmd.addAll(pb.command());
        Process p = pb.command(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(30, TimeUnit.SECONDS));
        assertEquals(4, p.exitValue(), out);
        assertEquals("through-fd-3\n1\n", Files.readString(fd3), "fd 3 reached PID 1 of the container");
        assertTrue(Files.readString(pidFile).matches("\\d+"));
        assertTrue(run(0, "state", "k1").contains("\"status\": \"stopped\""), "--keep: not deleted");
        run(0, "delete", "k1");

        setProcess("\"sleep\", \"30\"");
        run(0, "run", "-d", "--bundle", bundle.toString(), "k2");
        // runc's status for a process killed by a signal: 128 + the signal
        assertEquals("", run(143, "exec", "k2", "sh", "-c", "kill -TERM $$; sleep 5"));
        assertEquals("", run(137, "exec", "k2", "sh", "-c", "kill -KILL $$; sleep 5"));
    }

    @Test
    void whatTheCallerIgnoresStaysWithTheCaller() throws Exception {
        // nohup ignores SIGHUP, a script's background job SIGINT and SIGQUIT, and a disposition
        // ignored survives fork and execve; a container's processes start with every default
        String[] ignoring = {"env", "--ignore-signal=HUP,INT,QUIT"};
        setProcess("\"sleep\", \"300\"");
        Path pidFile = dir.resolve("n1.pid");
        succeed(through(command("run", "-d", "--pid-file", pidFile.toString(), "--bundle", bundle.toString(), "n1"),
            ignoring));
        assertEquals("0000000000000000", ignored(pidFile), "PID 1 ignores none of its caller's signals");
        Path execPid = dir.resolve("e1.pid");
        succeed(through(command("exec", "-d", "--pid-file", execPid.toString(), "n1", "sleep", "300"), ignoring));
        assertEquals("0000000000000000", ignored(execPid), "nor does an exec'd process");

        // in the foreground, a signal its caller ignores is not one the caller received: under
        // nohup, SIGHUP is not forwarded (the trap would exit 45), SIGTERM is
        Path err = dir.resolve("e2.err");
        Process p = through(command("exec", "n1", "sh", "-c",
            "trap 'exit 45' HUP; trap 'exit 44' TERM; echo ready; while :; do sleep 0.1; done"), "nohup")
            .redirectError(err.toFile()).start();
        awaitLine(p, "ready", err);
        signal(p, "HUP");
        signal(p, "TERM");
        assertTrue(p.waitFor(10, TimeUnit.SECONDS), "SIGTERM reached the process");
        assertEquals(44, p.exitValue(), () -> read(err));
    }

    /** Runs {@code pb} to its end, which must be a success. */
    private void succeed(ProcessBuilder pb) throws IOException, InterruptedException {
        // a file, not a pipe: a detached container inherits our stdout and would hold a pipe open
        Path out = Files.createTempFile(dir, "out", ".txt");
        Process p = pb.redirectErrorStream(true).redirectOutput(out.toFile()).start();
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        assertEquals(0, p.exitValue(), () -> String.join(" ", pb.command()) + ": " + read(out));
    }

    static String read(Path file) {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            return e.toString();
        }
    }

    /** The signals the process in {@code pidFile} ignores: SigIgn of its status, as the kernel shows it. */
    static String ignored(Path pidFile) throws IOException {
        long pid = Long.parseLong(Files.readString(pidFile).strip());
        for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
            if (line.startsWith("SigIgn:")) {
                return line.substring("SigIgn:".length()).strip();
            }
        }
        throw new AssertionError("no SigIgn in /proc/" + pid + "/status");
    }

    /** Waits for the first line of {@code p}'s stdout, which must be {@code line}; {@code err} is its stderr. */
    static void awaitLine(Process p, String line, Path err) throws IOException {
        BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
        assertEquals(line, r.readLine(), () -> read(err));
    }

    static void signal(Process p, String name) throws IOException, InterruptedException {
        assertEquals(0, new ProcessBuilder("kill", "-" + name, Long.toString(p.pid())).start().waitFor());
    }

    /**
     * {@code pb} started through {@code wrapper} ({@code env}, {@code nohup}), which execs it: the
     * same pid, with the signal dispositions the wrapper chose. Without one the client has the
     * test's own, which are whatever started Maven.
     */
    static ProcessBuilder through(ProcessBuilder pb, String... wrapper) {
        List<String> cmd = new ArrayList<>(List.of(wrapper));
        cmd.addAll(pb.command());
        return pb.command(cmd);
    }

    @Test
    void aTerminalWithoutAConsoleSocketIsRelayedToOurStdio() throws Exception {
        setProcess("\"sh\", \"-c\", \"tty; read line; echo got-$line; exit 5\"");
        String config = Files.readString(bundle.resolve("config.json")).replace("\"terminal\": false", "\"terminal\": true");
        Files.writeString(bundle.resolve("config.json"), config);
        Process p = command("run", "--bundle", bundle.toString(), "r1").start();
        p.getOutputStream().write("typed\n".getBytes(StandardCharsets.UTF_8));
        p.getOutputStream().close();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(30, TimeUnit.SECONDS));
        assertEquals(5, p.exitValue(), out + new String(p.getErrorStream().readAllBytes()));
        // (the pty may echo our input before tty runs)
        assertTrue(java.util.regex.Pattern.compile("/dev/pts/\\d+\r\n").matcher(out).find(), "a pty's \\r\\n: " + out);
        assertTrue(out.contains("got-typed\r\n"), "our input reached it: " + out);

        setProcess("\"sleep\", \"30\"");
        Files.writeString(bundle.resolve("config.json"), Files.readString(bundle.resolve("config.json"))
            .replace("\"terminal\": true", "\"terminal\": false"));
        run(0, "run", "-d", "--bundle", bundle.toString(), "r2");
        p = command("exec", "-t", "r2", "sh", "-c", "read line; echo exec-got-$line >&2; exit 6").start();
        p.getOutputStream().write("more\n".getBytes(StandardCharsets.UTF_8));
        p.getOutputStream().close();
        out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(30, TimeUnit.SECONDS));
        assertEquals(6, p.exitValue(), out);
        assertTrue(out.endsWith("exec-got-more\r\n"), "a terminal has one stream, stdout: " + out);
    }

    /** Replaces the process of the bundle (the default: sleep 30) with {@code args}, JSON strings. */
    void setProcess(String args) throws IOException {
        Path config = bundle.resolve("config.json");
        String text = Files.readString(config);
        int start = text.indexOf("\"args\": [");
        int end = text.indexOf(']', start);
        Files.writeString(config, text.substring(0, start) + "\"args\": [" + args + text.substring(end));
    }

    interface Check {
        boolean ok() throws Exception;
    }

    static void waitFor(Check c) throws Exception {
        for (int i = 0; i < 250; i++) {
            if (c.ok()) {
                return;
            }
            Thread.sleep(20);
        }
        throw new AssertionError("condition not reached in 5 s");
    }

    /** Runs berth-runtime with our root, expects {@code code}, returns stdout and stderr together. */
    String run(int code, String... args) throws IOException, InterruptedException {
        // a file, not a pipe: a created container inherits our stdout and would hold a pipe open
        Path out = Files.createTempFile(dir, "out", ".txt");
        Process p = command(args).redirectErrorStream(true).redirectOutput(out.toFile())
            .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile())).start();
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        String text = Files.readString(out);
        Files.delete(out);
        assertEquals(code, p.exitValue(), () -> "berth-runtime " + String.join(" ", args) + ": " + text);
        return text;
    }

    ProcessBuilder command(String... args) {
        List<String> cmd = new ArrayList<>();
        cmd.add(Berth.STAGE.toString());
        boolean served = false;
        if (socket != null) {
            List<String> all = new ArrayList<>(List.of("--root", dir.resolve("root").toString()));
            all.addAll(List.of(args));
            cmd.addAll(List.of("--client", socket.toString(), Integer.toString(all.size())));
            served = serverUp && RuntimeLauncher.servable(all);
        }
        cmd.add("--launch");
        // a call the server runs never starts this JVM: a missing one proves it was served
        cmd.add(served ? "/nonexistent/java" : ProcessHandle.current().info().command().orElseThrow());
        cmd.add("-XX:TieredStopAtLevel=1");
        cmd.add("-XX:+UseSerialGC");
        cmd.add("-XX:-UsePerfData");
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add("dev.berth.cli.oci.RuntimeMain");
        cmd.add("--root");
        cmd.add(dir.resolve("root").toString());
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd);
        pb.environment().put("BERTH_STAGE", Berth.STAGE.toString()); // for a second stage (hooks)
        pb.environment().put("BERTH_RUNTIME_SERVER_IDLE", "60");
        return pb;
    }
}
