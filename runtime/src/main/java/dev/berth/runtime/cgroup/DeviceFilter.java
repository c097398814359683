package dev.berth.runtime.cgroup;

import dev.berth.linux.ErrnoException;
import dev.berth.linux.bpf.Bpf;
import dev.berth.linux.bpf.BpfException;
import java.nio.file.Path;
import java.util.List;

/**
 * Device rules on cgroup v2, where there is no devices.allow: a {@code BPF_PROG_TYPE_CGROUP_DEVICE}
 * program that the kernel runs for every open and mknod of a device node and that answers 1
 * (allow) or 0 (EPERM). Its input, {@code struct bpf_cgroup_dev_ctx}, is three u32s: the access
 * in the upper and the type in the lower half of the first, then major, then minor.
 *
 * <p>The program checks each exception of the {@link DevicePolicy} in turn and returns the
 * opposite of the default on the first that matches, the default at the end; since every
 * exception has the same answer their order does not matter. An allow exception must grant all
 * the access asked for at once ({@code O_RDWR} asks read and write); a deny exception matches
 * when it names any of it, as v1's deny list does. runc and crun check "all" for both, which
 * lets {@code O_RDWR} through a device whose writes alone are denied.
 */
final class DeviceFilter {
    /** The name bpftool shows. */
    static final String NAME = "berth_devices";

    /** Where a program goes instead of the kernel: a test's record of it. */
    interface Attach {
        void to(Path dir, byte[] program) throws CgroupException;
    }

    private DeviceFilter() {}

    /** The program for {@code rules}, default deny; refuses rule lists v1 would misapply. */
    static byte[] program(List<Resources.DeviceRule> rules) throws CgroupException {
        return program(DevicePolicy.of(rules));
    }

    static byte[] program(DevicePolicy p) {
        Ebpf e = new Ebpf();
        e.loadWord(Ebpf.R2, Ebpf.R1, 0);
        e.alu(Ebpf.ALU_AND_K, Ebpf.R2, 0xffff); // type
        e.loadWord(Ebpf.R3, Ebpf.R1, 0);
        e.alu(Ebpf.ALU_RSH_K, Ebpf.R3, 16); // access
        e.loadWord(Ebpf.R4, Ebpf.R1, 4); // major
        e.loadWord(Ebpf.R5, Ebpf.R1, 8); // minor
        int answer = p.defaultAllow() ? 0 : 1;
        for (DevicePolicy.Exception x : p.exceptions()) {
            if (x.major() > Integer.MAX_VALUE || x.minor() > Integer.MAX_VALUE) {
                continue; // no device has such a number (12-bit majors, 20-bit minors)
            }
            int next = e.label();
            e.jump(Ebpf.JMP_JNE_K, Ebpf.R2, x.type(), next);
            if (x.access() != DevicePolicy.ALL) {
                e.move(Ebpf.R1, Ebpf.R3);
                e.alu(Ebpf.ALU_AND_K, Ebpf.R1, x.access());
                if (answer == 1) {
                    e.jumpIfNotEqual(Ebpf.R1, Ebpf.R3, next); // not all of it granted
                } else {
                    e.jump(Ebpf.JMP_JEQ_K, Ebpf.R1, 0, next); // none of it denied
                }
            }
            if (x.major() != DevicePolicy.ANY) {
                e.jump(Ebpf.JMP_JNE_K, Ebpf.R4, (int) x.major(), next);
            }
            if (x.minor() != DevicePolicy.ANY) {
                e.jump(Ebpf.JMP_JNE_K, Ebpf.R5, (int) x.minor(), next);
            }
            e.ret(answer);
            e.bind(next);
        }
        e.ret(1 - answer);
        return e.assemble();
    }

    /**
     * Makes {@code program} the device program of the cgroup directory {@code dir}, replacing any
     * before; {@code instead}, when not null, gets it instead of the kernel.
     */
    static void attach(Path dir, byte[] program, Attach instead) throws CgroupException {
        if (instead != null) {
            instead.to(dir, program);
            return;
        }
        try {
            Bpf.replaceCgroupDevice(dir, program, NAME);
        } catch (BpfException | ErrnoException e) {
            throw new CgroupException("cannot apply the device rules to " + dir + ": " + e.getMessage(), e);
        }
    }
}
