package dev.berth.runtime;

import java.util.Arrays;

/**
 * Labels of a program being emitted (the seccomp filter's classic BPF, the device program's
 * eBPF): made before the code they name, so that forward jumps can point at them, and bound to
 * an instruction index once that code is emitted.
 */
public final class JumpLabels {
    private int[] at = new int[16];
    private int count;

    /** A new label, not bound yet. */
    public int make() {
        if (count == at.length) {
            at = Arrays.copyOf(at, count * 2);
        }
        at[count] = -1;
        return count++;
    }

    /** Binds {@code label} to instruction {@code index}. */
    public void bind(int label, int index) {
        at[label] = index;
    }

    /** The instruction {@code label} is bound to, or -1. */
    public int at(int label) {
        return at[label];
    }
}
