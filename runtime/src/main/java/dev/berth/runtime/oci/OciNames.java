package dev.berth.runtime.oci;

import dev.berth.linux.NsKind;
import java.util.List;

/**
 * The names config.json uses for kernel constants, with the numbers the engine passes to the
 * kernel. Lookups are linear scans: the tables are short and this runs once per cold command.
 */
public final class OciNames {
    /** Namespace types, in the order the runtime-spec lists them. */
    public static final List<String> NAMESPACES =
        List.of("pid", "network", "mount", "ipc", "uts", "user", "cgroup", "time");
    private static final List<NsKind> NS_KINDS = List.of(NsKind.PID, NsKind.NET, NsKind.MNT,
        NsKind.IPC, NsKind.UTS, NsKind.USER, NsKind.CGROUP, NsKind.TIME);

    /** Capability names; the index is the capability's number (capability.h). */
    public static final List<String> CAPABILITIES = dev.berth.runtime.security.Capabilities.all();

    /** Resource limit names; the index is the RLIMIT_* number (asm-generic/resource.h). */
    public static final List<String> RLIMITS = List.of("RLIMIT_CPU", "RLIMIT_FSIZE",
        "RLIMIT_DATA", "RLIMIT_STACK", "RLIMIT_CORE", "RLIMIT_RSS", "RLIMIT_NPROC",
        "RLIMIT_NOFILE", "RLIMIT_MEMLOCK", "RLIMIT_AS", "RLIMIT_LOCKS", "RLIMIT_SIGPENDING",
        "RLIMIT_MSGQUEUE", "RLIMIT_NICE", "RLIMIT_RTPRIO", "RLIMIT_RTTIME");

    /** Scheduling policies; the index is the SCHED_* number (SCHED_ISO is reserved, 4). */
    public static final List<String> SCHED_POLICIES = List.of("SCHED_OTHER", "SCHED_FIFO",
        "SCHED_RR", "SCHED_BATCH", "SCHED_ISO", "SCHED_IDLE", "SCHED_DEADLINE");

    /** sched_setattr flags; the flag is {@code 1 << index}. */
    public static final List<String> SCHED_FLAGS = List.of("SCHED_FLAG_RESET_ON_FORK",
        "SCHED_FLAG_RECLAIM", "SCHED_FLAG_DL_OVERRUN", "SCHED_FLAG_KEEP_POLICY",
        "SCHED_FLAG_KEEP_PARAMS", "SCHED_FLAG_UTIL_CLAMP_MIN", "SCHED_FLAG_UTIL_CLAMP_MAX");

    /** I/O priority classes; the IOPRIO_CLASS_* number is the index + 1. */
    public static final List<String> IOPRIO_CLASSES =
        List.of("IOPRIO_CLASS_RT", "IOPRIO_CLASS_BE", "IOPRIO_CLASS_IDLE");

    /** The hooks, in the order a container's life runs them. */
    public static final List<String> HOOKS = List.of("prestart", "createRuntime",
        "createContainer", "startContainer", "poststart", "poststop");

    private OciNames() {}

    /** The kind of an OCI namespace type, or null for an unknown type. */
    public static NsKind nsKind(String type) {
        int i = NAMESPACES.indexOf(type);
        return i < 0 ? null : NS_KINDS.get(i);
    }

    /** The OCI type of a namespace kind ({@code network} for {@link NsKind#NET}). */
    public static String nsType(NsKind kind) {
        return NAMESPACES.get(NS_KINDS.indexOf(kind));
    }

    /** The capability's number, or -1. */
    public static int capability(String name) {
        return CAPABILITIES.indexOf(name);
    }

    /** The RLIMIT_* number, or -1. */
    public static int rlimit(String name) {
        return RLIMITS.indexOf(name);
    }

    /** The SCHED_* number, or -1. */
    public static int schedPolicy(String name) {
        return SCHED_POLICIES.indexOf(name);
    }

    /** The SCHED_FLAG_* bit, or 0. */
    public static long schedFlag(String name) {
        int i = SCHED_FLAGS.indexOf(name);
        return i < 0 ? 0 : 1L << i;
    }

    /** The IOPRIO_CLASS_* number, or -1. */
    public static int ioprioClass(String name) {
        int i = IOPRIO_CLASSES.indexOf(name);
        return i < 0 ? -1 : i + 1;
    }
}
