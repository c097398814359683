package dev.berth.runtime.security;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;

/**
 * Capability names and numbers (capabilities(7)), and the sets docker starts a container with.
 * Masks are {@code long}s with bit N for capability N.
 */
public final class Capabilities {
    private static final String[] NAMES = {"CHOWN", "DAC_OVERRIDE", "DAC_READ_SEARCH", "FOWNER",
        "FSETID", "KILL", "SETGID", "SETUID", "SETPCAP", "LINUX_IMMUTABLE", "NET_BIND_SERVICE",
        "NET_BROADCAST", "NET_ADMIN", "NET_RAW", "IPC_LOCK", "IPC_OWNER", "SYS_MODULE", "SYS_RAWIO",
        "SYS_CHROOT", "SYS_PTRACE", "SYS_PACCT", "SYS_ADMIN", "SYS_BOOT", "SYS_NICE", "SYS_RESOURCE",
        "SYS_TIME", "SYS_TTY_CONFIG", "MKNOD", "LEASE", "AUDIT_WRITE", "AUDIT_CONTROL", "SETFCAP",
        "MAC_OVERRIDE", "MAC_ADMIN", "SYSLOG", "WAKE_ALARM", "BLOCK_SUSPEND", "AUDIT_READ", "PERFMON",
        "BPF", "CHECKPOINT_RESTORE"};

    /** Docker's default set (moby's {@code caps.DefaultCapabilities}), a fact users rely on. */
    public static final List<String> DOCKER_DEFAULT = List.of("CAP_CHOWN", "CAP_DAC_OVERRIDE",
        "CAP_FSETID", "CAP_FOWNER", "CAP_MKNOD", "CAP_NET_RAW", "CAP_SETGID", "CAP_SETUID", "CAP_SETFCAP",
        "CAP_SETPCAP", "CAP_NET_BIND_SERVICE", "CAP_SYS_CHROOT", "CAP_KILL", "CAP_AUDIT_WRITE");

    private static long hostBounding = -1;

    private Capabilities() {}

    /** The number of {@code CAP_NAME} or {@code NAME}, any case; -1 if unknown. */
    public static int number(String name) {
        String n = name.toUpperCase(java.util.Locale.ROOT);
        if (n.startsWith("CAP_")) {
            n = n.substring(4);
        }
        for (int i = 0; i < NAMES.length; i++) {
            if (NAMES[i].equals(n)) {
                return i;
            }
        }
        return -1;
    }

    /** {@code CAP_NAME} of a number, or {@code CAP_N} for one newer than berth. */
    public static String name(int number) {
        return number >= 0 && number < NAMES.length ? "CAP_" + NAMES[number] : "CAP_" + number;
    }

    /** Every capability berth knows, by name. */
    public static List<String> all() {
        List<String> out = new ArrayList<>(NAMES.length);
        for (int i = 0; i < NAMES.length; i++) {
            out.add("CAP_" + NAMES[i]);
        }
        return List.copyOf(out);
    }

    /** The mask of these names; an unknown name is an {@link IllegalArgumentException}. */
    public static long mask(Collection<String> names) {
        long m = 0;
        for (String n : names) {
            int c = number(n);
            if (c < 0) {
                throw new IllegalArgumentException("unknown capability \"" + n
                    + "\": use a name from capabilities(7) such as CAP_NET_ADMIN");
            }
            m |= 1L << c;
        }
        return m;
    }

    /** The names in a mask, in number order. */
    public static List<String> names(long mask) {
        List<String> out = new ArrayList<>();
        for (int c = 0; c < 64; c++) {
            if ((mask >>> c & 1) != 0) {
                out.add(name(c));
            }
        }
        return out;
    }

    /**
     * The bounding set berth itself runs with: a container can hold no capability outside it.
     * On some hosts (and in some sandboxes) it lacks capabilities, so "all" means this.
     */
    public static synchronized long hostBounding() {
        if (hostBounding < 0) {
            hostBounding = statusMask("CapBnd:");
        }
        return hostBounding;
    }

    private static long statusMask(String field) {
        String v = dev.berth.linux.Procs.selfStatus(field);
        try {
            if (v != null) {
                return Long.parseUnsignedLong(v, 16);
            }
        } catch (NumberFormatException e) {
            // fall through: assume every capability the kernel has
        }
        return (1L << NAMES.length) - 1;
    }
}
