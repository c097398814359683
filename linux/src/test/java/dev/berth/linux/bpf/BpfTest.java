package dev.berth.linux.bpf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.berth.linux.Errno;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * bpf(2) on the real kernel: programs hand-assembled here (the runtime module has the emitter),
 * attached to a cgroup this test makes under a parent of its own on the cgroup2 mount.
 */
class BpfTest {
    private static final int MOV_R0 = 0xb4;
    private static final int EXIT = 0x95;
    private static final int LDX_W = 0x61;
    private static final int JNE = 0x55;

    private Path parent;

    @BeforeEach
    void setUp() throws Exception {
        assumeTrue(Files.readString(Path.of("/proc/self/status")).contains("\nUid:\t0\t"), "bpf(2) needs root");
        Path mount = null;
        for (String line : Files.readAllLines(Path.of("/proc/self/mountinfo"))) {
            if (line.contains(" - cgroup2 ")) {
                mount = Path.of(line.split(" ")[4]);
            }
        }
        assumeTrue(mount != null, "no cgroup2 mount");
        byte[] b = new byte[6];
        ThreadLocalRandom.current().nextBytes(b);
        parent = mount.resolve("berth-test-" + HexFormat.of().formatHex(b));
        Files.createDirectory(parent);
    }

    @AfterEach
    void tearDown() throws Exception {
        if (parent == null) {
            return;
        }
        Path ctr = parent.resolve("ctr");
        for (int i = 0; i < 100 && Files.exists(ctr); i++) {
            try {
                Files.delete(ctr);
            } catch (java.nio.file.FileSystemException e) {
                Thread.sleep(20); // a test process still leaving
            }
        }
        Files.deleteIfExists(parent);
        assertFalse(Files.exists(parent), "left behind: " + parent);
    }

    private static byte[] insns(long... words) {
        byte[] out = new byte[words.length * 8];
        for (int i = 0; i < words.length; i++) {
            for (int b = 0; b < 8; b++) {
                out[i * 8 + b] = (byte) (words[i] >>> (8 * b));
            }
        }
        return out;
    }

    private static long insn(int op, int dst, int src, int off, int imm) {
        return op | (long) dst << 8 | (long) src << 12 | (off & 0xffffL) << 16 | (imm & 0xffffffffL) << 32;
    }

    /** return answer */
    private static byte[] constant(int answer) {
        return insns(insn(MOV_R0, 0, 0, 0, answer), insn(EXIT, 0, 0, 0, 0));
    }

    /** Allows character device 1:minor only, whatever the access. */
    private static byte[] onlyMinor(int minor) {
        return insns(
            insn(LDX_W, 2, 1, 0, 0), insn(0x54, 2, 0, 0, 0xffff), // r2 = type
            insn(LDX_W, 4, 1, 4, 0), insn(LDX_W, 5, 1, 8, 0), // r4 = major, r5 = minor
            insn(MOV_R0, 0, 0, 0, 0),
            insn(JNE, 2, 0, 3, 2), insn(JNE, 4, 0, 2, 1), insn(JNE, 5, 0, 1, minor),
            insn(MOV_R0, 0, 0, 0, 1),
            insn(EXIT, 0, 0, 0, 0));
    }

    private String run(Path cgroup, String command) throws Exception {
        Process p = new ProcessBuilder("sh", "-c", "echo $$ > " + cgroup.resolve("cgroup.procs") + " && " + command)
            .redirectErrorStream(true).start();
        try {
            assertTrue(p.waitFor(10, TimeUnit.SECONDS));
            return (p.exitValue() + " " + new String(p.getInputStream().readAllBytes())).strip();
        } finally {
            p.destroyForcibly();
        }
    }

    @Test
    void aProgramAttachedToACgroupDecidesItsDeviceOpens() throws Exception {
        Path ctr = Files.createDirectory(parent.resolve("ctr"));
        assertEquals(List.of(), Bpf.queryCgroupDevice(ctr));
        try (BpfProgram p = Bpf.loadCgroupDevice(onlyMinor(3), "berth_test")) {
            assertTrue(p.fd() > 2);
            Bpf.attachCgroupDevice(ctr, p);
        }
        List<Integer> ids = Bpf.queryCgroupDevice(ctr);
        assertEquals(1, ids.size());
        assertEquals("0", run(ctr, "head -c1 /dev/null"));
        String zero = run(ctr, "exec head -c1 /dev/zero");
        assertTrue(zero.startsWith("1 ") && zero.contains("Operation not permitted"), zero);

        int replaced = Bpf.replaceCgroupDevice(ctr, onlyMinor(5), "berth_test");
        assertEquals(List.of(replaced), Bpf.queryCgroupDevice(ctr));
        assertNotEquals(ids.get(0), replaced);
        assertEquals("0 1", run(ctr, "head -c1 /dev/zero | wc -c"));
        assertTrue(run(ctr, "exec head -c1 /dev/null").contains("Operation not permitted"));

        Bpf.detachCgroupDevice(ctr, replaced);
        assertEquals(List.of(), Bpf.queryCgroupDevice(ctr));
        assertEquals("0", run(ctr, "head -c1 /dev/null"));
        Bpf.detachCgroupDevice(ctr, replaced); // gone already: fine
    }

    @Test
    void programsAddUpWithAllowMulti() throws Exception {
        Path ctr = Files.createDirectory(parent.resolve("ctr"));
        try (BpfProgram all = Bpf.loadCgroupDevice(constant(1), "berth_test");
                BpfProgram none = Bpf.loadCgroupDevice(constant(0), "berth_test")) {
            Bpf.attachCgroupDevice(ctr, all);
            Bpf.attachCgroupDevice(ctr, none);
        }
        assertEquals(2, Bpf.queryCgroupDevice(ctr).size());
        assertTrue(run(ctr, "exec head -c1 /dev/null").contains("Operation not permitted"), "every program must allow");
        Bpf.replaceCgroupDevice(ctr, constant(1), "berth_test");
        assertEquals(1, Bpf.queryCgroupDevice(ctr).size(), "both old ones detached");
        assertEquals("0", run(ctr, "head -c1 /dev/null"));
    }

    @Test
    void aRefusedProgramCarriesTheVerifierLog() {
        // exit without setting r0
        BpfException e = assertThrows(BpfException.class,
            () -> Bpf.loadCgroupDevice(insns(insn(EXIT, 0, 0, 0, 0)), "berth_bad"));
        assertEquals(Errno.EACCES, e.errno());
        assertTrue(e.log().contains("R0 !read_ok"), e.log());
        assertTrue(e.getMessage().startsWith("bpf(BPF_PROG_LOAD, berth_bad): EACCES (permission denied): verifier: "),
            e.getMessage());
        assertTrue(e.getMessage().contains("R0 !read_ok") && !e.getMessage().contains("\n"), e.getMessage());
    }

    @Test
    void aMissingCgroupIsANamedError() {
        var e = assertThrows(dev.berth.linux.ErrnoException.class,
            () -> Bpf.queryCgroupDevice(parent.resolve("no-such")));
        assertEquals(Errno.ENOENT, e.errno());
    }
}
