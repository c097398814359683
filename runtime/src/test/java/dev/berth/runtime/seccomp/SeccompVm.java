package dev.berth.runtime.seccomp;

/**
 * A classic BPF interpreter for seccomp filters, to run compiled programs against made-up
 * {@code seccomp_data} without a kernel. Loading checks what the kernel's
 * {@code bpf_check_classic} and {@code seccomp_check_filter} check, so a program it accepts is
 * one the kernel would load.
 */
final class SeccompVm {
    static final int AUDIT_X86_64 = 0xC000003E;
    static final int AUDIT_I386 = 0x40000003;
    static final int AUDIT_AARCH64 = 0xC00000B7;
    static final int AUDIT_ARM = 0x40000028;

    static final int ALLOW = 0x7fff0000;
    static final int KILL_PROCESS = 0x80000000;
    static final int EPERM = errno(1);
    static final int ENOSYS = errno(38);

    private final int[] code;
    private final int[] jt;
    private final int[] jf;
    private final int[] k;
    /** Instructions the last run went through. */
    int steps;

    static int errno(int e) {
        return 0x00050000 | e;
    }

    SeccompVm(byte[] program) {
        if (program.length == 0 || program.length % 8 != 0 || program.length / 8 > 4096) {
            throw new IllegalArgumentException("bad program length " + program.length);
        }
        int n = program.length / 8;
        code = new int[n];
        jt = new int[n];
        jf = new int[n];
        k = new int[n];
        for (int i = 0; i < n; i++) {
            int at = 8 * i;
            code[i] = (program[at] & 0xff) | (program[at + 1] & 0xff) << 8;
            jt[i] = program[at + 2] & 0xff;
            jf[i] = program[at + 3] & 0xff;
            k[i] = (program[at + 4] & 0xff) | (program[at + 5] & 0xff) << 8 | (program[at + 6] & 0xff) << 16
                | (program[at + 7] & 0xff) << 24;
            switch (code[i]) {
                case 0x20 -> { // ld [k]
                    if (Integer.compareUnsigned(k[i], 64) >= 0 || (k[i] & 3) != 0) {
                        throw new IllegalArgumentException("insn " + i + ": load outside seccomp_data: " + k[i]);
                    }
                }
                case 0x05 -> { // ja
                    if (Integer.compareUnsigned(k[i], n - i - 1) >= 0) {
                        throw new IllegalArgumentException("insn " + i + ": ja out of the program");
                    }
                }
                case 0x15, 0x25, 0x35, 0x45 -> { // jeq, jgt, jge, jset
                    if (i + jt[i] + 1 >= n || i + jf[i] + 1 >= n) {
                        throw new IllegalArgumentException("insn " + i + ": jump out of the program");
                    }
                }
                case 0x54, 0x06 -> { // and #k, ret #k
                }
                default -> throw new IllegalArgumentException("insn " + i + ": opcode " + code[i] + " not expected");
            }
        }
        if (code[n - 1] != 0x06) {
            throw new IllegalArgumentException("the last instruction is not a ret");
        }
    }

    int length() {
        return code.length;
    }

    /** One instruction a line, with absolute jump targets, for failure messages and curiosity. */
    String disassemble() {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < code.length; i++) {
            String kk = "0x" + Integer.toHexString(k[i]);
            b.append(String.format("%4d  ", i)).append(switch (code[i]) {
                case 0x20 -> "ld [" + k[i] + "]";
                case 0x54 -> "and #" + kk;
                case 0x06 -> "ret #" + kk;
                case 0x05 -> "ja " + (i + 1 + k[i]);
                default -> (code[i] == 0x15 ? "jeq" : code[i] == 0x25 ? "jgt" : code[i] == 0x35 ? "jge" : "jset")
                    + " #" + kk + ", " + (i + 1 + jt[i]) + ", " + (i + 1 + jf[i]);
            }).append('\n');
        }
        return b.toString();
    }

    /** How many instructions have opcode {@code op}. */
    int count(int op) {
        int c = 0;
        for (int x : code) {
            c += x == op ? 1 : 0;
        }
        return c;
    }

    /** The filter's verdict for syscall {@code nr} of architecture {@code arch}. */
    int run(int arch, int nr, long... args) {
        int[] data = new int[16];
        data[0] = nr;
        data[1] = arch;
        data[2] = 0x1000;
        for (int i = 0; i < args.length; i++) {
            data[4 + 2 * i] = (int) args[i];
            data[5 + 2 * i] = (int) (args[i] >>> 32);
        }
        int a = 0;
        int pc = 0;
        steps = 0;
        while (true) {
            steps++;
            int c = code[pc];
            int kk = k[pc];
            switch (c) {
                case 0x20 -> a = data[kk / 4];
                case 0x54 -> a &= kk;
                case 0x06 -> {
                    return kk;
                }
                case 0x05 -> {
                    pc += kk;
                }
                case 0x15 -> pc += a == kk ? jt[pc] : jf[pc];
                case 0x25 -> pc += Integer.compareUnsigned(a, kk) > 0 ? jt[pc] : jf[pc];
                case 0x35 -> pc += Integer.compareUnsigned(a, kk) >= 0 ? jt[pc] : jf[pc];
                case 0x45 -> pc += (a & kk) != 0 ? jt[pc] : jf[pc];
                default -> throw new IllegalStateException("opcode " + c);
            }
            pc++;
        }
    }
}
