package dev.berth.runtime.cgroup;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The v2 driver against a fake hierarchy in a temporary directory, its files pre-made with the
 * kernel's names and initial values: what is enabled where, what is written, how stats read.
 */
class CgroupV2FilesTest {
    private static final String ALL = "cpuset cpu io memory hugetlb pids rdma misc\n";
    private static final String[] LEAF_FILES = {
        "cgroup.procs=", "cgroup.controllers=" + ALL, "cgroup.subtree_control=", "cgroup.freeze=0",
        "cgroup.events=populated 0\nfrozen 0\n", "cgroup.kill=",
        "memory.max=max", "memory.low=0", "memory.high=max", "memory.swap.max=max", "memory.current=0",
        "cpu.weight=100", "cpu.max=max 100000", "cpu.max.burst=0", "cpu.idle=0",
        "cpuset.cpus=", "cpuset.mems=", "pids.max=max", "io.weight=default 100", "io.max=", "io.latency=",
        "hugetlb.2MB.max=max", "hugetlb.2MB.rsvd.max=max", "hugetlb.1GB.max=max", "rdma.max=",
    };

    @TempDir
    Path tmp;
    Path top;
    Cgroups cgroups;
    final List<byte[]> programs = new ArrayList<>();

    @BeforeEach
    void fakeHierarchy() throws Exception {
        top = tmp.resolve("sys/fs/cgroup");
        Files.createDirectories(top);
        // systemd has enabled cpu and memory at the top; /berth exists from an earlier container
        write(top, "cgroup.controllers", ALL);
        write(top, "cgroup.subtree_control", "cpu memory\n");
        Path berth = Files.createDirectory(top.resolve("berth"));
        write(berth, "cgroup.controllers", ALL);
        write(berth, "cgroup.subtree_control", "");
        cgroups = Cgroups.parse("35 24 0:30 / /sys/fs/cgroup rw,nosuid - cgroup2 cgroup2 rw,nsdelegate\n",
            "0::/user.slice\n", tmp).devicesTo((dir, program) -> programs.add(program));
    }

    private Path leaf(String name) throws IOException {
        Path dir = Files.createDirectories(top.resolve("berth").resolve(name));
        for (String f : LEAF_FILES) {
            int eq = f.indexOf('=');
            write(dir, f.substring(0, eq), f.substring(eq + 1));
        }
        return dir;
    }

    private static void write(Path dir, String name, String text) throws IOException {
        Files.writeString(dir.resolve(name), text);
    }

    private static String read(Path dir, String name) throws IOException {
        return Files.readString(dir.resolve(name));
    }

    @Test
    void enablesControllersTopDownAndWritesEveryLimit() throws Exception {
        Path dir = leaf("c1");
        Cgroup cg = cgroups.create("/berth/c1", CgroupResourcesTest.parse(
            CgroupResourcesTest.FULL.replace("\"realtimeRuntime\": 950000, \"realtimePeriod\": 1000000,", "")));
        assertEquals(2, cg.version());
        // the top had cpu and memory already: only the rest is added, in one write
        assertEquals("+cpuset +pids +io +hugetlb +rdma", read(top, "cgroup.subtree_control"));
        assertEquals("+memory +cpu +cpuset +pids +io +hugetlb +rdma", read(top.resolve("berth"), "cgroup.subtree_control"));
        assertEquals("", read(dir, "cgroup.subtree_control"), "the leaf keeps its processes: nothing enabled");

        assertEquals("536870912", read(dir, "memory.max"));
        assertEquals("268435456", read(dir, "memory.low"));
        assertEquals("536870912", read(dir, "memory.swap.max"), "1 GiB memory+swap minus 512 MiB memory");
        assertEquals("100", read(dir, "cpu.weight"));
        assertEquals("50000 100000", read(dir, "cpu.max"));
        assertEquals("10000", read(dir, "cpu.max.burst"));
        assertEquals("0", read(dir, "cpu.idle"));
        assertEquals("0-1", read(dir, "cpuset.cpus"));
        assertEquals("0", read(dir, "cpuset.mems"));
        assertEquals("64", read(dir, "pids.max"));
        assertEquals("209715200", read(dir, "hugetlb.2MB.max"));
        assertEquals("209715200", read(dir, "hugetlb.2MB.rsvd.max"));
        assertEquals("max", read(dir, "hugetlb.1GB.max"));
        // the unified map comes last and wins
        assertEquals("402653184", read(dir, "memory.high"));
        assertEquals("8:0 target=75", read(dir, "io.latency"));

        // FULL's devices: deny all, allow c 1:3 rwm
        assertEquals(1, programs.size(), "one device program");
        assertTrue(DeviceFilterTest.run(programs.get(0), DevicePolicy.CHAR, 1, 3, DevicePolicy.READ));
        assertFalse(DeviceFilterTest.run(programs.get(0), DevicePolicy.CHAR, 1, 5, DevicePolicy.READ));
        List<String> unsupported = cg.unsupported();
        assertFalse(String.join("\n", unsupported).contains("device"), unsupported.toString());
        assertTrue(String.join("\n", unsupported).contains("memory.kernelTCP is ignored"));
        assertTrue(String.join("\n", unsupported).contains("leafWeight is ignored"));
    }

    @Test
    void theWritesInOrder() throws Exception {
        Path dir = leaf("c2");
        Resources r = CgroupResourcesTest.parse(
            CgroupResourcesTest.FULL.replace("\"realtimeRuntime\": 950000, \"realtimePeriod\": 1000000,", ""));
        List<String> io = new ArrayList<>();
        List<String> rdma = new ArrayList<>();
        for (Fs.Write w : V2Limits.plan(r, dir, new ArrayList<>())) {
            String name = w.file().getFileName().toString();
            if (name.equals("io.weight") || name.equals("io.max")) {
                io.add(name + " " + w.value());
            } else if (name.equals("rdma.max")) {
                rdma.add(w.value());
            }
        }
        assertEquals(List.of("io.weight default 4950", "io.weight 8:0 5960", "io.weight 8:16 6970",
            "io.max 8:0 rbps=1048576", "io.max 8:0 wbps=2097152", "io.max 8:0 riops=100", "io.max 8:0 wiops=max"), io);
        assertEquals(List.of("mlx5_1 hca_handle=3 hca_object=10000", "mlx4_0 hca_handle=max hca_object=1000"), rdma);

        // with BFQ, blkio's own scale goes to io.bfq.weight
        write(dir, "io.bfq.weight", "default 100");
        List<String> bfq = new ArrayList<>();
        for (Fs.Write w : V2Limits.plan(r, dir, new ArrayList<>())) {
            if (w.file().getFileName().toString().startsWith("io.") && !w.file().endsWith("io.max")
                    && !w.file().endsWith("io.latency")) {
                bfq.add(w.file().getFileName() + " " + w.value());
            }
        }
        assertEquals(List.of("io.bfq.weight 500", "io.bfq.weight 8:0 600", "io.bfq.weight 8:16 700"), bfq);
    }

    @Test
    void swapFollowsTheMemoryLimit() throws Exception {
        Path dir = leaf("c3");
        Cgroup cg = cgroups.create("/berth/c3", CgroupResourcesTest.parse("{\"memory\": {\"limit\": -1}}"));
        assertEquals("max", read(dir, "memory.max"));
        assertEquals("max", read(dir, "memory.swap.max"), "unlimited memory with unset swap: unlimited swap");
        // swap without a limit is taken against the limit in force
        write(dir, "memory.max", "1000\n");
        cg.update(CgroupResourcesTest.parse("{\"memory\": {\"swap\": 3000}}"));
        assertEquals("2000", read(dir, "memory.swap.max"));
        cg.update(CgroupResourcesTest.parse("{\"memory\": {\"limit\": 1000, \"swap\": 1000}}"));
        assertEquals("0", read(dir, "memory.swap.max"), "memory+swap equal to memory: no swap at all");
    }

    @Test
    void checkBeforeUpdateRefusesALimitBelowUsage() throws Exception {
        Path dir = leaf("c4");
        Cgroup cg = cgroups.create("/berth/c4", Resources.NONE);
        write(dir, "memory.current", "5000\n");
        CgroupException e = assertThrows(CgroupException.class, () -> cg.update(
            CgroupResourcesTest.parse("{\"memory\": {\"limit\": 4096, \"checkBeforeUpdate\": true}}")));
        assertTrue(e.getMessage().contains("below the current usage 5000"), e.getMessage());
        assertEquals("max", read(dir, "memory.max"));
        cg.update(CgroupResourcesTest.parse("{\"memory\": {\"limit\": 4096}}"));
        assertEquals("4096", read(dir, "memory.max"));
    }

    @Test
    void aControllerNobodyOffersFailsAndLeavesNothing() throws Exception {
        write(top.resolve("berth"), "cgroup.controllers", "cpu memory pids\n");
        CgroupException e = assertThrows(CgroupException.class,
            () -> cgroups.create("/berth/new/ctr", CgroupResourcesTest.parse("{\"cpu\": {\"cpus\": \"0\"}}")));
        assertTrue(e.getMessage().startsWith("the limits need the cpuset controller, which "), e.getMessage());
        assertTrue(e.getMessage().contains("/berth does not offer"), e.getMessage());
        assertFalse(Files.exists(top.resolve("berth/new")), "the cgroups made for it are gone");
        assertTrue(Files.exists(top.resolve("berth")), "the parent that was there stays");
    }

    @Test
    void aFailingWriteRemovesWhatWasMade() throws Exception {
        // a new cgroup in the fake tree has no files, so a core file cannot be written
        CgroupException e = assertThrows(CgroupException.class, () -> cgroups.create("/berth/made/here",
            CgroupResourcesTest.parse("{\"unified\": {\"cgroup.max.depth\": \"1\"}}")));
        assertTrue(e.getMessage().startsWith("cannot set cgroup.max.depth in "), e.getMessage());
        assertFalse(Files.exists(top.resolve("berth/made")));
    }

    @Test
    void unknownUnifiedControllerIsRefusedBeforeAnything() throws Exception {
        CgroupException e = assertThrows(CgroupException.class, () -> cgroups.create("/berth/u",
            CgroupResourcesTest.parse("{\"unified\": {\"bogus.knob\": \"1\"}}")));
        assertTrue(e.getMessage().contains("the bogus controller"), e.getMessage());
        assertFalse(Files.exists(top.resolve("berth/u")));
    }

    @Test
    void joinKillAndProcs() throws Exception {
        Path dir = leaf("c5");
        Cgroup cg = cgroups.open("/berth/c5");
        assertTrue(cg.exists());
        assertEquals(List.of(dir.resolve("cgroup.procs")), cg.joinFiles());
        cg.join(4242);
        assertEquals("4242", read(dir, "cgroup.procs"));
        Files.createDirectory(dir.resolve("sub"));
        write(dir.resolve("sub"), "cgroup.procs", "7\n8\n");
        assertEquals(List.of(4242L, 7L, 8L), cg.pids());
        assertTrue(cg.kill());
        assertEquals("1", read(dir, "cgroup.kill"));
        Files.delete(dir.resolve("cgroup.kill"));
        assertFalse(cg.kill(), "no cgroup.kill before Linux 5.14: the caller signals");
        write(dir, "cgroup.events", "populated 1\nfrozen 1\n");
        assertTrue(cg.isFrozen());
    }

    @Test
    void statsFromSampleFiles() throws Exception {
        Path dir = leaf("c6");
        write(dir, "memory.current", "3145728\n");
        write(dir, "memory.max", "536870912\n");
        write(dir, "memory.peak", "4194304\n");
        write(dir, "memory.swap.current", "8192\n");
        write(dir, "memory.stat", "anon 1048576\nfile 2097152\nkernel 65536\nfile_mapped 0\ninactive_file 1048576\n");
        write(dir, "memory.events", "low 0\nhigh 0\nmax 7\noom 2\noom_kill 1\noom_group_kill 0\n");
        write(dir, "cpu.stat", "usage_usec 1500\nuser_usec 1000\nsystem_usec 500\nnr_periods 10\n"
            + "nr_throttled 4\nthrottled_usec 250\nnr_bursts 0\nburst_usec 0\n");
        write(dir, "pids.current", "3\n");
        write(dir, "io.stat", "254:0 rbytes=4096 wbytes=8192 rios=1 wios=2 dbytes=0 dios=0\n"
            + "8:16 rbytes=100 wbytes=0 rios=1 wios=0 dbytes=0 dios=0\n");
        CgroupStats s = cgroups.open("/berth/c6").stats();
        assertEquals(new CgroupStats(3145728L, 536870912L, 4194304L, 8192L, 2097152L, 1048576L, 7L, 2L, 1L, null,
            1_500_000L, 1_000_000L, 500_000L, 10L, 4L, 250_000L, 3L, -1L, 4196L, 8192L, 1048576L), s);
    }

    @Test
    void missingFilesAreNullStats() throws Exception {
        Files.createDirectories(top.resolve("berth/bare"));
        CgroupStats s = cgroups.open("/berth/bare").stats();
        assertNull(s.memoryUsage());
        assertNull(s.cpuUsage());
        assertNull(s.pidsCurrent());
        assertNull(s.ioReadBytes());
        assertFalse(cgroups.open("/berth/bare").isFrozen());
    }

    @Test
    void deleteRemovesChildrenAndIsIdempotent() throws Exception {
        Path dir = Files.createDirectories(top.resolve("berth/gone/a/b"));
        Cgroup cg = cgroups.open("/berth/gone");
        assertEquals(List.of(top.resolve("berth/gone")), cg.dirs());
        assertTrue(Files.exists(dir));
        cg.delete();
        assertFalse(cg.exists());
        cg.delete();
        assertTrue(Files.exists(top.resolve("berth")));
    }
}
