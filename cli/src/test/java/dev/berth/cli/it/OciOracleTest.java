package dev.berth.cli.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.berth.runtime.json.Json;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * berth-runtime and runc (Debian's 1.1.5, the oracle) on the same bundles, both seen from outside
 * on the real kernel: what a container of each config section looks like in /proc/PID, its
 * mount table, its /dev and its cgroup files; and what each bad input does (exit code, message,
 * and nothing left behind). Where runc 1.1.5 has no support (time namespace, personality,
 * domainname) berth-runtime is checked against the spec's values alone.
 */
class OciOracleTest {
    private Path dir;
    private Path berth;
    private Path runc;
    private Map<String, Object> base;
    private Process holder;
    private Path submount;

    @BeforeEach
    void setUp() throws Exception {
        assumeTrue(Host.isRoot(), "containers need root");
        assumeTrue(Files.isExecutable(Path.of("/usr/sbin/runc")), "runc is the oracle: apt-get install runc");
        dir = OciConsumers.newDir();
        berth = OciConsumers.berthRuntime(dir);
        runc = OciConsumers.runc(dir);
        Path b = Files.createDirectories(dir.resolve("base"));
        ok(runc, "spec", "--bundle", b.toString());
        base = Json.parseObject(Files.readString(b.resolve("config.json")));
        Json.map(base, "process").put("terminal", false);
    }

    @AfterEach
    void tearDown() throws Exception {
        if (dir == null) {
            return;
        }
        try {
            if (holder != null) {
                holder.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
            }
            if (submount != null) {
                new ProcessBuilder("umount", submount.toString()).inheritIO().start().waitFor();
            }
        } finally {
            OciConsumers.cleanUp(dir);
        }
    }

    /** Every section runc 1.1.5 also has, from outside: the same as runc's, and the spec's values. */
    @Test
    void everyConfigSectionLooksFromOutsideAsWithRunc() throws Exception {
        Path src = Files.createDirectories(dir.resolve("src"));
        submount = Files.createDirectories(src.resolve("sub"));
        assertEquals(0, new ProcessBuilder("mount", "-t", "tmpfs", "tmpfs", submount.toString()).inheritIO().start()
            .waitFor());
        holder = new ProcessBuilder("unshare", "--uts", "--net", "sleep", "600").start();
        long h = holder.pid();
        OciOracleTest.waitFor("the holder's namespaces", () -> !Host.ns(h, "net").equals(Host.ownNs("net")));
        Map<String, Map<String, String>> seen = new TreeMap<>();
        for (Path runtime : List.of(runc, berth)) {
            String name = runtime.getFileName().toString();
            Path bundle = bundle(name, c -> everySection(c, src, h, "/" + dir.getFileName() + "/" + name));
            // a shared mount of its own, so that rslave has a master to follow
            Path rootfs = bundle.resolve("rootfs");
            Files.createDirectories(rootfs.resolve("later"));
            sh("mount", "--bind", rootfs.toString(), rootfs.toString());
            sh("mount", "--make-shared", rootfs.toString());
            ok(runtime, "create", "--bundle", bundle.toString(), "--pid-file", bundle.resolve("pid").toString(), name);
            long pid = Long.parseLong(Files.readString(bundle.resolve("pid")).strip());
            Map<String, String> o = observe(pid, h);
            o.putAll(cgroupFiles("/" + dir.getFileName() + "/" + name));
            ok(runtime, "start", name);
            Host.awaitFile(pid, "/run/ready");
            o.putAll(afterStart(pid));
            sh("mount", "-t", "tmpfs", "later", rootfs.resolve("later").toString());
            for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/mountinfo"))) {
                String[] f = line.split(" ");
                if (f[4].equals("/later")) {
                    o.put("mount /later", f[List.of(f).indexOf("-") + 1] + " " + f[5]);
                }
            }
            sh("umount", rootfs.resolve("later").toString());
            seen.put(name, o);
            ok(runtime, "delete", "-f", name);
            assertFalse(OciConsumers.cgroupExists("/" + dir.getFileName() + "/" + name), "cgroup left by " + name);
        }
        Map<String, String> b = seen.get("berth-runtime");
        Map<String, String> r = seen.get("runc");
        // runc is the oracle; each line is also checked against what the config asked for
        assertEquals(r, b);
        assertEquals("0027", b.get("Umask"));
        assertEquals("5 7 1234", b.get("Groups"));
        assertEquals("0000000020200421", b.get("CapBnd"));
        assertEquals("0000000020000421", b.get("CapEff"));
        assertEquals("0000000000000021", b.get("CapInh"));
        assertEquals("0000000000000001", b.get("CapAmb"), "CHOWN: ambient, being inheritable");
        assertEquals("1", b.get("NoNewPrivs"));
        assertEquals("421", b.get("oom_score_adj"));
        assertEquals("1000 2048", b.get("limit Max open files"));
        assertEquals("0 0", b.get("limit Max core file size"));
        assertEquals("new new new new holder holder host", String.join(" ", b.get("ns pid"), b.get("ns mnt"),
            b.get("ns ipc"), b.get("ns cgroup"), b.get("ns uts"), b.get("ns net"), b.get("ns user")));
        assertEquals("kh", b.get("hostname"));
        assertEquals("123456789", b.get("sysctl kernel.shmmax"));
        assertEquals("99", b.get("sysctl net.ipv4.ip_unprivileged_port_start"));
        assertTrue(b.get("mount /").contains(" ro,"), "root.readonly: " + b.get("mount /"));
        assertTrue(b.get("mount /ro/sub").startsWith("tmpfs ro,"), "rro reaches the submount: " + b.get("mount /ro/sub"));
        assertTrue(b.get("mount /ro").contains(" ro,nosuid"), b.get("mount /ro"));
        assertTrue(b.get("mount /data").contains("tmpfs ro,nosuid,nodev,noexec"), "readonlyPaths: " + b.get("mount /data"));
        assertTrue(b.get("mount /mq").startsWith("mqueue rw,nosuid,nodev,noexec"), b.get("mount /mq"));
        assertTrue(b.get("mount /etc").startsWith("tmpfs ro"), "maskedPaths: " + b.get("mount /etc"));
        assertTrue(b.get("mount /proc/sys").contains("proc ro"), b.get("mount /proc/sys"));
        assertEquals("master", b.get("propagation /"), "rootfsPropagation rslave");
        assertEquals("tmpfs rw,relatime", b.get("mount /later"), "a host mount made after the start propagates in");
        assertEquals("c 1:11 rw-r-----", b.get("dev kmsg2"));
        assertEquals("c 1:3 rw-rw-rw-", b.get("dev null"));
        if (Files.isDirectory(Path.of("/sys/fs/cgroup/memory"))) { // v1 files; v2 hosts compare with runc only
            assertEquals("67108864", b.get("memory.limit_in_bytes"));
            assertEquals("33554432", b.get("memory.soft_limit_in_bytes"));
            assertEquals("512", b.get("cpu.shares"));
            assertEquals("50000", b.get("cpu.cfs_quota_us"));
            assertEquals("0", b.get("cpuset.cpus"));
            assertEquals("42", b.get("pids.max"));
        }
        assertEquals("2", b.get("Seccomp"));
        assertTrue(b.get("mkdir").startsWith("1 ") && b.get("mkdir").contains("Function not implemented"),
            "errnoRet 38: " + b.get("mkdir"));
        assertTrue(b.get("chmod 777").startsWith("1 ") && b.get("chmod 777").contains("Permission denied"),
            "an argument condition: " + b.get("chmod 777"));
        assertEquals("0 700", b.get("chmod 700"), "the same call with another argument passes");
        assertEquals("c 10:229 rw-rw-rw-", b.get("dev fuse2"));
        for (String node : List.of("/dev/fuse2", "/dev/kmsg2")) {
            assertTrue(!b.get(node).startsWith("0 ") && b.get(node).contains("Operation not permitted"),
                "the device cgroup: " + node + " " + b.get(node));
        }
    }

    /** runc 1.1.5 has no time namespace, personality or domainname: the spec is the oracle. */
    @Test
    void whatRunc11LacksIsAppliedAsTheSpecSays() throws Exception {
        Path bundle = bundle("b", c -> {
            c.put("domainname", "kd.example");
            c.put("hostname", "kh");
            Map<String, Object> linux = Json.map(c, "linux");
            List<Object> ns = namespaces(linux);
            ns.add(Map.of("type", "time"));
            linux.put("timeOffsets", Map.of("monotonic", Map.of("secs", 1000, "nanosecs", 5),
                "boottime", Map.of("secs", -20, "nanosecs", 0)));
            linux.put("personality", Map.of("domain", "LINUX32"));
            Json.map(c, "process").put("args", List.of("sleep", "1000"));
            linux.put("cgroupsPath", "/" + dir.getFileName() + "/b");
        });
        ok(berth, "run", "-d", "--bundle", bundle.toString(), "--pid-file", bundle.resolve("pid").toString(), "b");
        long pid = Long.parseLong(Files.readString(bundle.resolve("pid")).strip());
        assertFalse(Host.ns(pid, "time").equals(Host.ownNs("time")));
        List<String> offsets = new ArrayList<>();
        for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/timens_offsets"))) {
            offsets.add(String.join(" ", line.trim().split("\\s+")));
        }
        assertEquals(List.of("monotonic 1000 5", "boottime -20 0"), offsets);
        assertEquals("00000008", Files.readString(Path.of("/proc/" + pid + "/personality")).strip(), "PER_LINUX32");
        assertEquals("kd.example", sh("nsenter", "-t", Long.toString(pid), "-u", "cat", "/proc/sys/kernel/domainname"));
        assertEquals("kh", sh("nsenter", "-t", Long.toString(pid), "-u", "hostname"));
        ok(berth, "delete", "-f", "b");
    }

    /**
     * {@code exec --cap} as runc since 1.1.2 (CVE-2022-29162): bounding, effective and permitted,
     * never inheritable, so a non-root exec gets nothing and ambient cannot be raised.
     */
    @Test
    void execCapAddsNoInheritableOrAmbientCapability() throws Exception {
        Map<String, String> seen = new TreeMap<>();
        for (Path runtime : List.of(runc, berth)) {
            String name = runtime.getFileName().toString();
            Path bundle = bundle(name, c -> {
                Json.map(c, "process").put("args", List.of("sleep", "1000"));
                Json.map(c, "linux").put("cgroupsPath", "/" + dir.getFileName() + "/" + name);
            });
            ok(runtime, "run", "-d", "--bundle", bundle.toString(), name);
            String root = ok(runtime, "exec", "--cap", "CAP_SYS_ADMIN", name, "grep", "^Cap", "/proc/self/status");
            String user = ok(runtime, "exec", "--cap", "CAP_SYS_ADMIN", "--user", "1000:1000", name,
                "grep", "^Cap", "/proc/self/status");
            seen.put(name, root + "--\n" + user);
            ok(runtime, "delete", "-f", name);
        }
        assertEquals(seen.get("runc"), seen.get("berth-runtime"));
        String b = seen.get("berth-runtime");
        assertTrue(b.contains("CapInh:\t0000000000000000\nCapPrm:\t0000000020200420"), b);
        assertTrue(b.endsWith("CapInh:\t0000000000000000\nCapPrm:\t0000000000000000\nCapEff:\t0000000000000000\n"
            + "CapBnd:\t0000000020200420\nCapAmb:\t0000000000000000\n"), "uid 1000 keeps no SYS_ADMIN: " + b);
    }

    /**
     * A caller may run the runtime with stdin, stdout and stderr closed: runc creates the
     * container (and hands it its own internal fds in their place); berth-runtime gives each
     * /dev/null, to itself and to the container.
     */
    @Test
    void closedStdioIsNoError() throws Exception {
        for (Path runtime : List.of(runc, berth)) {
            String name = runtime.getFileName().toString();
            Path bundle = bundle(name, c -> {
                Json.map(c, "process").put("args", List.of("sleep", "1000"));
                Json.map(c, "linux").put("cgroupsPath", "/" + dir.getFileName() + "/" + name);
            });
            OciConsumers.Result r = OciConsumers.run(dir, Map.of(), null, List.of("sh", "-c",
                "exec \"$@\" <&- >&- 2>&-", "sh", runtime.toString(), "create", "--bundle", bundle.toString(),
                "--pid-file", bundle.resolve("pid").toString(), name));
            assertEquals(0, r.code(), name + ": " + r);
            ok(runtime, "start", name);
            long pid = Long.parseLong(Files.readString(bundle.resolve("pid")).strip());
            if (runtime == berth) {
                for (int fd = 0; fd < 3; fd++) {
                    assertEquals(Path.of("/dev/null"), Files.readSymbolicLink(Path.of("/proc/" + pid + "/fd/" + fd)));
                }
            }
            ok(runtime, "delete", "-f", name);
        }
    }

    /** state and list as runc prints them, through the lifecycle. */
    @Test
    void stateAndListDocumentsAsRuncs() throws Exception {
        Map<String, List<Object>> seen = new TreeMap<>();
        for (Path runtime : List.of(runc, berth)) {
            String name = runtime.getFileName().toString();
            Path bundle = bundle("same", c -> {
                Json.map(c, "process").put("args", List.of("sleep", "1000"));
                Json.map(c, "linux").put("cgroupsPath", "/" + dir.getFileName() + "/" + name);
                c.put("annotations", Map.of("org.example.b", "2", "org.example.a", "1"));
            });
            List<Object> docs = new ArrayList<>();
            ok(runtime, "create", "--bundle", bundle.toString(), "s1");
            docs.add(state(runtime, "s1"));
            ok(runtime, "start", "s1");
            docs.add(state(runtime, "s1"));
            ok(runtime, "pause", "s1");
            docs.add(state(runtime, "s1"));
            List<Object> listed = (List<Object>) Json.parse(ok(runtime, "list", "--format", "json"));
            docs.add(comparable((Map<String, Object>) listed.get(0)));
            assertEquals("s1\n", ok(runtime, "list", "-q"));
            ok(runtime, "resume", "s1");
            ok(runtime, "kill", "s1", "KILL");
            OciOracleTest.waitFor("stopped", () -> ok(runtime, "state", "s1").contains("\"stopped\""));
            docs.add(state(runtime, "s1"));
            ok(runtime, "delete", "s1");
            seen.put(name, docs);
        }
        assertEquals(seen.get("runc"), seen.get("berth-runtime"));
        assertEquals("root", ((Map<?, ?>) seen.get("berth-runtime").get(3)).get("owner"), "list fills in the owner");
    }

    /**
     * runc's exit code for each bad input, berth-runtime's message naming the problem, and from
     * either nothing left: no state, cgroup, mount or process.
     */
    @Test
    void badInputFailsAsWithRuncAndLeavesNothing() throws Exception {
        for (Path runtime : List.of(runc, berth)) {
            String name = runtime.getFileName().toString();
            String cg = "/" + dir.getFileName() + "/" + name;
            Edit good = c -> {
                Json.map(c, "process").put("args", List.of("sleep", "1000"));
                Json.map(c, "linux").put("cgroupsPath", cg);
            };
            Path bundle = bundle(name, good);
            Path config = bundle.resolve("config.json");
            String valid = Files.readString(config);

            Files.writeString(config, "{\"ociVersion\": \"1.0.2\", \"process\": ");
            refused(runtime, cg, "config.json", "create", "--bundle", bundle.toString(), "x");
            Files.writeString(config, valid.replace("\"rootfs\"", "\"no-such-rootfs\""));
            refused(runtime, cg, "no-such-rootfs", "create", "--bundle", bundle.toString(), "x");
            for (String hook : List.of("{\"path\": \"/bin/sh\", \"args\": [\"sh\", \"-c\", \"exit 4\"]}",
                "{\"path\": \"/bin/sleep\", \"args\": [\"sleep\", \"31.5\"], \"timeout\": 1}")) {
                Map<String, Object> c = Json.parseObject(valid);
                c.put("hooks", Map.of("createRuntime", List.of(Json.parse(hook))));
                Files.writeString(config, Json.compact(c));
                refused(runtime, cg, hook.contains("timeout") ? "timeout" : "hook", "create", "--bundle",
                    bundle.toString(), "x");
                assertEquals(List.of(), running("sleep\u000031.5"), "the hung hook is killed");
            }
            Files.writeString(config, valid);
            refused(runtime, cg, "does not exist", "state", "x");
            refused(runtime, cg, "does not exist", "kill", "x", "KILL");
            refused(runtime, cg, "does not exist", "delete", "x");
            refused(runtime, cg, "systemd", "--systemd-cgroup", "create", "--bundle", bundle.toString(), "x");

            // with a container: a second of its id, an unknown signal; the first stays as it was
            ok(runtime, "run", "-d", "--bundle", bundle.toString(), "--pid-file", bundle.resolve("pid").toString(), "c1");
            String before = ok(runtime, "state", "c1");
            assertTrue(fails(runtime, "create", "--bundle", bundle.toString(), "c1").contains("exist"));
            assertTrue(fails(runtime, "kill", "c1", "SIGNOPE").contains("unknown signal"));
            ok(runtime, "kill", "c1", "0"); // signals nothing: the process is there
            assertTrue(fails(runtime, "delete", "c1").contains("not stopped"));
            assertEquals(before, ok(runtime, "state", "c1"), name);
            assertTrue(OciConsumers.cgroupExists(cg));
            ok(runtime, "delete", "-f", "c1");
            assertEquals("", ok(runtime, "list", "-q"));
            assertFalse(OciConsumers.cgroupExists(cg));
        }
    }

    /** {@code args} fails with exit 1, says {@code what} (berth-runtime), and leaves nothing. */
    private void refused(Path runtime, String cgroup, String what, String... args) throws Exception {
        String err = fails(runtime, args);
        if (runtime == berth) {
            assertTrue(err.contains(what), what + ": " + err);
        }
        assertFalse(err.strip().contains("\n"), "one line: " + err);
        assertEquals("", ok(runtime, "list", "-q"), "no state");
        Path state = dir.resolve(runtime == berth ? "berth-root" : "runc-root").resolve("x");
        assertFalse(Files.exists(state), "no state dir " + state);
        assertFalse(OciConsumers.cgroupExists(cgroup), "no cgroup " + cgroup);
        assertEquals(List.of(), Host.mountsUnder(dir.resolve("bundles")), "no mount");
        // the stage a call forks goes once it sees the call's end: give it that moment
        for (int i = 0; i < 250 && !Host.processesUnder(dir).isEmpty(); i++) {
            Thread.sleep(20);
        }
        List<String> left = new ArrayList<>();
        for (long pid : Host.processesUnder(dir)) {
            left.add(pid + " " + Files.readString(Path.of("/proc/" + pid + "/cmdline")).replace('\0', ' '));
        }
        assertEquals(List.of(), left, "no process");
    }

    // ----- bundles

    interface Edit {
        void accept(Map<String, Object> config) throws Exception;
    }

    private Path bundle(String name, Edit edit) throws Exception {
        Path bundle = Files.createDirectories(dir.resolve("bundles").resolve(name));
        if (!Files.exists(bundle.resolve("rootfs"))) {
            Process p = new ProcessBuilder("cp", "-a", Rootfs.busybox().toString(), bundle.resolve("rootfs").toString())
                .inheritIO().start();
            assertEquals(0, p.waitFor());
            Files.createDirectories(bundle.resolve("rootfs/run"));
            Files.createDirectories(bundle.resolve("rootfs/ro"));
            Files.createDirectories(bundle.resolve("rootfs/data"));
            Files.createDirectories(bundle.resolve("rootfs/mq"));
        }
        Map<String, Object> c = Json.parseObject(Json.compact(base));
        edit.accept(c);
        Files.writeString(bundle.resolve("config.json"), Json.pretty(c));
        return bundle;
    }

    @SuppressWarnings("unchecked")
    private static List<Object> namespaces(Map<String, Object> linux) {
        List<Object> ns = new ArrayList<>((List<Object>) linux.get("namespaces"));
        linux.put("namespaces", ns);
        return ns;
    }

    @SuppressWarnings("unchecked")
    private static void everySection(Map<String, Object> c, Path src, long holder, String cgroup) throws Exception {
        Map<String, Object> p = Json.map(c, "process");
        p.put("args", List.of("sh", "-c", "mkdir /run/x 2>/run/mkdir.err; echo $? >/run/mkdir.rc;"
            + " touch /run/f; chmod 700 /run/f 2>/run/chmod700.err; echo $? >/run/chmod700.rc;"
            + " chmod 777 /run/f 2>/run/chmod777.err; echo $? >/run/chmod777.rc;"
            + " true 2>/run/fuse.err </dev/fuse2; echo $? >/run/fuse.rc;"
            + " true 2>/run/kmsg.err </dev/kmsg2; echo $? >/run/kmsg.rc;"
            + " touch /run/ready; exec sleep 1000"));
        p.put("user", Map.of("uid", 0, "gid", 0, "umask", 23, "additionalGids", List.of(5, 7, 1234)));
        List<String> caps = List.of("CAP_KILL", "CAP_NET_BIND_SERVICE", "CAP_AUDIT_WRITE", "CAP_CHOWN");
        List<String> bounding = new ArrayList<>(caps);
        bounding.add("CAP_SYS_ADMIN");
        p.put("capabilities", Map.of("bounding", bounding, "effective", caps, "permitted", caps,
            "inheritable", List.of("CAP_CHOWN", "CAP_KILL"), "ambient", List.of("CAP_CHOWN")));
        p.put("rlimits", List.of(Map.of("type", "RLIMIT_NOFILE", "soft", 1000, "hard", 2048),
            Map.of("type", "RLIMIT_CORE", "soft", 0, "hard", 0)));
        p.put("noNewPrivileges", true);
        p.put("oomScoreAdj", 421);
        c.put("hostname", "kh");
        Json.map(c, "root").put("readonly", true);
        List<Object> mounts = new ArrayList<>((List<Object>) c.get("mounts"));
        mounts.add(Map.of("destination", "/ro", "type", "bind", "source", src.toString(),
            "options", List.of("rbind", "rro", "nosuid")));
        mounts.add(Map.of("destination", "/data", "type", "tmpfs", "source", "tmpfs",
            "options", List.of("nosuid", "nodev", "noexec", "size=1m", "mode=711")));
        mounts.add(Map.of("destination", "/mq", "type", "mqueue", "source", "mqueue",
            "options", List.of("nosuid", "nodev", "noexec")));
        mounts.add(Map.of("destination", "/run", "type", "tmpfs", "source", "tmpfs", "options", List.of("nosuid")));
        c.put("mounts", mounts);
        Map<String, Object> linux = Json.map(c, "linux");
        linux.put("namespaces", List.of(Map.of("type", "pid"), Map.of("type", "mount"), Map.of("type", "ipc"),
            Map.of("type", "cgroup"), Map.of("type", "uts", "path", "/proc/" + holder + "/ns/uts"),
            Map.of("type", "network", "path", "/proc/" + holder + "/ns/net")));
        linux.put("sysctl", Map.of("kernel.shmmax", "123456789", "net.ipv4.ip_unprivileged_port_start", "99"));
        linux.put("rootfsPropagation", "rslave");
        linux.put("cgroupsPath", cgroup);
        linux.put("resources", Json.parseObject("""
            {"memory": {"limit": 67108864, "reservation": 33554432},
             "cpu": {"shares": 512, "quota": 50000, "period": 100000, "cpus": "0", "mems": "0"},
             "pids": {"limit": 42},
             "devices": [{"allow": false, "access": "rwm"}, {"allow": true, "type": "c", "major": 1, "minor": 3, "access": "rwm"}]}"""));
        // neither is in the allow-list: a node of linux.devices is made, not allowed (runc's rule)
        linux.put("devices", List.of(Map.of("path", "/dev/kmsg2", "type", "c", "major", 1, "minor", 11,
            "fileMode", 416, "uid", 0, "gid", 0), Map.of("path", "/dev/fuse2", "type", "c", "major", 10, "minor", 229,
            "fileMode", 438)));
        List<Object> masked = new ArrayList<>((List<Object>) linux.get("maskedPaths"));
        masked.add("/etc");
        linux.put("maskedPaths", masked);
        linux.put("readonlyPaths", List.of("/proc/sys", "/data"));
        linux.put("seccomp", Json.parseObject("""
            {"defaultAction": "SCMP_ACT_ALLOW", "architectures": ["SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32"],
             "syscalls": [
              {"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_ERRNO", "errnoRet": 38},
              {"names": ["chmod"], "action": "SCMP_ACT_ERRNO", "errnoRet": 13,
               "args": [{"index": 1, "value": 511, "op": "SCMP_CMP_EQ"}]},
              {"names": ["fchmodat"], "action": "SCMP_ACT_ERRNO", "errnoRet": 13,
               "args": [{"index": 2, "value": 511, "op": "SCMP_CMP_EQ"}]}]}"""));
    }

    // ----- observations from outside

    /** The container of {@code pid} as /proc, nsenter and its /dev show it, before it starts. */
    private static Map<String, String> observe(long pid, long holder) throws Exception {
        Map<String, String> o = new TreeMap<>();
        for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
            String key = line.substring(0, line.indexOf(':'));
            if (List.of("Umask", "Uid", "Gid", "Groups", "NoNewPrivs", "CapInh", "CapPrm", "CapEff", "CapBnd", "CapAmb")
                .contains(key)) {
                o.put(key, line.substring(line.indexOf(':') + 1).strip());
            }
        }
        o.put("oom_score_adj", Files.readString(Path.of("/proc/" + pid + "/oom_score_adj")).strip());
        for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/limits"))) {
            for (String l : List.of("Max open files", "Max core file size", "Max processes")) {
                if (line.startsWith(l)) {
                    String[] v = line.substring(l.length()).trim().split("\\s+");
                    o.put("limit " + l, v[0] + " " + v[1]);
                }
            }
        }
        for (String kind : List.of("pid", "mnt", "ipc", "cgroup", "uts", "net", "user")) {
            String ns = Host.ns(pid, kind);
            o.put("ns " + kind, ns.equals(Host.ownNs(kind)) ? "host" : ns.equals(Host.ns(holder, kind)) ? "holder" : "new");
        }
        String p = Long.toString(pid);
        o.put("hostname", sh("nsenter", "-t", p, "-u", "hostname"));
        o.put("sysctl kernel.shmmax", sh("nsenter", "-t", p, "-i", "cat", "/proc/sys/kernel/shmmax"));
        o.put("sysctl net.ipv4.ip_unprivileged_port_start",
            sh("nsenter", "-t", p, "-n", "cat", "/proc/sys/net/ipv4/ip_unprivileged_port_start"));
        // mount point: type and per-mount options (the super options differ: runc's masking tmpfs has no size)
        for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/mountinfo"))) {
            String[] f = line.split(" ");
            int dash = List.of(f).indexOf("-");
            String key = "mount " + f[4];
            o.put(key, o.containsKey(key) ? o.get(key) + " | " + f[dash + 1] + " " + f[5] : f[dash + 1] + " " + f[5]);
            if (f[4].equals("/")) {
                String prop = "private";
                for (int i = 6; i < dash; i++) {
                    prop = f[i].startsWith("master:") ? "master" : f[i].startsWith("shared:") ? "shared" : prop;
                }
                o.put("propagation /", prop);
            }
        }
        // /dev: each node's type, numbers (decimal) and mode, each directory's mode, each link's target
        String dev = sh("sh", "-c", "cd /proc/" + pid + "/root/dev && for f in $(find . -mindepth 1 -maxdepth 2 | sort); do"
            + " if [ -L $f ]; then echo \"$f -> $(readlink $f)\"; elif [ -c $f ]; then"
            + " echo \"$f c $(printf %d:%d 0x$(stat -c %t $f) 0x$(stat -c %T $f)) $(stat -c %A $f | cut -c2-)\";"
            + " elif [ -d $f ]; then echo \"$f d $(stat -c %A $f | cut -c2-)\"; fi; done");
        for (String line : dev.split("\n")) {
            int space = line.indexOf(' ');
            o.put("dev " + line.substring(2, space), line.substring(space + 1));
        }
        return o;
    }

    /** The limits of the v1 hierarchies as the kernel holds them (devices.list differs: see docs/oci.md). */
    private static Map<String, String> cgroupFiles(String path) throws IOException {
        Map<String, String> o = new TreeMap<>();
        String[][] files = {{"memory", "memory.limit_in_bytes"}, {"memory", "memory.soft_limit_in_bytes"},
            {"cpu", "cpu.shares"}, {"cpu", "cpu.cfs_quota_us"}, {"cpu", "cpu.cfs_period_us"},
            {"cpuset", "cpuset.cpus"}, {"cpuset", "cpuset.mems"}, {"pids", "pids.max"}};
        for (String[] f : files) {
            Path file = Path.of("/sys/fs/cgroup", f[0], path.substring(1), f[1]);
            o.put(f[1], Files.exists(file) ? Files.readString(file).strip() : "(none)");
        }
        return o;
    }

    /** What the started process found: seccomp on, its denied calls, the device cgroup. */
    private static Map<String, String> afterStart(long pid) throws IOException {
        Map<String, String> o = new TreeMap<>();
        for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
            if (line.startsWith("Seccomp:")) {
                o.put("Seccomp", line.substring(8).strip());
            }
        }
        Path run = Path.of("/proc/" + pid + "/root/run");
        o.put("mkdir", result(run, "mkdir"));
        o.put("chmod 777", result(run, "chmod777"));
        o.put("chmod 700", Files.readString(run.resolve("chmod700.rc")).strip() + " "
            + Integer.toOctalString((Integer) Files.getAttribute(run.resolve("f"), "unix:mode") & 0777));
        o.put("/dev/fuse2", result(run, "fuse"));
        o.put("/dev/kmsg2", result(run, "kmsg"));
        return o;
    }

    private static String result(Path run, String name) throws IOException {
        return Files.readString(run.resolve(name + ".rc")).strip() + " " + Files.readString(run.resolve(name + ".err")).strip();
    }

    private Object state(Path runtime, String id) throws Exception {
        return comparable(Json.parseObject(ok(runtime, "state", id)));
    }

    /** A state document without what differs between any two runs: pid, time, runtime version. */
    private static Map<String, Object> comparable(Map<String, Object> s) {
        Map<String, Object> m = new TreeMap<>(s);
        assertTrue(m.remove("created").toString().matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d(\\.\\d+)?Z"), s.toString());
        m.put("pid", ((Number) m.get("pid")).longValue() > 0 ? "some" : "0");
        m.remove("ociVersion");
        m.put("bundle", Path.of(m.get("bundle").toString()).getFileName().toString());
        m.put("rootfs", Path.of(m.get("rootfs").toString()).getFileName().toString());
        return m;
    }

    // ----- commands

    private String ok(Path runtime, String... args) throws Exception {
        OciConsumers.Result r = OciConsumers.run(dir, Map.of(), null, command(runtime, args));
        assertEquals(0, r.code(), () -> runtime.getFileName() + " " + String.join(" ", args) + ": " + r);
        return r.out();
    }

    /** Runs a command that must fail with runc's exit code 1; its stderr. */
    private String fails(Path runtime, String... args) throws Exception {
        OciConsumers.Result r = OciConsumers.run(dir, Map.of(), null, command(runtime, args));
        assertEquals(1, r.code(), () -> runtime.getFileName() + " " + String.join(" ", args) + ": " + r);
        return r.err();
    }

    private static List<String> command(Path runtime, String... args) {
        List<String> cmd = new ArrayList<>(List.of(runtime.toString()));
        cmd.addAll(List.of(args));
        return cmd;
    }

    private static String sh(String... cmd) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes()).strip();
        assertTrue(p.waitFor(30, TimeUnit.SECONDS));
        return out;
    }

    /** Live processes whose command line contains {@code text}. */
    private static List<Long> running(String text) {
        List<Long> out = new ArrayList<>();
        ProcessHandle.allProcesses().forEach(p -> {
            try {
                if (Files.readString(Path.of("/proc/" + p.pid() + "/cmdline")).contains(text) && Host.running(p.pid())) {
                    out.add(p.pid());
                }
            } catch (IOException | RuntimeException e) {
                // gone meanwhile
            }
        });
        return out;
    }

    static void waitFor(String what, OciConsumers.Check c) throws Exception {
        OciConsumers.waitFor(what, c);
    }
}
