package dev.berth.runtime.seccomp;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.List;

/**
 * The architectures berth can write filters for, by the names runtime-spec and docker use and the
 * {@code AUDIT_ARCH_*} value the kernel puts in {@code seccomp_data.arch}. Syscall numbers come
 * from {@code syscalls-NAME.txt} (see {@code gen-syscalls.sh}), read on first use.
 */
public enum SeccompArch {
    X86_64("SCMP_ARCH_X86_64", "amd64", 0xC000003E, true, 0, "x86_64"),
    /** i386 processes on an x86_64 kernel; their arguments are 32 bits wide. */
    X86("SCMP_ARCH_X86", "x86", 0x40000003, false, 0, "x86"),
    /** x32 reports x86_64's arch and marks its syscall numbers with bit 30 instead. */
    X32("SCMP_ARCH_X32", "x32", 0xC000003E, true, 0x40000000, "x32"),
    AARCH64("SCMP_ARCH_AARCH64", "arm64", 0xC00000B7, true, 0, "aarch64"),
    /** Known, but without a table: a filter sends its processes to the bad-arch action. */
    ARM("SCMP_ARCH_ARM", "arm", 0x40000028, false, 0, null);

    /** The x32 marker in a syscall number. */
    public static final int X32_SYSCALL_BIT = 0x40000000;

    /** Every architecture name runtime-spec 1.2 defines, to tell a typo from a foreign arch. */
    static final List<String> OCI_NAMES = List.of("SCMP_ARCH_X86", "SCMP_ARCH_X86_64",
        "SCMP_ARCH_X32", "SCMP_ARCH_ARM", "SCMP_ARCH_AARCH64", "SCMP_ARCH_MIPS", "SCMP_ARCH_MIPS64",
        "SCMP_ARCH_MIPS64N32", "SCMP_ARCH_MIPSEL", "SCMP_ARCH_MIPSEL64", "SCMP_ARCH_MIPSEL64N32",
        "SCMP_ARCH_PPC", "SCMP_ARCH_PPC64", "SCMP_ARCH_PPC64LE", "SCMP_ARCH_S390", "SCMP_ARCH_S390X",
        "SCMP_ARCH_PARISC", "SCMP_ARCH_PARISC64", "SCMP_ARCH_RISCV64", "SCMP_ARCH_LOONGARCH64",
        "SCMP_ARCH_M68K", "SCMP_ARCH_SH", "SCMP_ARCH_SHEB");

    private final String ociName;
    private final String dockerName;
    private final int audit;
    private final boolean wideArgs;
    private final int nrBase;
    private final String table;
    private volatile Table loaded;

    SeccompArch(String ociName, String dockerName, int audit, boolean wideArgs, int nrBase, String table) {
        this.ociName = ociName;
        this.dockerName = dockerName;
        this.audit = audit;
        this.wideArgs = wideArgs;
        this.nrBase = nrBase;
        this.table = table;
    }

    /** {@code SCMP_ARCH_X86_64} and the like. */
    public String ociName() {
        return ociName;
    }

    /** The name docker's profiles use in {@code includes.arches}: {@code amd64}, {@code arm64}. */
    public String dockerName() {
        return dockerName;
    }

    /** The {@code AUDIT_ARCH_*} value of {@code seccomp_data.arch}. */
    public int audit() {
        return audit;
    }

    /** Whether syscall arguments are 64 bits wide; for the others the high half is ignored. */
    public boolean wideArgs() {
        return wideArgs;
    }

    /** Whether filters can hold rules for this architecture (it has a syscall table). */
    public boolean hasTable() {
        return table != null;
    }

    /** The architectures whose processes a kernel of this one runs, which a filter can name. */
    public List<SeccompArch> compatible() {
        return switch (this) {
            case X86_64 -> List.of(X86, X32);
            case AARCH64 -> List.of(ARM);
            default -> List.of();
        };
    }

    /** The number {@code seccomp_data.nr} holds for syscall {@code name}, or -1 when unknown. */
    public int syscall(String name) {
        Table t = table();
        int h = name.hashCode();
        int mask = t.at.length - 1;
        for (int i = (h ^ h >>> 16) & mask; t.at[i] != 0; i = (i + 1) & mask) {
            if (t.hash[i] == h && named(name, t.text, t.at[i] - 1)) {
                int n = 0;
                for (int j = t.at[i] + name.length(); j < t.text.length && t.text[j] != '\n'; j++) {
                    n = n * 10 + (t.text[j] - '0');
                }
                return nrBase + n;
            }
        }
        return -1;
    }

    /** The architecture of this JVM's kernel, or null when berth cannot filter it. */
    public static SeccompArch host() {
        String a = System.getProperty("os.arch");
        if ("amd64".equals(a) || "x86_64".equals(a)) {
            return X86_64;
        }
        if ("aarch64".equals(a) || "arm64".equals(a)) {
            return AARCH64;
        }
        return null;
    }

    /** The architecture named {@code SCMP_ARCH_*}, or null when berth does not know it. */
    public static SeccompArch byOciName(String name) {
        for (SeccompArch a : values()) {
            if (a.ociName.equals(name)) {
                return a;
            }
        }
        return null;
    }

    /**
     * A table file as it is, hashed in place: on a cold JVM, cheaper than a map of a thousand
     * entries per architecture. {@code at} holds 1 + the offset of a line (0: free slot), and
     * {@code hash} its name's {@link String#hashCode}, which the names of a profile cache.
     */
    private record Table(byte[] text, int[] at, int[] hash) {}

    private Table table() {
        Table t = loaded;
        if (t == null) {
            t = load(table == null ? null : "syscalls-" + table + ".txt");
            loaded = t;
        }
        return t;
    }

    private static Table load(String resource) {
        byte[] text = new byte[0];
        if (resource != null) {
            try (InputStream in = SeccompArch.class.getResourceAsStream(resource)) {
                if (in == null) {
                    throw new IllegalStateException("seccomp: " + resource + " is missing from the runtime jar");
                }
                text = in.readAllBytes();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        // a line is at least 4 bytes ("a 0\n"), so the index is never more than half full
        int size = Integer.highestOneBit(Math.max(16, text.length / 4)) * 2;
        int[] at = new int[size];
        int[] hash = new int[size];
        for (int line = 0; line < text.length; ) {
            int end = line;
            int h = 0;
            while (end < text.length && text[end] != ' ' && text[end] != '\n') {
                h = 31 * h + text[end++];
            }
            if (text[line] != '#' && end < text.length && text[end] == ' ') {
                int i = (h ^ h >>> 16) & (size - 1);
                while (at[i] != 0) {
                    i = (i + 1) & (size - 1);
                }
                at[i] = line + 1;
                hash[i] = h;
            }
            while (end < text.length && text[end] != '\n') {
                end++;
            }
            line = end + 1;
        }
        return new Table(text, at, hash);
    }

    /** Whether the line at {@code line} is {@code name} and its number. */
    private static boolean named(String name, byte[] text, int line) {
        int len = name.length();
        if (line + len >= text.length || text[line + len] != ' ') {
            return false;
        }
        for (int i = 0; i < len; i++) {
            if (text[line + i] != name.charAt(i)) {
                return false;
            }
        }
        return true;
    }
}
