package dev.berth.runtime.cgroup;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Which hierarchies there are and where a cgroupsPath lands, from sample mountinfo and /proc/self/cgroup. */
class CgroupHierarchiesTest {
    private static final Path ROOT = Path.of("/");

    /** This machine: v1 controllers each on their own, plus cgroup2 at unified with only hugetlb. */
    static final String HYBRID_MOUNTINFO = """
        22 1 254:1 / / rw,relatime - ext4 /dev/vda1 rw
        31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755
        32 31 0:29 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu
        33 31 0:30 / /sys/fs/cgroup/cpuacct rw,relatime - cgroup cgroup rw,cpuacct
        34 31 0:31 / /sys/fs/cgroup/cpuset rw,relatime - cgroup cgroup rw,cpuset
        35 31 0:32 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory
        36 31 0:33 / /sys/fs/cgroup/devices rw,relatime - cgroup cgroup rw,devices
        37 31 0:34 / /sys/fs/cgroup/freezer rw,relatime - cgroup cgroup rw,freezer
        38 31 0:35 / /sys/fs/cgroup/blkio rw,relatime - cgroup cgroup rw,blkio
        39 31 0:36 / /sys/fs/cgroup/pids rw,relatime - cgroup cgroup rw,pids
        40 31 0:37 / /sys/fs/cgroup/systemd rw,relatime - cgroup cgroup rw,name=systemd
        41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw
        """;
    static final String HYBRID_SELF = """
        9:name=systemd:/
        8:pids:/
        7:blkio:/
        6:freezer:/
        5:devices:/
        4:memory:/process_api/b9b08b07c28f13bc9431a00f9bd0ef67
        3:cpuset:/
        2:cpuacct:/
        1:cpu:/
        0::/
        """;

    static List<String> dirs(Cgroup cg) {
        List<String> out = new ArrayList<>();
        for (Path p : cg.dirs()) {
            out.add(p.toString());
        }
        return out;
    }

    @Test
    void hybridAsOnThisMachine() throws Exception {
        Cgroups cgs = Cgroups.parse(HYBRID_MOUNTINFO, HYBRID_SELF, ROOT);
        assertEquals(1, cgs.version());
        assertTrue(cgs.hybrid());
        Cgroup abs = cgs.open("/berth/abc");
        assertEquals(List.of("/sys/fs/cgroup/systemd/berth/abc", "/sys/fs/cgroup/pids/berth/abc",
            "/sys/fs/cgroup/blkio/berth/abc", "/sys/fs/cgroup/freezer/berth/abc", "/sys/fs/cgroup/devices/berth/abc",
            "/sys/fs/cgroup/memory/berth/abc", "/sys/fs/cgroup/cpuset/berth/abc", "/sys/fs/cgroup/cpuacct/berth/abc",
            "/sys/fs/cgroup/cpu/berth/abc", "/sys/fs/cgroup/unified/berth/abc"), dirs(abs));
        assertEquals(Path.of("/sys/fs/cgroup/memory/berth/abc/tasks"), abs.joinFiles().get(5));
        // relative: below our own cgroup, which differs per hierarchy
        List<String> rel = dirs(cgs.open("ctr"));
        assertEquals("/sys/fs/cgroup/memory/process_api/b9b08b07c28f13bc9431a00f9bd0ef67/ctr", rel.get(5));
        assertEquals("/sys/fs/cgroup/cpu/ctr", rel.get(8));
        assertEquals("/berth/abc", abs.path());
    }

    @Test
    void pureV1WithCoMountedCpuAndCpuacct() throws Exception {
        String mountinfo = """
            25 20 0:22 / /sys/fs/cgroup ro,nosuid,nodev,noexec shared:9 - tmpfs tmpfs ro,mode=755
            26 25 0:23 / /sys/fs/cgroup/systemd rw,nosuid,nodev,noexec,relatime shared:10 - cgroup cgroup \
            rw,xattr,release_agent=/usr/lib/systemd/systemd-cgroups-agent,name=systemd
            29 25 0:26 / /sys/fs/cgroup/cpu,cpuacct rw,nosuid,nodev,noexec,relatime shared:13 - cgroup cgroup rw,cpu,cpuacct
            30 25 0:27 / /sys/fs/cgroup/memory rw,nosuid,nodev,noexec,relatime shared:14 - cgroup cgroup rw,memory
            31 25 0:28 / /sys/fs/cgroup/net_cls,net_prio rw,relatime shared:15 - cgroup cgroup rw,net_cls,net_prio
            32 25 0:29 / /sys/fs/cgroup/pids rw,nosuid,nodev,noexec,relatime shared:16 - cgroup cgroup rw,pids
            33 25 0:30 / /sys/fs/cgroup/hugetlb rw,nosuid,nodev,noexec,relatime shared:17 - cgroup cgroup rw,hugetlb
            90 60 0:27 /docker/1f2e /var/lib/docker/overlay2/x/merged/sys/fs/cgroup/memory ro - cgroup cgroup rw,memory
            """;
        String self = """
            11:hugetlb:/
            6:pids:/user.slice/user-1000.slice/session-2.scope
            5:net_cls,net_prio:/
            4:memory:/user.slice/user-1000.slice/session-2.scope
            3:cpu,cpuacct:/user.slice
            1:name=systemd:/user.slice/user-1000.slice/session-2.scope
            """;
        Cgroups cgs = Cgroups.parse(mountinfo, self, ROOT);
        assertEquals(1, cgs.version());
        assertFalse(cgs.hybrid());
        // in /proc/self/cgroup's order; the docker bind mount of memory is passed over
        assertEquals(List.of("hugetlb /sys/fs/cgroup/hugetlb", "pids /sys/fs/cgroup/pids",
            "net_cls,net_prio /sys/fs/cgroup/net_cls,net_prio", "memory /sys/fs/cgroup/memory",
            "cpu,cpuacct /sys/fs/cgroup/cpu,cpuacct", "name=systemd /sys/fs/cgroup/systemd"), cgs.describe());
        Cgroup cg = cgs.open("/berth/x");
        assertEquals(6, cg.dirs().size());
        assertTrue(dirs(cg).contains("/sys/fs/cgroup/cpu,cpuacct/berth/x"));
        assertEquals(1, cg.version());
        List<String> rel = dirs(cgs.open("./pod/ctr"));
        assertTrue(rel.contains("/sys/fs/cgroup/cpu,cpuacct/user.slice/pod/ctr"), rel.toString());
        assertTrue(rel.contains("/sys/fs/cgroup/memory/user.slice/user-1000.slice/session-2.scope/pod/ctr"),
            rel.toString());
    }

    @Test
    void pureV2() throws Exception {
        String mountinfo = """
            24 30 0:22 / /sys rw,nosuid,nodev,noexec,relatime shared:7 - sysfs sysfs rw
            35 24 0:30 / /sys/fs/cgroup rw,nosuid,nodev,noexec,relatime shared:9 - cgroup2 cgroup2 \
            rw,nsdelegate,memory_recursiveprot
            """;
        Cgroups cgs = Cgroups.parse(mountinfo, "0::/user.slice/user-1000.slice/session-3.scope\n", ROOT);
        assertEquals(2, cgs.version());
        assertFalse(cgs.hybrid());
        assertEquals(List.of("/sys/fs/cgroup/berth/abc"), dirs(cgs.open("/berth/abc")));
        assertEquals(List.of("/sys/fs/cgroup/user.slice/user-1000.slice/session-3.scope/ctr"), dirs(cgs.open("ctr")));
        assertEquals(List.of(Path.of("/sys/fs/cgroup/berth/abc/cgroup.procs")), cgs.open("/berth/abc").joinFiles());
    }

    @Test
    void pureV2WithALeftoverNamedV1Hierarchy() throws Exception {
        String mountinfo = """
            35 24 0:30 / /sys/fs/cgroup rw - cgroup2 cgroup2 rw
            36 35 0:31 / /run/systemd-v1 rw - cgroup cgroup rw,name=systemd
            """;
        Cgroups cgs = Cgroups.parse(mountinfo, "1:name=systemd:/\n0::/init.scope\n", ROOT);
        assertEquals(2, cgs.version());
    }

    @Test
    void insideACgroupNamespace() throws Exception {
        // mounted inside the namespace: the mount's root and our cgroup are both "/"
        String inside = "1290 1280 0:30 / /sys/fs/cgroup rw,nosuid,nodev,noexec,relatime - cgroup2 cgroup2 rw\n";
        Cgroups cgs = Cgroups.parse(inside, "0::/\n", ROOT);
        assertEquals(List.of("/sys/fs/cgroup/sub"), dirs(cgs.open("sub")));
        assertEquals(List.of("/sys/fs/cgroup/berth/x"), dirs(cgs.open("/berth/x")));

        // the host's mount seen from inside the namespace: its root lies above ours
        String outside = "40 31 0:30 /../.. /sys/fs/cgroup rw,relatime - cgroup2 cgroup2 rw\n";
        cgs = Cgroups.parse(outside, "0::/\n", ROOT);
        assertEquals(List.of("/sys/fs/cgroup/berth/x"), dirs(cgs.open("/berth/x")));
        Cgroups c = cgs;
        CgroupException e = assertThrows(CgroupException.class, () -> c.open("sub"));
        assertTrue(e.getMessage().contains("use an absolute cgroupsPath"), e.getMessage());
    }

    @Test
    void aBindMountedSubtree() throws Exception {
        String mountinfo = "700 690 0:30 /docker/1f2e /sys/fs/cgroup ro,nosuid - cgroup2 cgroup2 rw\n";
        Cgroups cgs = Cgroups.parse(mountinfo, "0::/docker/1f2e\n", ROOT);
        assertEquals(List.of("/sys/fs/cgroup/sub"), dirs(cgs.open("sub")));
        cgs = Cgroups.parse(mountinfo, "0::/docker/1f2e/inner\n", ROOT);
        assertEquals(List.of("/sys/fs/cgroup/inner/sub"), dirs(cgs.open("sub")));
    }

    @Test
    void escapedMountPointsAndAFakeRoot() throws Exception {
        String mountinfo = "35 24 0:30 / /srv/my\\040cgroups rw - cgroup2 cgroup2 rw\n";
        Cgroups cgs = Cgroups.parse(mountinfo, "0::/\n", Path.of("/tmp/fake"));
        assertEquals(List.of("/tmp/fake/srv/my cgroups/berth/x"), dirs(cgs.open("/berth/x")));
    }

    @Test
    void refusesPathsOutOfTheHierarchyAndNone() throws Exception {
        Cgroups cgs = Cgroups.parse(HYBRID_MOUNTINFO, HYBRID_SELF, ROOT);
        for (String bad : new String[] {"/", "", ".", "/berth/../..", "../x", "//", "system.slice:berth:abc"}) {
            CgroupException e = assertThrows(CgroupException.class, () -> cgs.open(bad), bad);
            assertTrue(e.getMessage().startsWith("cgroup path"), e.getMessage());
        }
    }

    @Test
    void noCgroupsMounted() {
        CgroupException e = assertThrows(CgroupException.class,
            () -> Cgroups.parse("22 1 254:1 / / rw - ext4 /dev/vda1 rw\n", "0::/\n", ROOT));
        assertTrue(e.getMessage().startsWith("no cgroup file system is mounted"), e.getMessage());
    }

    @Test
    void theRealHostParses() throws Exception {
        Cgroups cgs = Cgroups.detect();
        assertTrue(cgs.version() == 1 || cgs.version() == 2);
        assertFalse(cgs.describe().isEmpty());
    }
}
