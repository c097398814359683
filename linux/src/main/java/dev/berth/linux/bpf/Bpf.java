package dev.berth.linux.bpf;

import dev.berth.linux.Errno;
import dev.berth.linux.ErrnoException;
import dev.berth.linux.Native;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The {@code bpf(2)} commands a cgroup v2 device controller needs: load a
 * {@code BPF_PROG_TYPE_CGROUP_DEVICE} program, attach it to a cgroup directory with
 * {@code BPF_F_ALLOW_MULTI}, list and detach the programs attached there. glibc has no wrapper,
 * so this goes through {@code syscall(2)}. {@code union bpf_attr} is filled by offset; a smaller
 * attr than the kernel's is fine, as long as what follows is zero.
 */
public final class Bpf {
    private static final int BPF_PROG_LOAD = 5;
    private static final int BPF_PROG_ATTACH = 8;
    private static final int BPF_PROG_DETACH = 9;
    private static final int BPF_PROG_GET_FD_BY_ID = 13;
    private static final int BPF_PROG_QUERY = 16;
    private static final int BPF_PROG_TYPE_CGROUP_DEVICE = 15;
    private static final int BPF_CGROUP_DEVICE = 6;
    private static final int BPF_F_ALLOW_MULTI = 2;
    private static final int ATTR_SIZE = 128;
    private static final int LOG_SIZE = 256 * 1024;
    private static final int ENOSPC = 28;
    private static final int O_RDONLY_CLOEXEC = 0x80000;

    private static final MethodHandle SYSCALL = Native.libcVariadic("syscall", FunctionDescriptor.of(
        ValueLayout.JAVA_LONG, ValueLayout.JAVA_LONG, ValueLayout.JAVA_LONG, ValueLayout.JAVA_LONG,
        ValueLayout.JAVA_LONG), 1);
    private static final MethodHandle OPEN = Native.libc("open",
        FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_INT));
    private static final MethodHandle CLOSE = Native.libc("close",
        FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT));

    private Bpf() {}

    /**
     * Loads a device program: {@code insns} is eBPF bytecode, 8 bytes per instruction in the
     * machine's byte order. The license is "GPL", as for any program that may call GPL helpers.
     * A refused program is loaded a second time with the verifier's log on, whose text goes into
     * the exception.
     *
     * @param name the program's name as bpftool shows it: up to 15 of {@code [A-Za-z0-9_.]}
     */
    public static BpfProgram loadCgroupDevice(byte[] insns, String name) throws BpfException {
        if (insns.length == 0 || insns.length % 8 != 0) {
            throw new IllegalArgumentException("an eBPF program is a non-empty multiple of 8 bytes, not "
                + insns.length);
        }
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment attr = arena.allocate(ATTR_SIZE, 8);
            MemorySegment code = arena.allocate(insns.length, 8);
            MemorySegment.copy(insns, 0, code, ValueLayout.JAVA_BYTE, 0, insns.length);
            attr.set(ValueLayout.JAVA_INT, 0, BPF_PROG_TYPE_CGROUP_DEVICE);
            attr.set(ValueLayout.JAVA_INT, 4, insns.length / 8);
            attr.set(ValueLayout.JAVA_LONG, 8, code.address());
            attr.set(ValueLayout.JAVA_LONG, 16, arena.allocateFrom("GPL").address());
            byte[] n = name.getBytes(StandardCharsets.US_ASCII);
            MemorySegment.copy(n, 0, attr, ValueLayout.JAVA_BYTE, 48, Math.min(n.length, 15));
            attr.set(ValueLayout.JAVA_INT, 68, BPF_CGROUP_DEVICE); // expected_attach_type
            long[] result = call(arena, BPF_PROG_LOAD, attr);
            if (result[0] >= 0) {
                return new BpfProgram((int) result[0]);
            }
            // again, with the verifier telling why
            MemorySegment log = arena.allocate(LOG_SIZE);
            attr.set(ValueLayout.JAVA_INT, 24, 1);
            attr.set(ValueLayout.JAVA_INT, 28, LOG_SIZE);
            attr.set(ValueLayout.JAVA_LONG, 32, log.address());
            long[] again = call(arena, BPF_PROG_LOAD, attr);
            if (again[0] >= 0) {
                return new BpfProgram((int) again[0]);
            }
            String text = log.getString(0, StandardCharsets.UTF_8);
            int errno = (int) result[1];
            String call = "bpf(BPF_PROG_LOAD, " + name + ")";
            if (errno == Errno.EPERM) {
                call = call + ", which needs CAP_BPF or root (kernels before 5.11 also charge RLIMIT_MEMLOCK)";
            }
            throw new BpfException(call, errno, text);
        }
    }

    /**
     * Attaches {@code program} to the cgroup v2 directory {@code cgroup} as a device program,
     * beside any already there ({@code BPF_F_ALLOW_MULTI}: an access must pass all of them).
     */
    public static void attachCgroupDevice(Path cgroup, BpfProgram program) throws BpfException, ErrnoException {
        try (Arena arena = Arena.ofConfined()) {
            int dir = open(arena, cgroup);
            try {
                MemorySegment attr = arena.allocate(ATTR_SIZE, 8);
                attr.set(ValueLayout.JAVA_INT, 0, dir);
                attr.set(ValueLayout.JAVA_INT, 4, program.fd());
                attr.set(ValueLayout.JAVA_INT, 8, BPF_CGROUP_DEVICE);
                attr.set(ValueLayout.JAVA_INT, 12, BPF_F_ALLOW_MULTI);
                check(call(arena, BPF_PROG_ATTACH, attr), "bpf(BPF_PROG_ATTACH, " + cgroup + ")");
            } finally {
                close(dir);
            }
        }
    }

    /** The ids of the device programs attached to {@code cgroup} itself (not inherited ones). */
    public static List<Integer> queryCgroupDevice(Path cgroup) throws BpfException, ErrnoException {
        try (Arena arena = Arena.ofConfined()) {
            int dir = open(arena, cgroup);
            try {
                return query(arena, dir, cgroup);
            } finally {
                close(dir);
            }
        }
    }

    /**
     * Detaches the device program with id {@code programId} from {@code cgroup}. A program that is
     * gone already is fine.
     */
    public static void detachCgroupDevice(Path cgroup, int programId) throws BpfException, ErrnoException {
        try (Arena arena = Arena.ofConfined()) {
            int dir = open(arena, cgroup);
            try {
                detach(arena, dir, programId, cgroup);
            } finally {
                close(dir);
            }
        }
    }

    /**
     * Makes {@code insns} the one device program of {@code cgroup}, as runc does on create and
     * update: loads it, attaches it beside the old ones, then detaches those. Between the two
     * steps an access must pass old and new, so no moment allows more than either.
     *
     * @return the id of the attached program
     */
    public static int replaceCgroupDevice(Path cgroup, byte[] insns, String name)
            throws BpfException, ErrnoException {
        try (Arena arena = Arena.ofConfined(); BpfProgram program = loadCgroupDevice(insns, name)) {
            int dir = open(arena, cgroup);
            try {
                List<Integer> old = query(arena, dir, cgroup);
                MemorySegment attr = arena.allocate(ATTR_SIZE, 8);
                attr.set(ValueLayout.JAVA_INT, 0, dir);
                attr.set(ValueLayout.JAVA_INT, 4, program.fd());
                attr.set(ValueLayout.JAVA_INT, 8, BPF_CGROUP_DEVICE);
                attr.set(ValueLayout.JAVA_INT, 12, BPF_F_ALLOW_MULTI);
                check(call(arena, BPF_PROG_ATTACH, attr), "bpf(BPF_PROG_ATTACH, " + cgroup + ")");
                List<Integer> now = query(arena, dir, cgroup);
                int id = -1;
                for (Integer i : now) {
                    if (!old.contains(i)) {
                        id = i;
                    }
                }
                for (Integer i : old) {
                    detach(arena, dir, i, cgroup);
                }
                return id;
            } finally {
                close(dir);
            }
        }
    }

    private static List<Integer> query(Arena arena, int dir, Path cgroup) throws BpfException {
        for (int size = 64; ; ) {
            MemorySegment ids = arena.allocate(4L * size, 8);
            MemorySegment attr = arena.allocate(ATTR_SIZE, 8);
            attr.set(ValueLayout.JAVA_INT, 0, dir);
            attr.set(ValueLayout.JAVA_INT, 4, BPF_CGROUP_DEVICE);
            attr.set(ValueLayout.JAVA_LONG, 16, ids.address());
            attr.set(ValueLayout.JAVA_INT, 24, size);
            long[] r = call(arena, BPF_PROG_QUERY, attr);
            int count = attr.get(ValueLayout.JAVA_INT, 24);
            if (r[0] < 0 && r[1] == ENOSPC && count > size) {
                size = count; // more were attached meanwhile: the kernel said how many
                continue;
            }
            check(r, "bpf(BPF_PROG_QUERY, " + cgroup + ")");
            List<Integer> out = new ArrayList<>(count);
            for (int i = 0; i < count; i++) {
                out.add(ids.getAtIndex(ValueLayout.JAVA_INT, i));
            }
            return out;
        }
    }

    private static void detach(Arena arena, int dir, int programId, Path cgroup) throws BpfException {
        MemorySegment attr = arena.allocate(ATTR_SIZE, 8);
        attr.set(ValueLayout.JAVA_INT, 0, programId);
        long[] r = call(arena, BPF_PROG_GET_FD_BY_ID, attr);
        if (r[0] < 0 && r[1] == Errno.ENOENT) {
            return;
        }
        check(r, "bpf(BPF_PROG_GET_FD_BY_ID, " + programId + ")");
        int fd = (int) r[0];
        try {
            attr.fill((byte) 0);
            attr.set(ValueLayout.JAVA_INT, 0, dir);
            attr.set(ValueLayout.JAVA_INT, 4, fd);
            attr.set(ValueLayout.JAVA_INT, 8, BPF_CGROUP_DEVICE);
            long[] d = call(arena, BPF_PROG_DETACH, attr);
            if (d[0] < 0 && d[1] == Errno.ENOENT) {
                return;
            }
            check(d, "bpf(BPF_PROG_DETACH, " + cgroup + ", program " + programId + ")");
        } finally {
            close(fd);
        }
    }

    /** {rc, errno} of {@code syscall(SYS_bpf, cmd, attr, sizeof attr)}. */
    private static long[] call(Arena arena, int cmd, MemorySegment attr) {
        try {
            MemorySegment state = Native.state(arena);
            long rc = (long) SYSCALL.invokeExact(state, SysBpf.NUMBER, (long) cmd, attr.address(), (long) ATTR_SIZE);
            return new long[] {rc, rc < 0 ? Native.errno(state) : 0};
        } catch (Throwable t) {
            throw Native.failed("bpf", t);
        }
    }

    private static void check(long[] r, String call) throws BpfException {
        if (r[0] < 0) {
            throw new BpfException(call, (int) r[1], null);
        }
    }

    private static int open(Arena arena, Path dir) throws ErrnoException {
        int fd;
        int errno;
        try {
            MemorySegment state = Native.state(arena);
            fd = (int) OPEN.invokeExact(state, arena.allocateFrom(dir.toString()), O_RDONLY_CLOEXEC);
            errno = Native.errno(state);
        } catch (Throwable t) {
            throw Native.failed("open", t);
        }
        if (fd < 0) {
            throw new ErrnoException("open", dir.toString(), errno);
        }
        return fd;
    }

    static void close(int fd) {
        try (Arena arena = Arena.ofConfined()) {
            int ignored = (int) CLOSE.invokeExact(Native.state(arena), fd);
        } catch (Throwable t) {
            throw Native.failed("close", t);
        }
    }

    /** The number of bpf(2), which differs between architectures. */
    private static final class SysBpf {
        static final long NUMBER = switch (System.getProperty("os.arch")) {
            case "amd64", "x86_64" -> 321;
            case "aarch64" -> 280;
            case "riscv64", "loongarch64" -> 280;
            case "ppc64le" -> 361;
            case "s390x" -> 351;
            default -> throw new UnsupportedOperationException("bpf(2): unknown system call number on "
                + System.getProperty("os.arch"));
        };
    }
}
