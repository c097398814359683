package dev.berth.runtime.cgroup;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The device program, run by a small interpreter of the instructions it may contain (any other
 * opcode fails the test), against the devices and access modes the kernel would ask about.
 */
class DeviceFilterTest {
    private static final int C = DevicePolicy.CHAR;
    private static final int B = DevicePolicy.BLOCK;
    private static final int R = DevicePolicy.READ;
    private static final int W = DevicePolicy.WRITE;
    private static final int M = DevicePolicy.MKNOD;

    private static Resources.DeviceRule allow(String type, Long major, Long minor, String access) {
        return new Resources.DeviceRule(true, type, major, minor, access);
    }

    private static Resources.DeviceRule deny(String type, Long major, Long minor, String access) {
        return new Resources.DeviceRule(false, type, major, minor, access);
    }

    private static byte[] program(Resources.DeviceRule... rules) throws CgroupException {
        return DeviceFilter.program(List.of(rules));
    }

    /** What the program answers for an access to a device: true allows, false is EPERM. */
    static boolean run(byte[] prog, int type, long major, long minor, int access) {
        long[] reg = new long[11];
        int[] ctx = {access << 16 | type, (int) major, (int) minor};
        for (int pc = 0, steps = 0; steps < 100_000; steps++) {
            int op = prog[pc * 8] & 0xff;
            int dst = prog[pc * 8 + 1] & 0xf;
            int src = (prog[pc * 8 + 1] >> 4) & 0xf;
            int off = (short) ((prog[pc * 8 + 2] & 0xff) | (prog[pc * 8 + 3] & 0xff) << 8);
            int imm = (prog[pc * 8 + 4] & 0xff) | (prog[pc * 8 + 5] & 0xff) << 8 | (prog[pc * 8 + 6] & 0xff) << 16
                | (prog[pc * 8 + 7] & 0xff) << 24;
            pc++;
            switch (op) {
                case Ebpf.LDX_MEM_W -> {
                    assertEquals(Ebpf.R1, src, "loads come from the context only");
                    reg[dst] = ctx[off / 4] & 0xffffffffL;
                }
                case Ebpf.ALU_AND_K -> reg[dst] = (reg[dst] & imm) & 0xffffffffL;
                case Ebpf.ALU_RSH_K -> reg[dst] = (reg[dst] & 0xffffffffL) >>> imm;
                case Ebpf.ALU_MOV_K -> reg[dst] = imm & 0xffffffffL;
                case Ebpf.ALU_MOV_X -> reg[dst] = reg[src] & 0xffffffffL;
                case Ebpf.JMP_JNE_K -> pc += reg[dst] != (long) imm ? off : 0;
                case Ebpf.JMP_JEQ_K -> pc += reg[dst] == (long) imm ? off : 0;
                case Ebpf.JMP_JNE_X -> pc += reg[dst] != reg[src] ? off : 0;
                case Ebpf.JMP_EXIT -> {
                    assertTrue(reg[0] == 0 || reg[0] == 1, "a device program answers 0 or 1");
                    return reg[0] == 1;
                }
                default -> throw new AssertionError("unexpected opcode 0x" + Integer.toHexString(op));
            }
            assertTrue(pc >= 0 && pc * 8 < prog.length, "jumped outside the program");
        }
        throw new AssertionError("the program does not end");
    }

    @Test
    void noRulesDenyEverything() throws Exception {
        byte[] p = program();
        assertFalse(run(p, C, 1, 3, R));
        assertFalse(run(p, B, 8, 0, M));
        assertEquals(List.of(0x61, 0x54, 0x61, 0x74, 0x61, 0x61, 0xb4, 0x95), opcodes(p));
        assertEquals(0, p[6 * 8 + 4], "return 0");
    }

    @Test
    void allowAllAllowsEverything() throws Exception {
        byte[] p = program(allow("a", null, null, "rwm"));
        assertTrue(run(p, C, 1, 5, R | W));
        assertTrue(run(p, B, 259, 0, M));
        assertEquals(8, p.length / 8, "no exceptions: the prologue and return 1");
    }

    @Test
    void denyAllAfterAllowsResetsThem() throws Exception {
        byte[] p = program(allow("c", 1L, 3L, "rwm"), deny(null, null, null, null));
        assertFalse(run(p, C, 1, 3, R));
    }

    @Test
    void theUsualListAllowsItsDevicesAndNothingElse() throws Exception {
        byte[] p = DeviceFilter.program(withDefaults(deny("a", null, null, "rwm")));
        assertTrue(run(p, C, 1, 3, R | W), "/dev/null");
        assertTrue(run(p, C, 1, 9, R), "/dev/urandom");
        assertTrue(run(p, C, 136, 4, R | W), "/dev/pts/4: wildcard minor");
        assertTrue(run(p, C, 42, 7, M), "mknod of any character device");
        assertTrue(run(p, B, 8, 1, M), "mknod of any block device");
        assertFalse(run(p, B, 8, 1, R), "reading /dev/sda1");
        assertFalse(run(p, C, 1, 1, R), "/dev/mem");
        assertFalse(run(p, C, 42, 7, R), "mknod grants no open");
        assertFalse(run(p, B, 1, 3, R), "the type must match: b 1:3 is not /dev/null");
    }

    @Test
    void wildcardMajorsAndMinors() throws Exception {
        byte[] p = program(allow("c", null, 5L, "r"), allow("b", 8L, -1L, "rw"));
        assertTrue(run(p, C, 1, 5, R));
        assertTrue(run(p, C, 7, 5, R));
        assertFalse(run(p, C, 7, 6, R));
        assertFalse(run(p, C, 1, 5, W), "only r is granted");
        assertFalse(run(p, C, 1, 5, R | W), "all of the access must be granted");
        assertTrue(run(p, B, 8, 17, R | W));
        assertFalse(run(p, B, 9, 17, R));
        assertFalse(run(p, B, 8, 17, M));
    }

    @Test
    void typeAResetsAndLaterRulesCount() throws Exception {
        byte[] p = program(deny("a", null, null, null), allow("c", 1L, 3L, "rwm"), allow("a", null, null, null),
            deny("c", 1L, 5L, "rwm"), deny("b", null, null, "w"));
        assertTrue(run(p, C, 1, 3, R), "allowed anyway: allow-all came later");
        assertTrue(run(p, C, 1, 7, R | W));
        assertFalse(run(p, C, 1, 5, R), "/dev/zero denied");
        assertTrue(run(p, B, 8, 0, R), "reading a block device");
        assertFalse(run(p, B, 8, 0, W));
        assertFalse(run(p, B, 8, 0, R | W), "O_RDWR asks for a denied write, and is denied");
    }

    @Test
    void aDenyTakesAccessAwayFromTheSameDevice() throws Exception {
        byte[] p = program(allow("c", 1L, 3L, "rwm"), deny("c", 1L, 3L, "w"), allow("c", 1L, 5L, "r"),
            deny("c", 1L, 5L, "r"));
        assertTrue(run(p, C, 1, 3, R));
        assertTrue(run(p, C, 1, 3, M));
        assertFalse(run(p, C, 1, 3, W));
        assertFalse(run(p, C, 1, 5, R), "nothing left of the second exception");
        assertEquals(1, DevicePolicy.of(List.of(allow("c", 1L, 3L, "rwm"), deny("c", 1L, 3L, "w"),
            allow("c", 1L, 5L, "r"), deny("c", 1L, 5L, "r"))).exceptions().size());
    }

    @Test
    void rulesForTheSameDeviceMerge() throws Exception {
        DevicePolicy p = DevicePolicy.of(List.of(allow("c", 1L, 3L, "r"), allow("c", 1L, 3L, "w")));
        assertEquals(List.of(new DevicePolicy.Exception(C, 1, 3, R | W)), p.exceptions());
        assertTrue(run(DeviceFilter.program(p), C, 1, 3, R | W));
    }

    @Test
    void aHoleInAWildcardIsRefused() {
        CgroupException e = assertThrows(CgroupException.class,
            () -> program(allow("c", null, null, "rwm"), deny("c", 1L, 5L, "rwm")));
        assertEquals("linux.resources.devices[1]: \"deny c 1:5 rwm\" cannot take one device out of the earlier "
            + "wildcard rule \"allow c *:* rwm\" (cgroup v1 would ignore it silently): name the devices to allow "
            + "one by one instead of the wildcard", e.getMessage());
        assertThrows(CgroupException.class,
            () -> program(allow("a", null, null, null), deny("b", 8L, null, "r"), allow("b", 8L, 1L, "r")));
    }

    @Test
    void aHoleThatMissesTheWildcardsAccessIsFine() throws Exception {
        byte[] p = program(allow("c", null, null, "m"), deny("c", 1L, 5L, "rw"), allow("c", 1L, 5L, "r"));
        assertTrue(run(p, C, 1, 5, R));
        assertTrue(run(p, C, 9, 9, M));
        assertFalse(run(p, C, 1, 5, W));
    }

    @Test
    void numbersNoDeviceHasMatchNothing() throws Exception {
        byte[] p = program(allow("c", 3_000_000_000L, null, "rwm"));
        assertFalse(run(p, C, 3_000_000_000L, 0, R));
        assertEquals(8, p.length / 8);
    }

    @Test
    void jumpsAreResolvedForward() {
        Ebpf e = new Ebpf();
        int l = e.label();
        e.jump(Ebpf.JMP_JNE_K, Ebpf.R2, 7, l);
        e.ret(1);
        e.bind(l);
        e.ret(0);
        byte[] b = e.assemble();
        assertEquals(5 * 8, b.length);
        assertEquals(0x55, b[0] & 0xff);
        assertEquals(0x02, b[1], "dst r2 in the low nibble");
        assertEquals(2, b[2], "skips the two instructions of the return");
        assertEquals(7, b[4]);
        Ebpf unbound = new Ebpf();
        unbound.jump(Ebpf.JMP_JEQ_K, Ebpf.R1, 0, unbound.label());
        assertThrows(IllegalStateException.class, unbound::assemble);
    }

    private static List<Resources.DeviceRule> withDefaults(Resources.DeviceRule... first) {
        List<Resources.DeviceRule> rules = new ArrayList<>(List.of(first));
        rules.addAll(DefaultDevices.rules());
        return rules;
    }

    private static List<Integer> opcodes(byte[] p) {
        List<Integer> out = new ArrayList<>();
        for (int i = 0; i < p.length; i += 8) {
            out.add(p[i] & 0xff);
        }
        return out;
    }
}
