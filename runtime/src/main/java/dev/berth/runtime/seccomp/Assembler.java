package dev.berth.runtime.seccomp;

import java.util.Arrays;

/**
 * Classic BPF with labels. Conditional jumps reach at most 255 instructions ahead (8-bit
 * offsets), so {@link #assemble} lays the program out again and again, turning every branch
 * that does not reach into a conditional jump to an unconditional {@code ja} (32-bit offset)
 * placed right after it, until nothing changes. Branches only ever grow, so this ends.
 */
final class Assembler {
    /** A branch target meaning the instruction that follows. */
    static final int NEXT = -1;

    static final int LD_W_ABS = 0x20;
    static final int ALU_AND_K = 0x54;
    static final int JA = 0x05;
    static final int JEQ = 0x15;
    static final int JGT = 0x25;
    static final int JGE = 0x35;
    static final int RET_K = 0x06;

    private int[] code = new int[256];
    private int[] k = new int[256];
    private int[] jt = new int[256];
    private int[] jf = new int[256];
    private int n;
    private final dev.berth.runtime.JumpLabels labels = new dev.berth.runtime.JumpLabels();

    /** A new label, to pass to jumps before it is bound. */
    int label() {
        return labels.make();
    }

    /** Binds {@code label} to the next instruction emitted. */
    void bind(int label) {
        labels.bind(label, n);
    }

    /** A = the 32-bit word at {@code offset} in {@code seccomp_data}. */
    void load(int offset) {
        emit(LD_W_ABS, offset, NEXT, NEXT);
    }

    void and(int mask) {
        emit(ALU_AND_K, mask, NEXT, NEXT);
    }

    void ret(int value) {
        emit(RET_K, value, NEXT, NEXT);
    }

    /** if (A op k) goto onTrue else goto onFalse; targets are labels or {@link #NEXT}. */
    void jump(int op, int value, int onTrue, int onFalse) {
        emit(op, value, onTrue, onFalse);
    }

    /** The instructions emitted so far, before long jumps are added. */
    int size() {
        return n;
    }

    private void emit(int c, int value, int t, int f) {
        if (n == code.length) {
            code = Arrays.copyOf(code, n * 2);
            k = Arrays.copyOf(k, n * 2);
            jt = Arrays.copyOf(jt, n * 2);
            jf = Arrays.copyOf(jf, n * 2);
        }
        code[n] = c;
        k[n] = value;
        jt[n] = t;
        jf[n] = f;
        n++;
    }

    /** {@code struct sock_filter}s, little-endian: u16 code, u8 jt, u8 jf, u32 k. */
    byte[] assemble() {
        boolean[] farT = new boolean[n];
        boolean[] farF = new boolean[n];
        int[] addr = new int[n + 1];
        boolean changed = true;
        while (changed) {
            changed = false;
            for (int i = 0; i < n; i++) {
                addr[i + 1] = addr[i] + 1 + (farT[i] ? 1 : 0) + (farF[i] ? 1 : 0);
            }
            for (int i = 0; i < n; i++) {
                if (!conditional(code[i])) {
                    continue;
                }
                if (!farT[i] && distance(addr, i, jt[i]) > 255) {
                    farT[i] = changed = true;
                }
                if (!farF[i] && distance(addr, i, jf[i]) > 255) {
                    farF[i] = changed = true;
                }
            }
        }
        byte[] out = new byte[addr[n] * 8];
        int at = 0;
        for (int i = 0; i < n; i++) {
            if (conditional(code[i])) {
                int t = farT[i] ? 0 : distance(addr, i, jt[i]);
                int f = farF[i] ? (farT[i] ? 1 : 0) : distance(addr, i, jf[i]);
                at = put(out, at, code[i], t, f, k[i]);
                if (farT[i]) {
                    at = put(out, at, JA, 0, 0, addr[target(i, jt[i])] - addr[i] - 2);
                }
                if (farF[i]) {
                    int from = addr[i] + (farT[i] ? 2 : 1);
                    at = put(out, at, JA, 0, 0, addr[target(i, jf[i])] - from - 1);
                }
            } else {
                at = put(out, at, code[i], 0, 0, k[i]);
            }
        }
        return out;
    }

    private static boolean conditional(int c) {
        return c == JEQ || c == JGT || c == JGE;
    }

    /** Instructions skipped by a jump from {@code i} (placed as laid out) to its target. */
    private int distance(int[] addr, int i, int target) {
        int d = addr[target(i, target)] - addr[i] - 1;
        if (d < 0) {
            throw new IllegalStateException("seccomp: backward jump at instruction " + i);
        }
        return d;
    }

    private int target(int i, int label) {
        int t = label == NEXT ? i + 1 : labels.at(label);
        if (t < 0 || t >= n) {
            throw new IllegalStateException("seccomp: jump at instruction " + i + " to no instruction");
        }
        return t;
    }

    private static int put(byte[] out, int at, int code, int t, int f, int k) {
        out[at] = (byte) code;
        out[at + 1] = (byte) (code >>> 8);
        out[at + 2] = (byte) t;
        out[at + 3] = (byte) f;
        out[at + 4] = (byte) k;
        out[at + 5] = (byte) (k >>> 8);
        out[at + 6] = (byte) (k >>> 16);
        out[at + 7] = (byte) (k >>> 24);
        return at + 8;
    }
}
