package dev.berth.cli.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** berth update: the new limits in the kernel's cgroup files and in inspect, and run's errors for bad ones. */
class UpdateTest extends ContainerTestBase {
    private String limits(String ref) throws Exception {
        return berth.ok("inspect", "-f", "{{.HostConfig.Memory}} {{.HostConfig.MemorySwap}}"
            + " {{.HostConfig.MemoryReservation}} {{.HostConfig.NanoCpus}} {{.HostConfig.CpuShares}}"
            + " {{.HostConfig.CpusetCpus}} {{.HostConfig.PidsLimit}}", ref).strip();
    }

    @Test
    void aRunningContainersCgroupAndHostConfigGetTheNewLimits() throws Exception {
        String id = berth.ok("run", "-d", "--name", "u", "-m", "64m", "host", "sleep", "60").strip();
        assertEquals("u\n", berth.ok("update", "-m", "100m", "--memory-swap", "200m", "--memory-reservation", "32m",
            "--cpus", "0.5", "--cpu-shares", "512", "--cpuset-cpus", "0", "--pids-limit", "30", "u"));
        assertEquals("104857600", Host.cgroupValue(berth, id, "memory", "memory.limit_in_bytes", "memory.max"));
        assertEquals("33554432", Host.cgroupValue(berth, id, "memory", "memory.soft_limit_in_bytes", "memory.low"));
        Path memsw = Host.cgroupDir(berth, id, "memory").resolve("memory.memsw.limit_in_bytes");
        Path swap = Host.cgroupDir(berth, id, "memory").resolve("memory.swap.max");
        if (Files.exists(memsw)) {
            assertEquals("209715200", Files.readString(memsw).strip());
        } else if (Files.exists(swap)) {
            assertEquals("104857600", Files.readString(swap).strip(), "v2: swap alone");
        }
        String quota = Host.cgroupValue(berth, id, "cpu", "cpu.cfs_quota_us", "cpu.max");
        assertTrue(quota.equals("50000") || quota.equals("50000 100000"), quota);
        assertEquals("0", Host.cgroupValue(berth, id, "cpuset", "cpuset.cpus", "cpuset.cpus"));
        assertEquals("30", Host.cgroupValue(berth, id, "pids", "pids.max", "pids.max"));
        assertEquals("104857600 209715200 33554432 500000000 512 0 30", limits("u"));
        assertTrue(berth.ok("stats", "--no-stream", "--format", "{{.MemUsage}}", "u").strip().endsWith(" / 100MiB"));
    }

    @Test
    void theNewPidsLimitHoldsForTheContainersProcesses() throws Exception {
        berth.ok("run", "-d", "--name", "p", "host", "sleep", "60");
        berth.ok("update", "--pids-limit", "3", "p");
        // sleep 60, the exec's shell and one sleep: the second fork is refused
        Berth.Result refused = berth.run("exec", "p", "sh", "-c", "sleep 0 & sleep 0 & sleep 0 & wait");
        assertNotEquals(0, refused.code());
        assertTrue(refused.err().contains("fork"), refused.err());
        berth.ok("update", "--pids-limit", "-1", "p");
        berth.ok("exec", "p", "sh", "-c", "sleep 0 & sleep 0 & sleep 0 & wait");
    }

    @Test
    void aStoppedContainerKeepsItsNewLimitsInItsHostConfig() throws Exception {
        berth.ok("run", "-d", "--name", "s", "host", "true");
        berth.ok("run", "-d", "--name", "t", "host", "true");
        assertEquals("0", berth.ok("wait", "s").strip());
        assertEquals("0", berth.ok("wait", "t").strip());
        assertEquals("s\nt\n", berth.ok("update", "-m", "32m", "--memory-swap", "-1", "--cpus", "1", "s", "t"));
        assertEquals("33554432 -1 0 1000000000 0  0", limits("s"));
        assertEquals(limits("s"), limits("t"));
    }

    @Test
    void badValuesGetRunsErrorsAndChangeNothing() throws Exception {
        String id = berth.ok("run", "-d", "--name", "e", "-m", "64m", "host", "sleep", "60").strip();
        expect(125, "minimum memory limit allowed is 6MB", "update", "-m", "1k", "e");
        expect(125, "invalid size \"lots\" for --memory", "update", "-m", "lots", "e");
        expect(125, "update the memoryswap at the same time", "update", "-m", "200m", "e");
        expect(125, "cpu.shares must be between 2 and 262144", "update", "-c", "1", "e");
        expect(125, "range of CPUs", "update", "--cpus", "999", "e");
        expect(125, "not a number", "update", "--pids-limit", "many", "e");
        expect(125, "provide one or more flags", "update", "e");
        expect(125, "requires at least 1 argument", "update", "-m", "100m");
        expect(1, "no such container: nosuch", "update", "-m", "100m", "nosuch");
        assertEquals("67108864 134217728 0 0 0  0", limits("e"));
        assertEquals("67108864", Host.cgroupValue(berth, id, "memory", "memory.limit_in_bytes", "memory.max"));
    }

    private void expect(int code, String message, String... args) throws Exception {
        Berth.Result r = berth.run(args);
        assertEquals(code, r.code(), String.join(" ", args) + ": " + r.err());
        assertTrue(r.err().contains(message), String.join(" ", args) + ": " + r.err());
    }
}
