package dev.berth.runtime.seccomp;

import static dev.berth.runtime.seccomp.SeccompVm.ALLOW;
import static dev.berth.runtime.seccomp.SeccompVm.AUDIT_I386;
import static dev.berth.runtime.seccomp.SeccompVm.AUDIT_X86_64;
import static dev.berth.runtime.seccomp.SeccompVm.ENOSYS;
import static dev.berth.runtime.seccomp.SeccompVm.EPERM;
import static dev.berth.runtime.seccomp.SeccompVm.errno;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.berth.runtime.json.Json;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The compiler on hand-made models: operators, rule order, actions, long programs. */
class SeccompCompilerTest {
    static final int READ = 0;
    static final int WRITE = 1;
    /** Values on both sides of the 32-bit halves' edges. */
    static final long[] EDGES = {0, 1, 40, 0x7fffffffL, 0x80000000L, 0xfffffffeL, 0xffffffffL, 0x1_00000000L,
        0x1_00000028L, 0x1_ffffffffL, 0x2_00000000L, 0x7fffffff_ffffffffL, 0x80000000_00000000L,
        0xffffffff_00000000L, 0xffffffff_fffffffeL, 0xffffffff_ffffffffL};

    static Seccomp model(String json) throws Exception {
        return Seccomp.fromOci(Json.parseObject(json));
    }

    static SeccompVm vm(String json) throws Exception {
        return new SeccompVm(SeccompCompiler.compile(model(json), SeccompArch.X86_64));
    }

    static String rule(String names, String action, String args) {
        return "{\"names\":[" + names + "],\"action\":\"" + action + "\",\"args\":[" + args + "]}";
    }

    static String arg(int index, SeccompOp op, long value, long valueTwo) {
        return "{\"index\":" + index + ",\"op\":\"" + op.ociName() + "\",\"value\":" + Long.toUnsignedString(value)
            + ",\"valueTwo\":" + Long.toUnsignedString(valueTwo) + "}";
    }

    static String profile(String... rules) {
        return "{\"defaultAction\":\"SCMP_ACT_ERRNO\",\"architectures\":[\"SCMP_ARCH_X86_64\",\"SCMP_ARCH_X86\"],"
            + "\"syscalls\":[" + String.join(",", rules) + "]}";
    }

    @Test
    void everyOperatorComparesAll64Bits() throws Exception {
        int checked = 0;
        for (SeccompOp op : SeccompOp.values()) {
            for (long value : EDGES) {
                for (long two : op == SeccompOp.MASKED_EQ ? EDGES : new long[] {0}) {
                    SeccompVm vm = vm(profile(rule("\"read\"", "SCMP_ACT_ALLOW", arg(2, op, value, two))));
                    for (long a : EDGES) {
                        boolean want = op.test(a, value, two);
                        int got = vm.run(AUDIT_X86_64, READ, 7, 7, a, 7);
                        assertEquals(want ? ALLOW : EPERM, got, op + " " + Long.toHexString(a) + " against "
                            + Long.toHexString(value) + "/" + Long.toHexString(two));
                        checked++;
                    }
                }
            }
        }
        assertTrue(checked > 4000);
    }

    @Test
    void i386ComparesTheLowHalfAsAZeroExtendedValue() throws Exception {
        for (SeccompOp op : SeccompOp.values()) {
            for (long value : EDGES) {
                for (long two : op == SeccompOp.MASKED_EQ ? EDGES : new long[] {0}) {
                    SeccompVm vm = vm(profile(rule("\"read\"", "SCMP_ACT_ALLOW", arg(0, op, value, two))));
                    for (long a : EDGES) {
                        boolean want = op.test(a & 0xffffffffL, value, two);
                        assertEquals(want ? ALLOW : EPERM, vm.run(AUDIT_I386, 3, a), op + " " + Long.toHexString(a)
                            + " against " + Long.toHexString(value) + "/" + Long.toHexString(two));
                    }
                }
            }
        }
    }

    @Test
    void conditionsOfOneRuleMustAllHold() throws Exception {
        SeccompVm vm = vm(profile(rule("\"read\"", "SCMP_ACT_ALLOW",
            arg(0, SeccompOp.EQ, 1, 0) + "," + arg(2, SeccompOp.GT, 0x1_00000000L, 0) + ","
                + arg(5, SeccompOp.MASKED_EQ, 0xff00000000L, 0x1200000000L))));
        assertEquals(ALLOW, vm.run(AUDIT_X86_64, READ, 1, 0, 0x1_00000001L, 0, 0, 0x12ffffffffL));
        assertEquals(EPERM, vm.run(AUDIT_X86_64, READ, 2, 0, 0x1_00000001L, 0, 0, 0x12ffffffffL));
        assertEquals(EPERM, vm.run(AUDIT_X86_64, READ, 1, 0, 0x1_00000000L, 0, 0, 0x12ffffffffL));
        assertEquals(EPERM, vm.run(AUDIT_X86_64, READ, 1, 0, 0x1_00000001L, 0, 0, 0x13ffffffffL));
        assertEquals(EPERM, vm.run(AUDIT_X86_64, READ, 1, 0, 0x1_00000001L));
    }

    @Test
    void twoConditionsOnOneArgumentAreAndedToo() throws Exception {
        SeccompVm vm = vm(profile(rule("\"read\"", "SCMP_ACT_ALLOW",
            arg(1, SeccompOp.GE, 10, 0) + "," + arg(1, SeccompOp.LT, 20, 0))));
        assertEquals(EPERM, vm.run(AUDIT_X86_64, READ, 0, 9));
        assertEquals(ALLOW, vm.run(AUDIT_X86_64, READ, 0, 10));
        assertEquals(ALLOW, vm.run(AUDIT_X86_64, READ, 0, 19));
        assertEquals(EPERM, vm.run(AUDIT_X86_64, READ, 0, 20));
    }

    @Test
    void rulesOfOneSyscallAreTriedInOrder() throws Exception {
        SeccompVm vm = vm(profile(
            "{\"names\":[\"read\"],\"action\":\"SCMP_ACT_ERRNO\",\"errnoRet\":5,\"args\":[" + arg(0, SeccompOp.EQ, 3, 0) + "]}",
            rule("\"read\"", "SCMP_ACT_ALLOW", arg(0, SeccompOp.LT, 10, 0)),
            "{\"names\":[\"read\"],\"action\":\"SCMP_ACT_TRACE\",\"errnoRet\":77,\"args\":[" + arg(1, SeccompOp.NE, 0, 0) + "]}",
            rule("\"read\"", "SCMP_ACT_LOG", ""),
            rule("\"read\"", "SCMP_ACT_KILL_PROCESS", "")));
        assertEquals(errno(5), vm.run(AUDIT_X86_64, READ, 3));
        assertEquals(ALLOW, vm.run(AUDIT_X86_64, READ, 4, 1));
        assertEquals(0x7ff00000 | 77, vm.run(AUDIT_X86_64, READ, 10, 1));
        assertEquals(0x7ffc0000, vm.run(AUDIT_X86_64, READ, 10, 0), "the unconditional LOG ends the list");
    }

    @Test
    void actionsAndErrnoRet() throws Exception {
        SeccompVm vm = vm("{\"defaultAction\":\"SCMP_ACT_ERRNO\",\"defaultErrnoRet\":13,\"syscalls\":["
            + "{\"names\":[\"read\"],\"action\":\"SCMP_ACT_ERRNO\",\"errnoRet\":4095},"
            + "{\"names\":[\"write\"],\"action\":\"SCMP_ACT_ERRNO\"},"
            + "{\"names\":[\"open\"],\"action\":\"SCMP_ACT_KILL\"},"
            + "{\"names\":[\"close\"],\"action\":\"SCMP_ACT_KILL_PROCESS\"},"
            + "{\"names\":[\"stat\"],\"action\":\"SCMP_ACT_KILL_THREAD\"},"
            + "{\"names\":[\"fstat\"],\"action\":\"SCMP_ACT_TRAP\"},"
            + "{\"names\":[\"lstat\"],\"action\":\"SCMP_ACT_TRACE\",\"errnoRet\":65535},"
            + "{\"names\":[\"poll\"],\"action\":\"SCMP_ACT_LOG\"},"
            + "{\"names\":[\"lseek\"],\"action\":\"SCMP_ACT_ALLOW\"},"
            + "{\"names\":[\"mmap\"],\"action\":\"SCMP_ACT_ERRNO\",\"errnoRet\":0},"
            + "{\"names\":[\"munmap\"],\"action\":\"SCMP_ACT_ALLOW\"}]}");
        assertEquals(errno(4095), vm.run(AUDIT_X86_64, 0));
        assertEquals(errno(1), vm.run(AUDIT_X86_64, 1), "EPERM when errnoRet is absent");
        assertEquals(0, vm.run(AUDIT_X86_64, 2));
        assertEquals(0x80000000, vm.run(AUDIT_X86_64, 3));
        assertEquals(0, vm.run(AUDIT_X86_64, 4));
        assertEquals(0x00030000, vm.run(AUDIT_X86_64, 5));
        assertEquals(0x7ff0ffff, vm.run(AUDIT_X86_64, 6));
        assertEquals(0x7ffc0000, vm.run(AUDIT_X86_64, 7));
        assertEquals(ALLOW, vm.run(AUDIT_X86_64, 8));
        assertEquals(errno(0), vm.run(AUDIT_X86_64, 9));
        assertEquals(errno(13), vm.run(AUDIT_X86_64, 10), "the default, with defaultErrnoRet");
        assertEquals(ALLOW, vm.run(AUDIT_X86_64, 11));
        assertEquals(ENOSYS, vm.run(AUDIT_X86_64, 12), "above the highest syscall named");
    }

    @Test
    void rulesWithTheDefaultActionChangeNothingAsInRunc() throws Exception {
        SeccompVm vm = vm(profile(
            "{\"names\":[\"read\"],\"action\":\"SCMP_ACT_ERRNO\",\"args\":[" + arg(0, SeccompOp.EQ, 3, 0) + "]}",
            rule("\"read\"", "SCMP_ACT_ALLOW", "")));
        assertEquals(ALLOW, vm.run(AUDIT_X86_64, READ, 3));
    }

    @Test
    void aPermissiveDefaultHasNoEnosysTail() throws Exception {
        SeccompVm vm = vm("{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":["
            + "{\"names\":[\"mount\",\"no_such_call\"],\"action\":\"SCMP_ACT_ERRNO\"}]}");
        assertEquals(EPERM, vm.run(AUDIT_X86_64, 165));
        assertEquals(ALLOW, vm.run(AUDIT_X86_64, 0));
        assertEquals(ALLOW, vm.run(AUDIT_X86_64, 5000));
        assertEquals(SeccompVm.KILL_PROCESS, vm.run(AUDIT_I386, 21), "i386 was not named");
    }

    @Test
    void unknownNamesAreSkipped() throws Exception {
        SeccompVm vm = vm(profile(rule("\"read\",\"sys_from_the_future\",\"s390_runtime_instr\"", "SCMP_ACT_ALLOW", "")));
        assertEquals(ALLOW, vm.run(AUDIT_X86_64, READ));
        assertEquals(ENOSYS, vm.run(AUDIT_X86_64, WRITE), "above read, the highest the profile names here");
    }

    @Test
    void longJumpsInAProgramOfThousandsOfInstructions() throws Exception {
        // every name of the x86_64 and i386 tables, each with a 64-bit condition of its own
        Map<String, Integer> names = new java.util.TreeMap<>(table("x86"));
        names.putAll(table("x86_64"));
        SeccompOp[] ops = SeccompOp.values();
        List<String> rules = new ArrayList<>();
        for (String name : names.keySet()) {
            int nr = SeccompArch.X86_64.syscall(name);
            long value = nr < 0 ? 5 : 0x1_00000000L * (nr % 5) + nr;
            rules.add("{\"names\":[\"" + name + "\"],\"action\":\"SCMP_ACT_ERRNO\",\"errnoRet\":" + (nr & 0xfff)
                + ",\"args\":[" + arg(nr & 3, ops[(nr & 0x7fffffff) % ops.length], value, value >>> 1) + "]}");
        }
        assertTrue(rules.size() > 450, rules.size() + " rules");
        Seccomp m = model("{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":[" + String.join(",", rules) + "]}");
        SeccompVm vm = new SeccompVm(SeccompCompiler.compile(m, SeccompArch.X86_64));
        assertTrue(vm.length() > 2000, vm.length() + " instructions");
        assertTrue(vm.count(0x05) > 0, "some branches needed a ja");
        int checked = 0;
        for (Seccomp.Rule r : m.syscalls()) {
            int nr = SeccompArch.X86_64.syscall(r.names().get(0));
            if (nr < 0) {
                continue;
            }
            Seccomp.Arg c = r.args().get(0);
            for (long a : EDGES) {
                long[] args = new long[6];
                args[c.index()] = a;
                boolean hit = c.op().test(a, c.value(), c.valueTwo());
                assertEquals(hit ? errno(nr & 0xfff) : ALLOW, vm.run(AUDIT_X86_64, nr, args), r.names() + " " + a);
                checked++;
            }
            long[] args = new long[6];
            args[c.index()] = c.value();
            assertEquals(c.op().test(c.value(), c.value(), c.valueTwo()) ? errno(nr & 0xfff) : ALLOW,
                vm.run(AUDIT_X86_64, nr, args), r.names() + " at its value");
        }
        assertTrue(checked > 380 * EDGES.length, checked + " runs");
    }

    @Test
    void oneSyscallWithAChainLongerThanAJump() throws Exception {
        List<String> rules = new ArrayList<>();
        for (int i = 0; i < 120; i++) {
            rules.add("{\"names\":[\"write\"],\"action\":\"SCMP_ACT_ERRNO\",\"errnoRet\":" + (i + 2) + ",\"args\":["
                + arg(0, SeccompOp.EQ, 0x10_00000000L + i, 0) + "]}");
        }
        rules.add(rule("\"read\"", "SCMP_ACT_ALLOW", ""));
        SeccompVm vm = vm(profile(rules.toArray(new String[0])));
        for (int i = 0; i < 120; i++) {
            assertEquals(errno(i + 2), vm.run(AUDIT_X86_64, WRITE, 0x10_00000000L + i));
        }
        assertEquals(EPERM, vm.run(AUDIT_X86_64, WRITE, 120));
        assertEquals(ALLOW, vm.run(AUDIT_X86_64, READ));
    }

    @Test
    void tooLongForTheKernel() throws Exception {
        List<String> rules = new ArrayList<>();
        for (int i = 0; i < 900; i++) {
            rules.add(rule("\"read\"", "SCMP_ACT_ALLOW", arg(0, SeccompOp.EQ, 0x10_00000000L + i, 0)));
        }
        SeccompException e = assertThrows(SeccompException.class,
            () -> SeccompCompiler.compile(model(profile(rules.toArray(new String[0]))), SeccompArch.X86_64));
        assertTrue(e.getMessage().startsWith("seccomp: the filter needs "), e.getMessage());
    }

    @Test
    void flagsForTheKernel() throws Exception {
        Seccomp s = model("{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"flags\":[\"SECCOMP_FILTER_FLAG_TSYNC\","
            + "\"SECCOMP_FILTER_FLAG_LOG\",\"SECCOMP_FILTER_FLAG_SPEC_ALLOW\",\"SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV\"]}");
        assertEquals(1 | 2 | 4 | 32, s.flags());
        assertEquals(7, SeccompCompiler.flags(s), "WAIT_KILLABLE_RECV needs a listener");
        assertEquals(0, SeccompCompiler.flags(model("{\"defaultAction\":\"SCMP_ACT_ALLOW\"}")));
    }

    @Test
    void hexIsWhatTheStageGets() throws Exception {
        byte[] p = SeccompCompiler.compile(model("{\"defaultAction\":\"SCMP_ACT_ALLOW\"}"), SeccompArch.X86_64);
        String hex = SeccompCompiler.hex(p);
        assertEquals(p.length * 2, hex.length());
        // ld [4]: code 0x0020, jt 0, jf 0, k 4
        assertTrue(hex.startsWith("2000000004000000"), hex);
    }

    @Test
    void tablesAnswerEveryName() {
        String[][] files = {{"x86_64", "X86_64"}, {"x86", "X86"}, {"x32", "X32"}, {"aarch64", "AARCH64"}};
        for (String[] f : files) {
            SeccompArch arch = SeccompArch.valueOf(f[1]);
            Map<String, Integer> t = table(f[0]);
            assertTrue(t.size() > 300, f[0]);
            for (Map.Entry<String, Integer> e : t.entrySet()) {
                int base = arch == SeccompArch.X32 ? SeccompArch.X32_SYSCALL_BIT : 0;
                assertEquals(base + e.getValue(), arch.syscall(e.getKey()), f[0] + " " + e.getKey());
            }
            for (String missing : new String[] {"", "rea", "reads", "read ", "x", "sys_read", "_"}) {
                assertEquals(-1, arch.syscall(missing), f[0] + " \"" + missing + "\"");
            }
        }
        assertEquals(-1, SeccompArch.ARM.syscall("read"));
        assertEquals(59, SeccompArch.X86_64.syscall("execve"));
        assertEquals(11, SeccompArch.X86.syscall("execve"));
        assertEquals(0x40000000 + 520, SeccompArch.X32.syscall("execve"));
        assertEquals(221, SeccompArch.AARCH64.syscall("execve"));
        assertEquals(-1, SeccompArch.AARCH64.syscall("open"), "arm64 has only openat");
    }

    @Test
    void theInterpreterRefusesWhatTheKernelWould() {
        byte[] jumpOut = {0x15, 0, 5, 0, 0, 0, 0, 0, 0x06, 0, 0, 0, 0, 0, (byte) 0xff, 0x7f};
        assertThrows(IllegalArgumentException.class, () -> new SeccompVm(jumpOut));
        byte[] noRet = {0x20, 0, 0, 0, 0, 0, 0, 0};
        assertThrows(IllegalArgumentException.class, () -> new SeccompVm(noRet));
        byte[] farLoad = {0x20, 0, 0, 0, 64, 0, 0, 0, 0x06, 0, 0, 0, 0, 0, 0, 0};
        assertThrows(IllegalArgumentException.class, () -> new SeccompVm(farLoad));
    }

    /** A syscall table read independently of SeccompArch. */
    static Map<String, Integer> table(String arch) {
        Map<String, Integer> m = new java.util.TreeMap<>();
        try (var in = SeccompArch.class.getResourceAsStream("syscalls-" + arch + ".txt")) {
            for (String line : new String(in.readAllBytes()).split("\n")) {
                if (!line.startsWith("#")) {
                    String[] f = line.split(" ");
                    m.put(f[0], Integer.parseInt(f[1]));
                }
            }
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        return m;
    }
}
