package dev.berth.runtime.oci;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.berth.linux.NsKind;
import dev.berth.runtime.IdMap;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class OciSpecReaderTest {
    @TempDir
    Path dir;

    /** The oracle: what the installed runc writes must read and check cleanly. */
    @Test
    void runcSpecOutputReadsAndValidates() throws Exception {
        assumeTrue(OciBundles.haveRunc(), "runc is not installed");
        Path plain = Files.createDirectories(dir.resolve("plain"));
        OciBundles.runc(plain, "spec");
        Files.createDirectories(plain.resolve("rootfs"));
        OciSpec spec = OciSpecReader.read(plain);
        assertEquals(List.of("sh"), spec.process().args());
        assertTrue(spec.process().terminal());
        assertEquals(plain.toRealPath().resolve("rootfs"), spec.root().path());
        assertEquals(plain.toRealPath(), spec.bundle());
        assertTrue(spec.root().readonly());
        assertEquals("runc", spec.hostname());
        assertEquals(7, spec.mounts().size());
        assertEquals(List.of("CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE"),
            spec.process().capabilities().bounding());
        assertEquals(List.of(new OciProcess.Rlimit("RLIMIT_NOFILE", 1024, 1024)), spec.process().rlimits());
        assertTrue(spec.linux().creates("mount"));
        assertFalse(spec.linux().has("user"));
        assertEquals("rwm", ((Map<?, ?>) ((List<?>) spec.linux().resources().get("devices")).get(0)).get("access"));

        Path rootless = Files.createDirectories(dir.resolve("rootless"));
        OciBundles.runc(rootless, "spec", "--rootless");
        Files.createDirectories(rootless.resolve("rootfs"));
        OciSpec rl = OciSpecReader.read(rootless);
        assertTrue(rl.linux().creates("user"));
        assertFalse(rl.linux().has("network"));
        long euid = OciDefaults.effectiveIds()[0];
        assertEquals(new IdMap(0, euid, 1), rl.linux().uidMappings().get(0).toIdMap());
        assertTrue(rl.mounts().get(5).parsedOptions().isBind()); // /sys is an rbind of the host's
    }

    @Test
    void defaultsRoundTrip() throws Exception {
        for (boolean rootless : new boolean[] {false, true}) {
            Path b = OciBundles.bundle(Files.createDirectories(dir.resolve("b" + rootless)), OciDefaults.json(rootless));
            OciSpec spec = OciSpecReader.read(b);
            Map<String, Object> want = OciDefaults.spec(rootless);
            assertEquals(OciSpec.VERSION, spec.ociVersion());
            assertEquals(((List<?>) want.get("mounts")).size(), spec.mounts().size());
            for (int i = 0; i < spec.mounts().size(); i++) {
                Map<?, ?> m = (Map<?, ?>) ((List<?>) want.get("mounts")).get(i);
                OciMount got = spec.mounts().get(i);
                assertEquals(m.get("destination"), got.destination());
                assertEquals(m.get("type"), got.type());
                assertEquals(m.get("source"), got.source());
                assertEquals(m.get("options") == null ? List.of() : m.get("options"), got.options());
            }
            Map<?, ?> linux = (Map<?, ?>) want.get("linux");
            List<?> nss = (List<?>) linux.get("namespaces");
            assertEquals(nss.size(), spec.linux().namespaces().size());
            for (int i = 0; i < nss.size(); i++) {
                assertEquals(((Map<?, ?>) nss.get(i)).get("type"), spec.linux().namespaces().get(i).type());
            }
            assertEquals(linux.get("maskedPaths"), spec.linux().maskedPaths());
            assertEquals(linux.get("readonlyPaths"), spec.linux().readonlyPaths());
            assertEquals(rootless, spec.linux().has("user"));
            assertEquals(rootless ? null : linux.get("resources"), spec.linux().resources());
            assertEquals(List.of(), spec.process().capabilities().ambient());
            assertTrue(spec.process().noNewPrivileges());
        }
    }

    @Test
    void everyFieldIsRead() throws Exception {
        Files.createDirectories(dir.resolve("data"));
        String json = """
            {
              "ociVersion": "1.2.0",
              "unknownTopLevel": {"ignored": [1, 2]},
              "process": {
                "terminal": true,
                "consoleSize": {"height": 24, "width": 80},
                "user": {"uid": 1000, "gid": 1000, "umask": 18, "additionalGids": [5, 6], "username": "ignored"},
                "args": ["/bin/sh", "-c", "true"],
                "commandLine": "windows only",
                "env": ["PATH=/bin", "EMPTY="],
                "cwd": "/home",
                "capabilities": {"bounding": ["CAP_KILL"], "effective": ["CAP_KILL"],
                  "inheritable": ["CAP_KILL"], "permitted": ["CAP_KILL"], "ambient": ["CAP_KILL"]},
                "rlimits": [{"type": "RLIMIT_CORE", "hard": 18446744073709551615, "soft": 18446744073709551615},
                            {"type": "RLIMIT_NOFILE", "hard": 4096, "soft": 1024}],
                "noNewPrivileges": true,
                "oomScoreAdj": -500,
                "ioPriority": {"class": "IOPRIO_CLASS_BE", "priority": 4},
                "scheduler": {"policy": "SCHED_DEADLINE", "flags": ["SCHED_FLAG_RESET_ON_FORK"],
                  "runtime": 10000000, "deadline": 20000000, "period": 30000000},
                "execCPUAffinity": {"initial": "0", "final": "0-3, 7"}
              },
              "root": {"path": "rootfs"},
              "hostname": "box",
              "domainname": "example.org",
              "mounts": [
                {"destination": "/data", "source": "data", "options": ["rbind", "ro", "rprivate"]},
                {"destination": "/tmp", "type": "tmpfs", "source": "tmpfs", "options": ["nosuid", "size=1m", "tmpcopyup"]}
              ],
              "hooks": {
                "createRuntime": [{"path": "/usr/bin/hook", "args": ["hook", "a"], "env": ["X=1"], "timeout": 5}],
                "poststop": [{"path": "/usr/bin/cleanup"}],
                "someFutureHook": [{"path": "relative is fine here: unknown members are ignored"}]
              },
              "annotations": {"z": "1", "a": "2"},
              "linux": {
                "namespaces": [{"type": "pid"}, {"type": "network"},
                  {"type": "mount"}, {"type": "ipc", "path": "/proc/self/ns/ipc"}, {"type": "uts"}, {"type": "user"}, {"type": "cgroup"},
                  {"type": "time"}],
                "uidMappings": [{"containerID": 0, "hostID": 100000, "size": 65536}],
                "gidMappings": [{"containerID": 0, "hostID": 100000, "size": 65536}],
                "timeOffsets": {"monotonic": {"secs": -10}, "boottime": {"secs": 3600, "nanosecs": 5}},
                "devices": [{"type": "c", "path": "/dev/fuse", "major": 10, "minor": 229, "fileMode": 438, "uid": 0, "gid": 0},
                            {"type": "p", "path": "/dev/fifo"}],
                "cgroupsPath": "/berth/box",
                "resources": {"memory": {"limit": 1048576}, "devices": [{"allow": false, "access": "rwm"}]},
                "rootfsPropagation": "rslave",
                "seccomp": {"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["getcwd"], "action": "SCMP_ACT_ERRNO"}]},
                "sysctl": {"net.ipv4.ip_forward": "1", "kernel.shmmax": "1", "kernel.domainname": "x", "fs.mqueue.msg_max": "10"},
                "maskedPaths": ["/proc/kcore"],
                "readonlyPaths": ["/proc/sys"],
                "personality": {"domain": "LINUX32", "flags": []},
                "memoryPolicy": {"mode": "MPOL_BIND"}
              }
            }
            """;
        OciSpec s = OciSpecReader.read(OciBundles.bundle(dir, json));
        Path bundle = dir.toRealPath();

        OciProcess p = s.process();
        assertEquals(new OciProcess.ConsoleSize(24, 80), p.consoleSize());
        assertEquals(new OciProcess.User(1000, 1000, 18L, List.of(5L, 6L), "ignored"), p.user());
        assertEquals("/home", p.cwd());
        assertEquals(List.of("CAP_KILL"), p.capabilities().ambient());
        assertEquals(-1L, p.rlimits().get(0).hard()); // RLIM_INFINITY in a long's bits
        assertEquals(4, p.rlimits().get(0).resource());
        assertEquals(Integer.valueOf(-500), p.oomScoreAdj());
        assertEquals(2 << 13 | 4, p.ioPriority().ioprio());
        assertEquals(new OciProcess.Scheduler("SCHED_DEADLINE", 0, 0, List.of("SCHED_FLAG_RESET_ON_FORK"),
            10_000_000, 20_000_000, 30_000_000), p.scheduler());
        assertEquals(new OciProcess.CpuAffinity("0", "0-3, 7"), p.execCPUAffinity());

        assertEquals(bundle.resolve("rootfs"), s.root().path());
        assertFalse(s.root().readonly());
        assertEquals("example.org", s.domainname());
        assertEquals(bundle.resolve("data").toString(), s.mounts().get(0).source());
        assertEquals("tmpfs", s.mounts().get(1).source()); // not a bind mount: left as it is
        assertTrue(s.mounts().get(1).parsedOptions().tmpcopyup());
        assertEquals(new OciHooks.Hook("/usr/bin/hook", List.of("hook", "a"), List.of("X=1"), 5),
            s.hooks().createRuntime().get(0));
        assertNull(s.hooks().poststop().get(0).timeout());
        assertEquals(List.of("z", "a"), List.copyOf(s.annotations().keySet())); // document order

        OciLinux l = s.linux();
        assertEquals(NsKind.IPC, l.namespace("ipc").kind());
        assertTrue(l.namespace("ipc").joins());
        assertFalse(l.namespace("network").joins());
        assertTrue(l.creates("time"));
        assertEquals("monotonic -10 0\nboottime 3600 5\n", l.timensOffsets());
        assertEquals(new OciDevice("c", "/dev/fuse", 10, 229, 438L, 0L, 0L), l.devices().get(0));
        assertEquals(new OciDevice("p", "/dev/fifo", 0, 0, null, null, null), l.devices().get(1));
        assertEquals("/berth/box", l.cgroupsPath());
        assertEquals("SCMP_ACT_ALLOW", l.seccomp().get("defaultAction"));
        assertEquals(Map.of("limit", 1048576), l.resources().get("memory"));
        assertThrows(UnsupportedOperationException.class, () -> l.resources().put("x", 1));
        assertEquals("rslave", l.rootfsPropagation());
        assertEquals(4, l.sysctl().size());
        assertEquals(0x0008, l.personality().persona());
        assertNull(l.intelRdt());
    }

    /** The runtime's own network namespace is refused (see the table); a new one is fine. */
    @Test
    void netSysctlInANewNetworkNamespaceIsFine() throws Exception {
        String json = OciBundles.edit(OciBundles.base(), "linux.sysctl", "{\"net.ipv4.ip_forward\": \"1\"}");
        OciSpecReader.read(OciBundles.bundle(dir, json)); // a new one: fine
    }

    @Test
    void nullReadsAsAbsentAndProcessIsOptional() throws Exception {
        String json = OciBundles.edit(OciBundles.base(), "hostname", "null");
        json = OciBundles.edit(json, "process", "null");
        json = OciBundles.edit(json, "linux.seccomp", "null");
        OciSpec s = OciSpecReader.read(OciBundles.bundle(dir, json));
        assertNull(s.process());
        assertEquals("", s.hostname());
        assertNull(s.linux().seccomp());
    }

    @Test
    void joinedUserNamespaceTakesNoMappingChecks() throws Exception {
        String json = OciBundles.edit(OciBundles.base(), "linux.namespaces[+]",
            "{\"type\": \"user\", \"path\": \"/proc/self/ns/user\"}");
        OciSpec s = OciSpecReader.read(OciBundles.bundle(dir, json));
        assertTrue(s.linux().namespace("user").joins());
    }

    @Test
    void processJson() throws Exception {
        OciProcess p = OciSpecReader.parseProcess("""
            {"args": ["ls"], "cwd": "/", "user": {"uid": 5}, "env": ["A=b"]}""", "process.json");
        assertEquals(5, p.user().uid());
        assertEquals(List.of("A=b"), p.env());
        Path file = Files.writeString(dir.resolve("p.json"), "{\"args\": [], \"cwd\": \"/\"}");
        assertEquals("p.json: args is empty (name the program to run)",
            assertThrows(OciSpecException.class, () -> OciSpecReader.readProcess(file)).getMessage());
    }

    @Test
    void aBundleReachedThroughASymlinkReadsAsItsRealPath() throws Exception {
        Path real = OciBundles.bundle(Files.createDirectories(dir.resolve("real")), OciBundles.base());
        Path link = Files.createSymbolicLink(dir.resolve("link"), real);
        OciSpec s = OciSpecReader.read(link);
        assertEquals(real.toRealPath(), s.bundle());
        assertEquals(real.toRealPath().resolve("rootfs"), s.root().path());
    }

    @Test
    void versions() {
        for (String ok : new String[] {"1.0.0", "1.0.2-dev", "1.2.1", "1.0.0-rc5+build.7", "1.3.0"}) {
            assertTrue(OciValidator.isVersion1(ok), ok);
        }
        for (String bad : new String[] {"", "1", "1.0", "1..0", "1.0.x", "0.5.0", "2.0.0", "1.0.0-", "v1.0.0", "1.0.0.0"}) {
            assertFalse(OciValidator.isVersion1(bad), bad);
        }
    }

    @Test
    void sysctlSlashesSwapWithDots() {
        assertEquals("net.ipv4.conf.eno2/100.rp_filter", OciValidator.dotted("net/ipv4/conf/eno2.100/rp_filter"));
        assertEquals("net.ipv4.ip_forward", OciValidator.dotted("net.ipv4.ip_forward"));
        assertEquals("net.ipv4.conf.eno2/100.rp_filter", OciValidator.dotted("net.ipv4.conf.eno2/100.rp_filter"));
    }
}
