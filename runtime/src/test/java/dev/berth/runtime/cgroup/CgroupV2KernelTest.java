package dev.berth.runtime.cgroup;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The v2 driver on this host's cgroup2 mount: {@code /sys/fs/cgroup} on a pure v2 host, the
 * {@code unified} mount of a hybrid one (where no controller needs to be enabled for creation,
 * joining, cgroup.freeze, cgroup.kill, cgroup.events and removal to work). Skipped when the test
 * would have to enable controllers at the top of the hierarchy, which is not the test's to change.
 */
class CgroupV2KernelTest {
    private Cgroups cgroups;
    private Path mount;
    private String parent;
    private final List<Process> started = new ArrayList<>();

    @BeforeEach
    void setUp() throws Exception {
        assumeTrue(CgroupV1KernelTest.root(), "cgroups need root");
        StringBuilder mountinfo = new StringBuilder();
        for (String line : Files.readAllLines(Path.of("/proc/self/mountinfo"))) {
            if (line.contains(" - cgroup2 ")) {
                mountinfo.append(line).append('\n');
            }
        }
        String self = null;
        for (String line : Files.readAllLines(Path.of("/proc/self/cgroup"))) {
            if (line.startsWith("0::")) {
                self = line;
            }
        }
        assumeTrue(mountinfo.length() > 0 && self != null, "no cgroup2 hierarchy here");
        // the v2 hierarchy alone, as a pure v2 host would show it
        cgroups = Cgroups.parse(mountinfo.toString(), self + "\n", Path.of("/"));
        assertEquals(2, cgroups.version());
        String d = cgroups.describe().get(0);
        mount = Path.of(d.substring(d.indexOf(' ') + 1));
        List<String> offered = V2Cgroup.words(Files.readString(mount.resolve("cgroup.controllers")));
        List<String> enabled = V2Cgroup.words(Files.readString(mount.resolve("cgroup.subtree_control")));
        for (String c : List.of("cpu", "io", "memory", "pids")) {
            assumeTrue(!offered.contains(c) || enabled.contains(c), "the top of " + mount + " would need +" + c);
        }
        parent = CgroupV1KernelTest.randomName();
    }

    @AfterEach
    void tearDown() throws Exception {
        if (cgroups == null) {
            return;
        }
        Path top = mount.resolve(parent);
        for (Process p : started) {
            Path freeze = top.resolve("ctr/cgroup.freeze");
            if (Files.exists(freeze)) {
                Files.writeString(freeze, "0");
            }
            p.destroyForcibly();
            p.waitFor(5, TimeUnit.SECONDS);
        }
        cgroups.open("/" + parent).delete();
        assertFalse(Files.exists(top), "left behind: " + top);
    }

    private Process sleep() throws Exception {
        Process p = new ProcessBuilder("sleep", "300").start();
        started.add(p);
        return p;
    }

    /** A line of {@code cgroup.stat}, the kernel's count of the cgroups below {@code dir}. */
    private static String stat(Path dir, String key) throws Exception {
        for (String line : Files.readAllLines(dir.resolve("cgroup.stat"))) {
            if (line.startsWith(key + " ")) {
                return line.substring(key.length() + 1).strip();
            }
        }
        throw new AssertionError("no " + key + " in " + dir.resolve("cgroup.stat"));
    }

    private static String events(Path dir) throws Exception {
        return Files.readString(dir.resolve("cgroup.events"));
    }

    @Test
    void joinFreezeKillDelete() throws Exception {
        Cgroup cg = cgroups.create("/" + parent + "/ctr", Resources.NONE);
        Path dir = mount.resolve(parent).resolve("ctr");
        assertEquals(List.of(dir), cg.dirs());
        assertTrue(Files.isDirectory(dir));
        assertEquals(List.of(dir.resolve("cgroup.procs")), cg.joinFiles());

        Process proc = sleep();
        long pid = proc.pid();
        cg.join(pid);
        assertEquals(List.of(pid), cg.pids());
        String own = Files.readString(Path.of("/proc/" + pid + "/cgroup"));
        assertTrue(own.contains("0::/" + parent + "/ctr\n"), own);
        assertTrue(events(dir).contains("populated 1"));

        cg.freeze();
        assertTrue(cg.isFrozen());
        assertTrue(events(dir).contains("frozen 1"), events(dir));
        assertEquals("1", Files.readString(dir.resolve("cgroup.freeze")).strip());
        cg.thaw();
        assertFalse(cg.isFrozen());
        assertTrue(events(dir).contains("frozen 0"));

        CgroupStats s = cg.stats();
        assertNotNull(s.cpuUsage(), "cpu.stat is there without the cpu controller: " + s);

        assertTrue(cg.kill(), "cgroup.kill needs Linux 5.14");
        assertTrue(proc.waitFor(5, TimeUnit.SECONDS));
        assertEquals(137, proc.exitValue(), "SIGKILL");
        for (int i = 0; i < 200 && !events(dir).contains("populated 0"); i++) {
            Thread.sleep(10);
        }
        assertEquals(List.of(), cg.pids());

        Files.createDirectory(dir.resolve("child"));
        assertEquals("2", stat(mount.resolve(parent), "nr_descendants"), "the parent counts ctr and its child");
        assertEquals("1", stat(dir, "nr_descendants"), "ctr counts its child");
        cg.delete();
        assertFalse(Files.exists(dir));
        assertFalse(cg.exists());
        assertEquals("0", stat(mount.resolve(parent), "nr_descendants"), "the kernel no longer counts it");
        cg.delete();
    }

    @Test
    void aFailingWriteLeavesNothingBehind() throws Exception {
        CgroupException e = assertThrows(CgroupException.class, () -> cgroups.create("/" + parent + "/ctr",
            CgroupResourcesTest.parse("{\"unified\": {\"cgroup.max.depth\": \"deep\"}}")));
        assertTrue(e.getMessage().startsWith("cannot set cgroup.max.depth to \"deep\" in "), e.getMessage());
        assertFalse(Files.exists(mount.resolve(parent)), "the parent made for it is gone too");
    }

    @Test
    void theUnifiedMapOnTheRealKernel() throws Exception {
        Cgroup cg = cgroups.create("/" + parent + "/ctr",
            CgroupResourcesTest.parse("{\"unified\": {\"cgroup.max.descendants\": \"7\"}}"));
        assertEquals("7", Files.readString(mount.resolve(parent).resolve("ctr/cgroup.max.descendants")).strip());
        cg.update(CgroupResourcesTest.parse("{\"unified\": {\"cgroup.max.descendants\": \"max\"}}"));
        assertEquals("max", Files.readString(mount.resolve(parent).resolve("ctr/cgroup.max.descendants")).strip());
        cg.delete();
    }

    /** Runs {@code command} as a shell that first moves itself into {@code dir}; its exit code and stderr. */
    private String inCgroup(Path dir, String command) throws Exception {
        Process p = new ProcessBuilder("sh", "-c", "echo $$ > " + dir.resolve("cgroup.procs") + " && " + command)
            .redirectErrorStream(true).start();
        started.add(p);
        assertTrue(p.waitFor(10, TimeUnit.SECONDS));
        return (p.exitValue() + " " + new String(p.getInputStream().readAllBytes())).strip();
    }

    @Test
    void deviceRulesAreEnforcedByABpfProgram() throws Exception {
        Cgroup cg = cgroups.create("/" + parent + "/ctr", CgroupResourcesTest.parse(
            "{\"devices\": [{\"allow\": false, \"access\": \"rwm\"},"
            + " {\"allow\": true, \"type\": \"c\", \"major\": 1, \"minor\": 3, \"access\": \"rwm\"}]}"));
        assertEquals(List.of(), cg.unsupported());
        Path dir = mount.resolve(parent).resolve("ctr");
        assertEquals(1, dev.berth.linux.bpf.Bpf.queryCgroupDevice(dir).size(), "one program attached");

        assertEquals("0", inCgroup(dir, "head -c1 /dev/null"), "/dev/null opens");
        assertEquals("0", inCgroup(dir, "echo x > /dev/null"), "and takes writes");
        String zero = inCgroup(dir, "exec head -c1 /dev/zero");
        assertTrue(zero.startsWith("1 ") && zero.contains("/dev/zero") && zero.contains("Operation not permitted"), zero);
        Cgroup other = cgroups.create("/" + parent + "/other", Resources.NONE);
        assertEquals("0 x", inCgroup(other.dirs().get(0), "head -c1 /dev/zero | tr '\\0' x"),
            "a sibling without the program opens /dev/zero");

        // an update replaces the program: /dev/zero allowed now, /dev/null denied
        cg.update(CgroupResourcesTest.parse("{\"devices\": [{\"allow\": false},"
            + " {\"allow\": true, \"type\": \"c\", \"major\": 1, \"minor\": 5, \"access\": \"r\"}]}"));
        assertEquals(1, dev.berth.linux.bpf.Bpf.queryCgroupDevice(dir).size(), "the old program is detached");
        assertEquals("0 x", inCgroup(dir, "head -c1 /dev/zero | tr '\\0' x"));
        String nul = inCgroup(dir, "exec head -c1 /dev/null");
        assertTrue(nul.startsWith("1 ") && nul.contains("Operation not permitted"), nul);
        String write = inCgroup(dir, "exec sh -c 'echo > /dev/zero'");
        assertTrue(write.startsWith("2 ") && write.contains("Operation not permitted"), "only r granted: " + write);
        cg.delete();
    }

    @Test
    void aRuleListV1WouldMisapplyIsRefusedBeforeAnythingIsMade() {
        CgroupException e = assertThrows(CgroupException.class, () -> cgroups.create("/" + parent + "/ctr",
            CgroupResourcesTest.parse("{\"devices\": [{\"allow\": true, \"type\": \"c\"},"
                + " {\"allow\": false, \"type\": \"c\", \"major\": 1, \"minor\": 5}]}")));
        assertTrue(e.getMessage().contains("cannot take one device out of the earlier wildcard rule"), e.getMessage());
        assertFalse(Files.exists(mount.resolve(parent)));
    }
}
