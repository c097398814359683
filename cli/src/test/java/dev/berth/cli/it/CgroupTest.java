package dev.berth.cli.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Resource limits, read from the kernel's cgroup files of the container's process. */
class CgroupTest extends ContainerTestBase {
    @Test
    void limitsAreInTheContainersCgroupAndItGoesWithTheContainer() throws Exception {
        String id = berth.ok("run", "-d", "--name", "c", "-m", "64m", "--pids-limit", "20", "--cpus", "0.5",
            "host", "sleep", "60").strip();
        long pid = Host.pid(berth, "c");
        String cgroups = Files.readString(Path.of("/proc/" + pid + "/cgroup"));
        assertTrue(cgroups.contains(berth.cgroupParent() + "/" + id), cgroups);
        Path memory = dir("memory", id);
        Path pids = dir("pids", id);
        if (memory != null) {
            assertEquals("67108864", Files.readString(memory.resolve("memory.limit_in_bytes")).strip());
        }
        if (pids != null) {
            assertEquals("20", Files.readString(pids.resolve("pids.max")).strip());
        }
        String exec = berth.ok("exec", "c", "cat", "/proc/self/cgroup");
        assertTrue(exec.lines().allMatch(l -> l.endsWith(":/")), "exec joins the container's cgroup: " + exec);
        berth.ok("rm", "-f", "c");
        assertTrue(memory == null || !Files.exists(memory), "the cgroup is removed with the container");
    }

    @Test
    void theContainerReadsItsOwnLimitsInAReadOnlyCgroupMount() throws Exception {
        // what a JVM or a Go runtime reads to size itself: the container's own cgroup, not the host's
        String out = berth.ok("run", "--rm", "-m", "64m", "host", "sh", "-c",
            "cat /sys/fs/cgroup/memory/memory.limit_in_bytes 2>/dev/null || cat /sys/fs/cgroup/memory.max;"
                + " f=/sys/fs/cgroup/cgroup.procs; [ -d /sys/fs/cgroup/pids ] && f=/sys/fs/cgroup/pids/cgroup.procs;"
                + " echo 1 > $f || echo refused");
        List<String> lines = out.strip().lines().toList();
        assertEquals("67108864", lines.get(0), out);
        assertEquals("refused", lines.get(lines.size() - 1), out);
        String java = ProcessHandle.current().info().command().orElseThrow();
        String settings = berth.ok("run", "--rm", "-m", "64m", "host", "sh", "-c", java + " -XshowSettings:system -version 2>&1");
        assertTrue(settings.contains("Memory Limit: 64.00M"), "the JVM sees its limit: " + settings);
    }

    /** run's other limits, each in its kernel file: swap, shares, the cpuset. */
    @Test
    void swapSharesAndCpusetAreInTheirFiles() throws Exception {
        String id = berth.ok("run", "-d", "--name", "c", "-m", "64m", "--memory-swap", "96m", "--cpu-shares", "512",
            "--cpuset-cpus", "0", "host", "sleep", "60").strip();
        Path memory = dir("memory", id);
        if (memory != null && Files.exists(memory.resolve("memory.memsw.limit_in_bytes"))) {
            assertEquals("100663296", Files.readString(memory.resolve("memory.memsw.limit_in_bytes")).strip());
        }
        // v2: cpu.weight by runc's and crun's formula (docs/cgroups.md)
        assertEquals(Files.isDirectory(Path.of("/sys/fs/cgroup/cpu")) ? "512" : "59",
            Host.cgroupValue(berth, id, "cpu", "cpu.shares", "cpu.weight"));
        assertEquals("0", Host.cgroupValue(berth, id, "cpuset", "cpuset.cpus", "cpuset.cpus"));
        long pid = Host.pid(berth, "c");
        String allowed = Files.readAllLines(Path.of("/proc/" + pid + "/status")).stream()
            .filter(l -> l.startsWith("Cpus_allowed_list:")).findFirst().orElseThrow();
        assertEquals("0", allowed.substring(allowed.indexOf(':') + 1).strip(), "the process runs on CPU 0 alone");
    }

    @Test
    void aSeccompProfileFileIsCompiledAndEnforced() throws Exception {
        Path profile = Files.createTempFile(berth.root(), "seccomp", ".json");
        Files.writeString(profile, """
            {"defaultAction": "SCMP_ACT_ALLOW",
             "syscalls": [{"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_ERRNO", "errnoRet": 38}]}""");
        Berth.Result r = berth.run("run", "--rm", "--security-opt", "seccomp=" + profile, "host", "sh", "-c",
            "grep Seccomp: /proc/self/status; mkdir /tmp/x; echo rc=$?");
        assertTrue(r.out().contains("Seccomp:\t2"), r.out() + r.err());
        assertTrue(r.err().contains("Function not implemented") && r.out().contains("rc=1"), r.out() + r.err());
        Berth.Result bad = berth.run("run", "--rm", "--security-opt", "seccomp=" + profile + ".missing", "host", "true");
        assertEquals(125, bad.code(), bad.err());
        assertTrue(bad.err().contains(profile + ".missing"), bad.err());
    }

    @Test
    void badLimitsAreRejected() throws Exception {
        Berth.Result r = berth.run("run", "--rm", "-m", "1k", "host", "true");
        assertEquals(125, r.code());
        assertTrue(r.err().contains("minimum memory limit"), r.err());
        Berth.Result s = berth.run("run", "--rm", "-m", "lots", "host", "true");
        assertEquals(125, s.code());
        assertTrue(s.err().contains("invalid size"), s.err());
    }

    @Test
    void defaultSeccompFilterAndItsOptions() throws Exception {
        assertTrue(berth.ok("run", "--rm", "host", "grep", "Seccomp:", "/proc/self/status").contains("2"));
        assertTrue(berth.ok("run", "--rm", "--security-opt", "seccomp=unconfined", "host", "grep", "Seccomp:",
            "/proc/self/status").contains("0"));
        // the default profile refuses what docker's does, even with the capability for it
        Berth.Result r = berth.run("run", "--rm", "--cap-add", "SYS_ADMIN", "--security-opt", "seccomp=unconfined",
            "host", "unshare", "-U", "true");
        assertEquals(0, r.code(), r.err());
        Berth.Result denied = berth.run("run", "--rm", "host", "unshare", "-U", "true");
        assertFalse(denied.code() == 0, "a new user namespace must be refused by the default profile");
    }

    /** The container's directory in a v1 hierarchy, or null on a host without it. */
    private Path dir(String controller, String id) {
        Path d = Path.of("/sys/fs/cgroup", controller, berth.cgroupParent().substring(1), id);
        return Files.isDirectory(Path.of("/sys/fs/cgroup", controller)) ? d : null;
    }
}
