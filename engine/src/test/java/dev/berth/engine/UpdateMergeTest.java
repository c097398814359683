package dev.berth.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.berth.runtime.cgroup.Cgroup;
import dev.berth.runtime.cgroup.Cgroups;
import dev.berth.runtime.cgroup.Resources;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** berth update's rules: what it merges, checks, writes to the cgroup and records in HostConfig. */
class UpdateMergeTest {
    @TempDir
    Path tmp;

    /** HostConfig as berth run records it for -m 64m (swap defaults to twice the memory). */
    private static Map<String, Object> host64m() {
        Map<String, Object> h = new LinkedHashMap<>();
        h.put("Memory", 64L << 20);
        h.put("MemorySwap", 128L << 20);
        h.put("MemoryReservation", 0);
        h.put("NanoCpus", 0);
        h.put("CpuShares", 0);
        h.put("CpusetCpus", "");
        h.put("CpusetMems", "");
        h.put("PidsLimit", 0);
        return h;
    }

    @Test
    void aMemoryLimitAboveTheSwapLimitNeedsANewSwapLimit() throws Exception {
        Limits given = new UpdateRequest().memory(200L << 20).limits;
        EngineException e = assertThrows(EngineException.InvalidArgument.class, () -> Update.merge(host64m(), given));
        assertTrue(e.getMessage().contains("update the memoryswap at the same time"), e.getMessage());
        Limits ok = Update.merge(host64m(), new UpdateRequest().memory(200L << 20).memorySwap(-1).limits);
        assertEquals(200L << 20, ok.memory);
        assertEquals(-1L, ok.memorySwap);
    }

    @Test
    void theMergedLimitsGetRunsChecks() throws Exception {
        Limits swapBelow = Update.merge(host64m(), new UpdateRequest().memorySwap(32L << 20).limits);
        EngineException e = assertThrows(EngineException.InvalidArgument.class, swapBelow::check);
        assertTrue(e.getMessage().contains("minimum memoryswap limit"), e.getMessage());
        Map<String, Object> none = host64m();
        none.put("Memory", 0);
        none.put("MemorySwap", 0);
        Limits swapAlone = Update.merge(none, new UpdateRequest().memorySwap(32L << 20).limits);
        e = assertThrows(EngineException.InvalidArgument.class, swapAlone::check);
        assertTrue(e.getMessage().contains("always set the memory limit"), e.getMessage());
        Limits tiny = Update.merge(none, new UpdateRequest().memory(1024).limits);
        assertThrows(EngineException.InvalidArgument.class, tiny::check);
    }

    @Test
    void onlyTheGivenLimitsAreWrittenAndANewMemoryLimitTakesTheSwapLimitAlong() throws Exception {
        Limits given = new UpdateRequest().memory(100L << 20).pidsLimit(0).limits;
        Resources r = Update.changes(given, Update.merge(host64m(), given));
        assertEquals(100L << 20, r.memory().limit());
        assertEquals(128L << 20, r.memory().swap(), "memory plus swap keeps its meaning on v2");
        assertNull(r.memory().reservation());
        assertNull(r.cpu());
        assertEquals(-1L, r.pids().limit(), "0 is no limit, as in run");
        Limits cpus = new UpdateRequest().cpus(0.5).cpusetCpus("0").limits;
        Resources c = Update.changes(cpus, Update.merge(host64m(), cpus));
        assertNull(c.memory());
        assertEquals(50_000L, c.cpu().quota());
        assertEquals(100_000L, c.cpu().period());
        assertEquals("0", c.cpu().cpus());
        assertNull(c.cpu().shares());
    }

    @Test
    void withoutASwapLimitANewMemoryLimitLeavesSwapAlone() throws Exception {
        Map<String, Object> none = host64m();
        none.put("Memory", 0);
        none.put("MemorySwap", 0);
        Limits given = new UpdateRequest().memory(100L << 20).limits;
        assertNull(Update.changes(given, Update.merge(none, given)).memory().swap());
    }

    @Test
    void hostConfigRecordsTheGivenLimitsInRunsUnits() {
        Map<String, Object> h = host64m();
        Update.record(h, new UpdateRequest().memory(100L << 20).cpus(1.5).cpuShares(512).cpusetMems("0")
            .pidsLimit(30).limits);
        assertEquals(100L << 20, h.get("Memory"));
        assertEquals(128L << 20, h.get("MemorySwap"), "not given: kept");
        assertEquals(1_500_000_000L, h.get("NanoCpus"));
        assertEquals(512L, h.get("CpuShares"));
        assertEquals("0", h.get("CpusetMems"));
        assertEquals("", h.get("CpusetCpus"));
        assertEquals(30L, h.get("PidsLimit"));
    }

    /** The same update on a cgroup v2 tree: a fake one in a temporary directory, as the runtime's tests use. */
    @Test
    void onCgroupV2TheFilesGetV2Values() throws Exception {
        Path top = Files.createDirectories(tmp.resolve("sys/fs/cgroup"));
        String all = "cpuset cpu io memory pids\n";
        Files.writeString(top.resolve("cgroup.controllers"), all);
        Files.writeString(top.resolve("cgroup.subtree_control"), "cpu memory pids cpuset\n");
        Path leaf = Files.createDirectories(top.resolve("berth/c"));
        Files.writeString(top.resolve("berth/cgroup.controllers"), all);
        Files.writeString(top.resolve("berth/cgroup.subtree_control"), "cpu memory pids cpuset\n");
        for (String f : new String[] {"memory.max=max", "memory.low=0", "memory.swap.max=max", "cpu.max=max 100000",
            "cpu.weight=100", "cpuset.cpus=", "cpuset.mems=", "pids.max=max"}) {
            Files.writeString(leaf.resolve(f.substring(0, f.indexOf('='))), f.substring(f.indexOf('=') + 1));
        }
        Files.writeString(tmp.resolve("mountinfo"), "35 24 0:30 / /sys/fs/cgroup rw - cgroup2 cgroup2 rw\n");
        Files.writeString(tmp.resolve("self"), "0::/\n");
        Cgroup cg = Cgroups.at(tmp.resolve("mountinfo"), tmp.resolve("self"), tmp).open("/berth/c");
        Limits given = new UpdateRequest().memory(100L << 20).cpus(1.5).cpuShares(1024).pidsLimit(30)
            .memoryReservation(32L << 20).limits;
        cg.update(Update.changes(given, Update.merge(host64m(), given)));
        assertEquals(Long.toString(100L << 20), Files.readString(leaf.resolve("memory.max")));
        assertEquals(Long.toString(28L << 20), Files.readString(leaf.resolve("memory.swap.max")), "swap alone");
        assertEquals(Long.toString(32L << 20), Files.readString(leaf.resolve("memory.low")));
        assertEquals("150000 100000", Files.readString(leaf.resolve("cpu.max")));
        assertEquals("100", Files.readString(leaf.resolve("cpu.weight")), "shares 1024 is weight 100");
        assertEquals("30", Files.readString(leaf.resolve("pids.max")));
    }
}
