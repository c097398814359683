package dev.berth.runtime.cgroup;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The v1 driver on this host's kernel (skipped elsewhere). Everything happens below a parent
 * named {@code berth-test-<random>} that the test makes and removes in every hierarchy, and only
 * processes the test started are moved or killed.
 */
class CgroupV1KernelTest {
    private Cgroups cgroups;
    private String parent;
    /** controller to its hierarchy's mount point */
    private final Map<String, Path> mounts = new LinkedHashMap<>();
    private final List<Process> started = new ArrayList<>();

    static boolean root() throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith("Uid:")) {
                return line.split("\t")[1].equals("0");
            }
        }
        return false;
    }

    static String randomName() {
        byte[] b = new byte[6];
        ThreadLocalRandom.current().nextBytes(b);
        return "berth-test-" + HexFormat.of().formatHex(b);
    }

    @BeforeEach
    void setUp() throws Exception {
        assumeTrue(root(), "cgroups need root");
        cgroups = Cgroups.detect();
        assumeTrue(cgroups.version() == 1, "this host does not use cgroup v1");
        for (String d : cgroups.describe()) {
            int sp = d.indexOf(' ');
            for (String c : d.substring(0, sp).split(",")) {
                mounts.put(c, Path.of(d.substring(sp + 1)));
            }
        }
        parent = randomName();
    }

    @AfterEach
    void tearDown() throws Exception {
        if (cgroups == null) {
            return;
        }
        Cgroup p = cgroups.open("/" + parent);
        Path freezer = mounts.get("freezer");
        for (Process proc : started) {
            if (freezer != null && Files.exists(freezer.resolve(parent).resolve("ctr/freezer.state"))) {
                // a frozen task takes its SIGKILL only once thawed
                Files.writeString(freezer.resolve(parent).resolve("ctr/freezer.state"), "THAWED");
            }
            proc.destroyForcibly();
            proc.waitFor(5, TimeUnit.SECONDS);
        }
        try {
            p.delete();
        } finally {
            for (Path d : p.dirs()) {
                assertFalse(Files.exists(d), "left behind: " + d);
            }
        }
    }

    private Path dir(String controller) {
        return mounts.get(controller).resolve(parent).resolve("ctr");
    }

    private static String read(Path p) throws IOException {
        return Files.readString(p).strip();
    }

    private Process start(String script, List<Path> args) throws IOException {
        List<String> cmd = new ArrayList<>(List.of("sh", "-c", script, "sh"));
        for (Path a : args) {
            cmd.add(a.toString());
        }
        Process p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.DISCARD).start();
        started.add(p);
        return p;
    }

    private static String state(long pid) throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
            if (line.startsWith("State:")) {
                return line.substring(6).strip();
            }
        }
        return "";
    }

    @Test
    void limitsProcessesFreezeStatsAndDelete() throws Exception {
        long limit = 64L * 1024 * 1024 + 99;
        Cgroup cg = cgroups.create("/" + parent + "/ctr", CgroupResourcesTest.parse("""
            {"memory": {"limit": %d, "reservation": 33554432, "swap": 134217728, "swappiness": 10},
             "cpu": {"shares": 512, "quota": 20000, "period": 100000, "cpus": "0", "mems": "0"},
             "pids": {"limit": 50},
             "devices": [{"allow": false, "access": "rwm"},
                         {"allow": true, "type": "c", "major": 1, "minor": 3, "access": "rwm"},
                         {"allow": true, "type": "c", "major": 1, "minor": 5, "access": "r"}]}
            """.formatted(limit)));
        assertEquals(1, cg.version());
        assertEquals(List.of(), cg.unsupported());
        assertTrue(cg.exists());

        // the kernel's own view; it keeps memory limits in whole pages
        assertEquals(Long.toString(limit / 4096 * 4096), read(dir("memory").resolve("memory.limit_in_bytes")));
        assertEquals("134217728", read(dir("memory").resolve("memory.memsw.limit_in_bytes")));
        assertEquals("33554432", read(dir("memory").resolve("memory.soft_limit_in_bytes")));
        assertEquals("10", read(dir("memory").resolve("memory.swappiness")));
        assertEquals("512", read(dir("cpu").resolve("cpu.shares")));
        assertEquals("20000", read(dir("cpu").resolve("cpu.cfs_quota_us")));
        assertEquals("100000", read(dir("cpu").resolve("cpu.cfs_period_us")));
        assertEquals("0", read(dir("cpuset").resolve("cpuset.cpus")));
        assertEquals("0", read(dir("cpuset").resolve("cpuset.mems")));
        assertFalse(read(dir("cpuset").getParent().resolve("cpuset.cpus")).isEmpty(), "the parent got cpus too");
        assertEquals("50", read(dir("pids").resolve("pids.max")));
        assertEquals("c 1:3 rwm\nc 1:5 r", read(dir("devices").resolve("devices.list")));

        // a process joins itself through joinFiles (tasks, and the hybrid v2 cgroup.procs), as C1 does when clone3 cannot, then spins
        Process proc = start("for f in \"$@\"; do echo 0 > \"$f\" || exit 1; done; echo in; read go; "
            + "while :; do :; done", cg.joinFiles());
        long pid = proc.pid();
        assertEquals("in", new BufferedReader(new InputStreamReader(proc.getInputStream())).readLine(),
            "the process wrote itself into every join file");
        assertEquals(List.of(pid), cg.pids());
        String own = Files.readString(Path.of("/proc/" + pid + "/cgroup"));
        assertTrue(own.contains(":memory:/" + parent + "/ctr\n"), own);
        assertTrue(own.contains(":cpu:/" + parent + "/ctr\n") || own.contains(":cpu,cpuacct:/" + parent + "/ctr\n"), own);
        if (cgroups.hybrid()) {
            assertTrue(own.contains("0::/" + parent + "/ctr\n"), own);
        }
        try (OutputStream in = proc.getOutputStream()) {
            in.write("go\n".getBytes());
        }
        Thread.sleep(400);

        CgroupStats s = cg.stats();
        assertTrue(s.cpuUsage() > 0, s.toString());
        assertNotNull(s.cpuUser());
        assertTrue(s.cpuPeriods() > 0, "a quota counts periods: " + s);
        assertEquals(1L, s.pidsCurrent());
        assertEquals(50L, s.pidsLimit());
        assertEquals(limit / 4096 * 4096, s.memoryLimit());
        assertNotNull(s.memoryUsage());
        assertEquals(false, s.underOom());

        cg.freeze();
        assertTrue(cg.isFrozen());
        assertEquals("FROZEN", read(dir("freezer").resolve("freezer.state")));
        assertNotEquals('R', state(pid).charAt(0), "a frozen busy loop does not run");
        long frozenAt = cg.stats().cpuUsage();
        Thread.sleep(200);
        assertEquals(frozenAt, cg.stats().cpuUsage(), "no cpu time while frozen");

        cg.thaw();
        assertFalse(cg.isFrozen());
        assertEquals("THAWED", read(dir("freezer").resolve("freezer.state")));
        Thread.sleep(300);
        assertTrue(cg.stats().cpuUsage() > frozenAt, "it runs again");

        ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
        assertTrue(proc.waitFor(5, TimeUnit.SECONDS));
        for (int i = 0; i < 200 && !cg.pids().isEmpty(); i++) {
            Thread.sleep(10);
        }
        assertEquals(List.of(), cg.pids());

        cg.delete();
        assertFalse(cg.exists());
        for (Path d : cg.dirs()) {
            assertFalse(Files.exists(d), d.toString());
        }
        cg.delete();
    }

    @Test
    void updatesMemoryUpAndDownInTheKernelsOrder() throws Exception {
        Cgroup cg = cgroups.create("/" + parent + "/ctr",
            CgroupResourcesTest.parse("{\"memory\": {\"limit\": 67108864, \"swap\": 134217728}}"));
        Path mem = dir("memory");
        cg.update(CgroupResourcesTest.parse("{\"memory\": {\"limit\": 268435456, \"swap\": 536870912}}"));
        assertEquals("268435456", read(mem.resolve("memory.limit_in_bytes")));
        assertEquals("536870912", read(mem.resolve("memory.memsw.limit_in_bytes")));
        cg.update(CgroupResourcesTest.parse("{\"memory\": {\"limit\": 33554432, \"swap\": 67108864}}"));
        assertEquals("33554432", read(mem.resolve("memory.limit_in_bytes")));
        assertEquals("67108864", read(mem.resolve("memory.memsw.limit_in_bytes")));
        cg.update(CgroupResourcesTest.parse("{\"memory\": {\"limit\": -1}, \"pids\": {\"limit\": -1}}"));
        assertEquals(-1L, cg.stats().memoryLimit());
        assertEquals("max", read(dir("pids").resolve("pids.max")));
        // the kernel itself refuses memory above memory+swap
        CgroupException e = assertThrows(CgroupException.class,
            () -> cg.update(CgroupResourcesTest.parse("{\"memory\": {\"swap\": 1048576}}")));
        assertTrue(e.getMessage().startsWith("cannot set memory.memsw.limit_in_bytes to \"1048576\" in "),
            e.getMessage());
        cg.delete();
    }

    @Test
    void aFailingWriteLeavesNothingBehind() throws Exception {
        CgroupException e = assertThrows(CgroupException.class, () -> cgroups.create("/" + parent + "/ctr",
            CgroupResourcesTest.parse("{\"pids\": {\"limit\": 10}, \"cpu\": {\"cpus\": \"0-1023\"}}")));
        assertTrue(e.getMessage().startsWith("cannot set cpuset.cpus to \"0-1023\" in " + dir("cpuset") + ": "),
            e.getMessage());
        Cgroup p = cgroups.open("/" + parent);
        assertFalse(p.exists(), "the parent made for it is gone too, in every hierarchy");
    }

    @Test
    void hybridKillsThroughTheV2Hierarchy() throws Exception {
        assumeTrue(cgroups.hybrid(), "not a hybrid host");
        Cgroup cg = cgroups.create("/" + parent + "/ctr", Resources.NONE);
        Process proc = new ProcessBuilder("sleep", "300").start();
        started.add(proc);
        cg.join(proc.pid());
        assertTrue(cg.pids().contains(proc.pid()));
        assertTrue(cg.kill());
        assertTrue(proc.waitFor(5, TimeUnit.SECONDS));
        assertEquals(137, proc.exitValue(), "SIGKILL");
        cg.delete();
        assertFalse(cg.exists());
    }
}
