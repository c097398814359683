package dev.berth.runtime.seccomp;

import static dev.berth.runtime.seccomp.Assembler.JEQ;
import static dev.berth.runtime.seccomp.Assembler.JGE;
import static dev.berth.runtime.seccomp.Assembler.JGT;
import static dev.berth.runtime.seccomp.Assembler.NEXT;

import java.util.ArrayList;
import java.util.List;

/**
 * Turns a {@link Seccomp} into the classic BPF program that {@code seccomp(SECCOMP_SET_MODE_FILTER,
 * flags(model), &prog)} loads. The layout (see docs/seccomp.md):
 *
 * <ol>
 *   <li>{@code seccomp_data.arch} picks a section; an architecture the filter does not name gets
 *       SECCOMP_RET_KILL_PROCESS (libseccomp's bad-arch action kills the thread only), since its
 *       numbers mean other calls. In the x86_64 section, numbers with the x32 bit go to the x32
 *       section, or are killed when x32 is not named: they must not reach x86_64's rules.
 *   <li>A section is a binary search on the syscall number over ranges with one outcome (most
 *       allowed calls are neighbours), about two instructions a range and seven comparisons a
 *       call. Numbers above the highest the profile names get ENOSYS rather than the default,
 *       as runc does, so that a libc tries the older call when the kernel is newer than the
 *       profile; unless the default already allows.
 *   <li>A call with argument rules tries them in order, first match wins, then the default.
 *       Rules whose action is the default are dropped, as runc does (they change nothing in
 *       libseccomp); conditions of one rule must all hold.
 * </ol>
 */
public final class SeccompCompiler {
    /** BPF_MAXINSNS: the kernel refuses longer filters. */
    public static final int MAX_INSTRUCTIONS = 4096;

    private static final int ENOSYS = 38;
    private static final char[] HEX = "0123456789abcdef".toCharArray();
    private static final int BAD_ARCH = SeccompAction.KILL_PROCESS.ret(0);
    private static final int OFF_NR = 0;
    private static final int OFF_ARCH = 4;
    private static final int OFF_ARGS = 16;
    private static final int FALSE = 0;
    private static final int TRUE = 1;
    /** The high words are equal: the low words decide. */
    private static final int CONT = 2;
    private static final int RUNTIME = 3;

    private SeccompCompiler() {}

    /**
     * The filter for a kernel of architecture {@code nativeArch} ({@link SeccompArch#host()}),
     * as the bytes of its {@code struct sock_filter} array. The same model gives the same bytes.
     */
    public static byte[] compile(Seccomp model, SeccompArch nativeArch) throws SeccompException {
        if (!nativeArch.hasTable()) {
            throw new SeccompException("seccomp: berth cannot write filters for " + nativeArch.ociName() + " yet");
        }
        List<SeccompArch> arches = new ArrayList<>(3);
        arches.add(nativeArch);
        for (SeccompArch c : nativeArch.compatible()) {
            if (c.hasTable() && model.architectures().contains(c.ociName())) {
                arches.add(c);
            }
        }
        Assembler a = new Assembler();
        a.load(OFF_ARCH);
        int[] sections = new int[arches.size()];
        for (int i = 0; i < arches.size(); i++) {
            SeccompArch arch = arches.get(i);
            if (arch != SeccompArch.X32) {
                sections[i] = a.label();
                a.jump(JEQ, arch.audit(), sections[i], NEXT);
            }
        }
        a.ret(BAD_ARCH);
        boolean x32 = arches.contains(SeccompArch.X32);
        for (int i = 0; i < arches.size(); i++) {
            SeccompArch arch = arches.get(i);
            if (arch == SeccompArch.X32) {
                continue;
            }
            a.bind(sections[i]);
            a.load(OFF_NR);
            if (arch == SeccompArch.X86_64) {
                int x32Section = a.label();
                int native64 = a.label();
                a.jump(JGE, SeccompArch.X32_SYSCALL_BIT, x32 ? x32Section : NEXT, native64);
                if (!x32) {
                    // -1 is a tracer skipping the call, not x32 (libseccomp lets it through too)
                    a.jump(JEQ, -1, native64, NEXT);
                    a.ret(BAD_ARCH);
                }
                a.bind(native64);
                section(a, model, arch, 0, SeccompArch.X32_SYSCALL_BIT - 1);
                if (x32) {
                    a.bind(x32Section);
                    a.load(OFF_NR);
                    section(a, model, SeccompArch.X32, SeccompArch.X32_SYSCALL_BIT, 0xffffffffL);
                }
            } else {
                section(a, model, arch, 0, 0xffffffffL);
            }
        }
        byte[] program = a.assemble();
        if (program.length / 8 > MAX_INSTRUCTIONS) {
            throw new SeccompException("seccomp: the filter needs " + program.length / 8
                + " instructions, more than the kernel's " + MAX_INSTRUCTIONS + ": shorten the profile");
        }
        return program;
    }

    /**
     * The {@code flags} argument of {@code seccomp(2)}: the model's TSYNC, LOG and SPEC_ALLOW.
     * WAIT_KILLABLE_RECV is left out: the kernel accepts it only with a notify listener, which
     * berth does not create.
     */
    public static int flags(Seccomp model) {
        return model.flags() & (Seccomp.FLAG_TSYNC | Seccomp.FLAG_LOG | Seccomp.FLAG_SPEC_ALLOW);
    }

    /** The program in lower-case hex, as a stage record carries it. */
    public static String hex(byte[] program) {
        char[] out = new char[program.length * 2];
        for (int i = 0; i < program.length; i++) {
            out[2 * i] = HEX[(program[i] >> 4) & 0xf];
            out[2 * i + 1] = HEX[program[i] & 0xf];
        }
        return new String(out);
    }

    /** A rule as it applies to one architecture: the conditions still to test at run time. */
    private record Check(List<Seccomp.Arg> args, int ret) {}

    /** What a range of syscall numbers does: return {@code ret}, or try {@code checks} first. */
    private record Leaf(int ret, List<Check> checks) {
        boolean sameAs(Leaf o) {
            return checks == null && o.checks == null && ret == o.ret;
        }
    }

    /** The rules of {@code arch} for numbers {@code lo} to {@code hi}, as a binary search. */
    private static void section(Assembler a, Seccomp model, SeccompArch arch, long lo, long hi) {
        int defaultRet = model.defaultRet();
        int base = (int) lo;
        int highest = -1;
        List<Seccomp.Rule> rules = model.syscalls();
        int[][] numbers = new int[rules.size()][];
        for (int r = 0; r < numbers.length; r++) {
            List<String> names = rules.get(r).names();
            numbers[r] = new int[names.size()];
            for (int i = 0; i < numbers[r].length; i++) {
                numbers[r][i] = arch.syscall(names.get(i));
                highest = Math.max(highest, numbers[r][i]);
            }
        }
        // indexed by number - lo: tables are dense and small, so no map and no sort
        @SuppressWarnings({"unchecked", "rawtypes"})
        List<Check>[] byNr = new List[Math.max(0, highest - base + 1)];
        for (int r = 0; r < numbers.length; r++) {
            Seccomp.Rule rule = rules.get(r);
            if (rule.ret() == defaultRet) {
                continue;
            }
            Check c = new Check(rule.args(), rule.ret());
            for (int nr : numbers[r]) {
                if (nr >= 0) {
                    if (byNr[nr - base] == null) {
                        byNr[nr - base] = new ArrayList<>(2);
                    }
                    byNr[nr - base].add(c);
                }
            }
        }

        Leaf byDefault = new Leaf(defaultRet, null);
        List<Long> starts = new ArrayList<>();
        List<Leaf> leaves = new ArrayList<>();
        long next = lo;
        for (int i = 0; i < byNr.length; i++) {
            if (byNr[i] == null) {
                continue;
            }
            long nr = lo + i;
            if (nr > next) {
                add(starts, leaves, next, byDefault);
            }
            add(starts, leaves, nr, leaf(byNr[i], defaultRet, arch.wideArgs()));
            next = nr + 1;
        }
        SeccompAction d = model.defaultAction();
        boolean enosys = highest >= 0 && d != SeccompAction.ALLOW && d != SeccompAction.LOG
            && d != SeccompAction.TRACE && defaultRet != SeccompAction.ERRNO.ret(ENOSYS);
        if (enosys && highest >= next) {
            add(starts, leaves, next, byDefault);
            next = highest + 1L;
        }
        if (next <= hi) {
            add(starts, leaves, next, enosys ? new Leaf(SeccompAction.ERRNO.ret(ENOSYS), null) : byDefault);
        }
        tree(a, starts, leaves, 0, leaves.size() - 1, arch.wideArgs());
    }

    private static void add(List<Long> starts, List<Leaf> leaves, long start, Leaf leaf) {
        if (!leaves.isEmpty() && leaves.getLast().sameAs(leaf)) {
            return;
        }
        starts.add(start);
        leaves.add(leaf);
    }

    /** Ranges {@code from} to {@code to}: A holds the syscall number, known to be in them. */
    private static void tree(Assembler a, List<Long> starts, List<Leaf> leaves, int from, int to, boolean wide) {
        if (from == to) {
            emit(a, leaves.get(from), wide);
            return;
        }
        int mid = (from + to + 1) >>> 1;
        int upper = a.label();
        a.jump(JGE, (int) (long) starts.get(mid), upper, NEXT);
        tree(a, starts, leaves, from, mid - 1, wide);
        a.bind(upper);
        tree(a, starts, leaves, mid, to, wide);
    }

    /**
     * The outcome of one syscall: its rules in order, without the conditions this architecture
     * decides at compile time, up to the first that always matches.
     */
    private static Leaf leaf(List<Check> rules, int defaultRet, boolean wide) {
        List<Check> live = new ArrayList<>(rules.size());
        int fallback = defaultRet;
        next:
        for (Check r : rules) {
            List<Seccomp.Arg> args = new ArrayList<>(r.args().size());
            for (Seccomp.Arg c : r.args()) {
                int s = state(c, wide);
                if (s == FALSE) {
                    continue next;
                }
                if (s == RUNTIME) {
                    args.add(c);
                }
            }
            if (args.isEmpty()) {
                fallback = r.ret();
                break;
            }
            live.add(new Check(args, r.ret()));
        }
        while (!live.isEmpty() && live.getLast().ret() == fallback) {
            live.removeLast();
        }
        return new Leaf(fallback, live.isEmpty() ? null : live);
    }

    private static void emit(Assembler a, Leaf leaf, boolean wide) {
        if (leaf.checks() != null) {
            for (Check r : leaf.checks()) {
                int fail = a.label();
                for (Seccomp.Arg c : r.args()) {
                    condition(a, c, wide, fail);
                }
                a.ret(r.ret());
                a.bind(fail);
            }
        }
        a.ret(leaf.ret());
    }

    /** Whether {@code c} holds: TRUE or FALSE whatever the argument, or RUNTIME. */
    private static int state(Seccomp.Arg c, boolean wide) {
        int h = high(c, wide);
        if (h == TRUE || h == FALSE) {
            return h;
        }
        int l = low(c);
        if (h == CONT) {
            return l;
        }
        return c.op() == SeccompOp.MASKED_EQ && l == FALSE ? FALSE : RUNTIME;
    }

    /**
     * What the high words decide. A narrow architecture's arguments are 32-bit values the
     * kernel zero-extends, so their high word is taken as 0 rather than read (as libseccomp
     * reads only the low word there).
     */
    private static int high(Seccomp.Arg c, boolean wide) {
        int vh = (int) (c.value() >>> 32);
        if (c.op() == SeccompOp.MASKED_EQ) {
            int want = (int) (c.valueTwo() >>> 32);
            if ((want & ~vh) != 0) {
                return FALSE;
            }
            if (!wide || vh == 0) {
                return want == 0 ? CONT : FALSE;
            }
            return RUNTIME;
        }
        if (wide) {
            return RUNTIME;
        }
        if (vh == 0) {
            return CONT;
        }
        SeccompOp op = c.op();
        return op == SeccompOp.NE || op == SeccompOp.LT || op == SeccompOp.LE ? TRUE : FALSE;
    }

    /** What the low words decide when the high words are equal. */
    private static int low(Seccomp.Arg c) {
        int vl = (int) c.value();
        return switch (c.op()) {
            case LT -> vl == 0 ? FALSE : RUNTIME;
            case GE -> vl == 0 ? TRUE : RUNTIME;
            case LE -> vl == -1 ? TRUE : RUNTIME;
            case GT -> vl == -1 ? FALSE : RUNTIME;
            case MASKED_EQ -> {
                int want = (int) c.valueTwo();
                if ((want & ~vl) != 0) {
                    yield FALSE;
                }
                yield vl == 0 ? TRUE : RUNTIME;
            }
            default -> RUNTIME;
        };
    }

    /** Falls through when {@code c} holds, jumps to {@code fail} when not. */
    private static void condition(Assembler a, Seccomp.Arg c, boolean wide, int fail) {
        SeccompOp op = c.op();
        boolean masked = op == SeccompOp.MASKED_EQ;
        int h = high(c, wide);
        int l = low(c);
        int ok = a.label();
        int then = l == TRUE ? ok : l == FALSE ? fail : NEXT;
        if (h == RUNTIME) {
            int v = (int) (c.value() >>> 32);
            a.load(OFF_ARGS + 8 * c.index() + 4);
            if (masked) {
                if (v != -1) {
                    a.and(v);
                }
                a.jump(JEQ, (int) (c.valueTwo() >>> 32), then, fail);
            } else if (op == SeccompOp.EQ) {
                a.jump(JEQ, v, then, fail);
            } else if (op == SeccompOp.NE) {
                a.jump(JEQ, v, then, ok);
            } else if (op == SeccompOp.GT || op == SeccompOp.GE) {
                a.jump(JGT, v, ok, NEXT);
                a.jump(JEQ, v, then, fail);
            } else {
                a.jump(JGT, v, fail, NEXT);
                a.jump(JEQ, v, then, ok);
            }
        }
        if (l == RUNTIME) {
            int v = (int) c.value();
            a.load(OFF_ARGS + 8 * c.index());
            switch (op) {
                case MASKED_EQ -> {
                    if (v != -1) {
                        a.and(v);
                    }
                    a.jump(JEQ, (int) c.valueTwo(), ok, fail);
                }
                case EQ -> a.jump(JEQ, v, ok, fail);
                case NE -> a.jump(JEQ, v, fail, ok);
                case GT -> a.jump(JGT, v, ok, fail);
                case GE -> a.jump(JGE, v, ok, fail);
                case LT -> a.jump(JGE, v, fail, ok);
                case LE -> a.jump(JGT, v, fail, ok);
            }
        }
        a.bind(ok);
    }
}
