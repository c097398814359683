package dev.berth.runtime.cgroup;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The v1 planning and stats reading against files with the kernel's names and sample contents. */
class CgroupV1FilesTest {
    @TempDir
    Path tmp;

    private static List<String> names(List<Fs.Write> writes) {
        List<String> out = new ArrayList<>();
        for (Fs.Write w : writes) {
            out.add(w.file().getFileName() + "=" + w.value());
        }
        return out;
    }

    @Test
    void memoryAndMemswGoInTheOrderTheKernelAccepts() throws Exception {
        Path mem = Files.createDirectories(tmp.resolve("memory"));
        Files.writeString(mem.resolve("memory.memsw.limit_in_bytes"), "9223372036854771712\n");
        Map<String, Path> dirs = Map.of("memory", mem);
        List<String> warnings = new ArrayList<>();

        // raising above the current limit: memsw first, so memory never exceeds it
        Files.writeString(mem.resolve("memory.limit_in_bytes"), "104857600\n");
        Resources up = CgroupResourcesTest.parse("{\"memory\": {\"limit\": 314572800, \"swap\": 419430400}}");
        assertEquals(List.of("memory.memsw.limit_in_bytes=419430400", "memory.limit_in_bytes=314572800"),
            names(V1Limits.plan(up, dirs, warnings)));
        // lowering: memory first
        Files.writeString(mem.resolve("memory.limit_in_bytes"), "314572800\n");
        Resources down = CgroupResourcesTest.parse("{\"memory\": {\"limit\": 104857600, \"swap\": 209715200}}");
        assertEquals(List.of("memory.limit_in_bytes=104857600", "memory.memsw.limit_in_bytes=209715200"),
            names(V1Limits.plan(down, dirs, warnings)));
        // unlimited memory takes memsw along, first
        Resources none = CgroupResourcesTest.parse("{\"memory\": {\"limit\": -1}}");
        assertEquals(List.of("memory.memsw.limit_in_bytes=-1", "memory.limit_in_bytes=-1"),
            names(V1Limits.plan(none, dirs, warnings)));
        assertTrue(warnings.isEmpty(), warnings.toString());

        // without swap accounting the swap limit is reported, not written
        Files.delete(mem.resolve("memory.memsw.limit_in_bytes"));
        assertEquals(List.of("memory.limit_in_bytes=104857600"), names(V1Limits.plan(down, dirs, warnings)));
        assertTrue(warnings.get(0).startsWith("memory.swap is ignored"), warnings.toString());
    }

    @Test
    void everyV1File() throws Exception {
        Path d = Files.createDirectories(tmp.resolve("all"));
        Files.writeString(d.resolve("memory.memsw.limit_in_bytes"), "9223372036854771712\n");
        Files.writeString(d.resolve("blkio.bfq.weight"), "100\n");
        Map<String, Path> dirs = Map.of("memory", d, "cpu", d, "cpuset", d, "pids", d, "blkio", d, "hugetlb", d,
            "rdma", d, "devices", d, "net_cls", d);
        List<String> warnings = new ArrayList<>();
        List<String> w = names(V1Limits.plan(CgroupResourcesTest.parse(CgroupResourcesTest.FULL.replace(
            ", \"unified\": {\"memory.high\": \"402653184\", \"io.latency\": \"8:0 target=75\"}", "")), dirs, warnings));
        assertEquals(List.of(
            "devices.deny=a", "devices.deny=a", "devices.allow=c 1:3 rwm", "devices.allow=c 136:* rw",
            "cpuset.cpus=0-1", "cpuset.mems=0",
            "memory.limit_in_bytes=536870912", "memory.memsw.limit_in_bytes=1073741824",
            "memory.soft_limit_in_bytes=268435456", "memory.kmem.tcp.limit_in_bytes=16777216",
            "memory.oom_control=0", "memory.use_hierarchy=1",
            "cpu.shares=1024", "cpu.cfs_period_us=100000", "cpu.cfs_quota_us=50000", "cpu.cfs_burst_us=10000",
            "cpu.rt_period_us=1000000", "cpu.rt_runtime_us=950000", "cpu.idle=0",
            "pids.max=64",
            "blkio.bfq.weight=500", "blkio.bfq.weight_device=8:0 600", "blkio.bfq.weight_device=8:16 700",
            "blkio.throttle.read_bps_device=8:0 1048576", "blkio.throttle.write_bps_device=8:0 2097152",
            "blkio.throttle.read_iops_device=8:0 100", "blkio.throttle.write_iops_device=8:0 0",
            "hugetlb.2MB.limit_in_bytes=209715200", "hugetlb.1GB.limit_in_bytes=-1",
            "rdma.max=mlx5_1 hca_handle=3 hca_object=10000", "rdma.max=mlx4_0 hca_handle=max hca_object=1000",
            "net_cls.classid=1048577"), w);
        assertEquals(List.of(
            "memory.kernel is ignored: the kernel no longer limits kernel memory separately",
            "blockIO.leafWeight is ignored: this kernel has no blkio.leaf_weight (CFQ is gone)",
            "blockIO.weightDevice leafWeight is ignored: this kernel has no leaf weights",
            "network.priorities are ignored: the net_prio controller is not mounted"), warnings);
    }

    @Test
    void lowerQuotaGoesBeforeTheShorterPeriod() throws Exception {
        Path cpu = Files.createDirectories(tmp.resolve("cpu"));
        Files.writeString(cpu.resolve("cpu.cfs_quota_us"), "50000\n");
        List<String> w = names(V1Limits.plan(CgroupResourcesTest.parse(
            "{\"cpu\": {\"quota\": 25000, \"period\": 50000}}"), Map.of("cpu", cpu), new ArrayList<>()));
        assertEquals(List.of("cpu.cfs_quota_us=25000", "cpu.cfs_period_us=50000"), w);
    }

    @Test
    void aMissingControllerIsRefusedBeforeAnythingIsMade() throws Exception {
        Path root = tmp.resolve("root");
        Files.createDirectories(root.resolve("sys/fs/cgroup/memory"));
        Cgroups cgs = Cgroups.parse("35 31 0:32 / /sys/fs/cgroup/memory rw - cgroup cgroup rw,memory\n",
            "4:memory:/\n", root);
        CgroupException e = assertThrows(CgroupException.class,
            () -> cgs.create("/berth/x", CgroupResourcesTest.parse("{\"pids\": {\"limit\": 5}}")));
        assertEquals("linux.resources.pids needs the pids cgroup controller, which no cgroup v1 hierarchy of this host has",
            e.getMessage());
        e = assertThrows(CgroupException.class,
            () -> cgs.create("/berth/x", CgroupResourcesTest.parse("{\"unified\": {\"memory.high\": \"5\"}}")));
        assertTrue(e.getMessage().startsWith("linux.resources.unified needs cgroup v2"), e.getMessage());
        assertFalse(Files.exists(root.resolve("sys/fs/cgroup/memory/berth")));
    }

    @Test
    void statsFromSampleFiles() throws Exception {
        Path m = Files.createDirectories(tmp.resolve("memory"));
        Files.writeString(m.resolve("memory.usage_in_bytes"), "2097152\n");
        Files.writeString(m.resolve("memory.limit_in_bytes"), "9223372036854771712\n");
        Files.writeString(m.resolve("memory.max_usage_in_bytes"), "3145728\n");
        Files.writeString(m.resolve("memory.memsw.usage_in_bytes"), "2101248\n");
        Files.writeString(m.resolve("memory.failcnt"), "5\n");
        Files.writeString(m.resolve("memory.stat"), "cache 4096\nrss 8192\nhierarchical_memory_limit 1\n"
            + "total_cache 1048576\ntotal_rss 1044480\ntotal_inactive_file 524288\n");
        Files.writeString(m.resolve("memory.oom_control"), "oom_kill_disable 0\nunder_oom 0\noom_kill 3\n");
        Path a = Files.createDirectories(tmp.resolve("cpuacct"));
        Files.writeString(a.resolve("cpuacct.usage"), "123456789\n");
        Files.writeString(a.resolve("cpuacct.stat"), "user 7\nsystem 3\n");
        Path c = Files.createDirectories(tmp.resolve("cpu"));
        Files.writeString(c.resolve("cpu.stat"), "nr_periods 20\nnr_throttled 6\nthrottled_time 987654\n");
        Path p = Files.createDirectories(tmp.resolve("pids"));
        Files.writeString(p.resolve("pids.current"), "2\n");
        Files.writeString(p.resolve("pids.max"), "50\n");
        Path b = Files.createDirectories(tmp.resolve("blkio"));
        Files.writeString(b.resolve("blkio.throttle.io_service_bytes_recursive"), "254:0 Read 4096\n"
            + "254:0 Write 12288\n254:0 Sync 0\n254:0 Async 16384\n254:0 Discard 0\n254:0 Total 16384\n"
            + "8:0 Read 1\nTotal 16385\n");
        CgroupStats s = V1Stats.read(Map.of("memory", m, "cpuacct", a, "cpu", c, "pids", p, "blkio", b));
        // no usage_user/usage_sys (before Linux 4.7): the tick counts, at 100 a second
        assertEquals(new CgroupStats(2097152L, -1L, 3145728L, 4096L, 1048576L, 1044480L, 5L, null, 3L, false,
            123456789L, 70_000_000L, 30_000_000L, 20L, 6L, 987654L, 2L, 50L, 4097L, 12288L, 524288L), s);
    }
}
