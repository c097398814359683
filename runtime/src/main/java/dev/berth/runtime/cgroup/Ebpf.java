package dev.berth.runtime.cgroup;

import java.util.Arrays;

/**
 * An emitter of the few eBPF instructions a device program needs, with labels for forward
 * jumps. An instruction is 8 bytes: opcode, the destination register in the low nibble and the
 * source in the high one, a signed 16-bit jump offset counted from the next instruction, and a
 * signed 32-bit immediate, all little-endian (the only byte order berth runs on).
 */
final class Ebpf {
    static final int R0 = 0;
    static final int R1 = 1;
    static final int R2 = 2;
    static final int R3 = 3;
    static final int R4 = 4;
    static final int R5 = 5;

    // class | operation | source; ALU is 32-bit, JMP compares all 64 bits
    static final int LDX_MEM_W = 0x61;
    static final int ALU_AND_K = 0x54;
    static final int ALU_RSH_K = 0x74;
    static final int ALU_MOV_K = 0xb4;
    static final int ALU_MOV_X = 0xbc;
    static final int JMP_JEQ_K = 0x15;
    static final int JMP_JNE_K = 0x55;
    static final int JMP_JNE_X = 0x5d;
    static final int JMP_EXIT = 0x95;

    private long[] code = new long[64];
    private int[] target = new int[64];
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

    /** dst = *(u32 *)(src + offset) */
    void loadWord(int dst, int src, int offset) {
        emit(LDX_MEM_W, dst, src, offset, 0, -1);
    }

    /** dst = (u32) dst op imm; {@code op} one of the ALU_*_K opcodes. */
    void alu(int op, int dst, int imm) {
        emit(op, dst, 0, 0, imm, -1);
    }

    /** dst = (u32) src */
    void move(int dst, int src) {
        emit(ALU_MOV_X, dst, src, 0, 0, -1);
    }

    /** if (dst op imm) goto label; {@code op} one of the JMP_*_K opcodes. */
    void jump(int op, int dst, int imm, int label) {
        emit(op, dst, 0, 0, imm, label);
    }

    /** if (dst != src) goto label */
    void jumpIfNotEqual(int dst, int src, int label) {
        emit(JMP_JNE_X, dst, src, 0, 0, label);
    }

    /** return imm */
    void ret(int imm) {
        emit(ALU_MOV_K, R0, 0, 0, imm, -1);
        emit(JMP_EXIT, 0, 0, 0, 0, -1);
    }

    int size() {
        return n;
    }

    /** The bytecode, with every jump resolved. */
    byte[] assemble() {
        byte[] out = new byte[n * 8];
        for (int i = 0; i < n; i++) {
            long insn = code[i];
            if (target[i] >= 0) {
                int to = labels.at(target[i]);
                if (to < 0) {
                    throw new IllegalStateException("label " + target[i] + " is not bound");
                }
                int off = to - (i + 1);
                if (off < Short.MIN_VALUE || off > Short.MAX_VALUE) {
                    throw new IllegalStateException("jump of " + off + " instructions is out of range");
                }
                insn |= (off & 0xffffL) << 16;
            }
            for (int b = 0; b < 8; b++) {
                out[i * 8 + b] = (byte) (insn >>> (8 * b));
            }
        }
        return out;
    }

    private void emit(int op, int dst, int src, int offset, int imm, int label) {
        if (n == code.length) {
            code = Arrays.copyOf(code, n * 2);
            target = Arrays.copyOf(target, n * 2);
        }
        code[n] = (op & 0xffL) | (long) (dst & 0xf) << 8 | (long) (src & 0xf) << 12
            | (offset & 0xffffL) << 16 | (imm & 0xffffffffL) << 32;
        target[n] = label;
        n++;
    }
}
