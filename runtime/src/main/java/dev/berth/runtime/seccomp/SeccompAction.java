package dev.berth.runtime.seccomp;

/** The actions of runtime-spec's {@code linux.seccomp}, with the filter return value of each. */
public enum SeccompAction {
    /** libseccomp's name for killing the thread, kept by the spec. */
    KILL("SCMP_ACT_KILL", 0x00000000),
    KILL_PROCESS("SCMP_ACT_KILL_PROCESS", 0x80000000),
    KILL_THREAD("SCMP_ACT_KILL_THREAD", 0x00000000),
    TRAP("SCMP_ACT_TRAP", 0x00030000),
    ERRNO("SCMP_ACT_ERRNO", 0x00050000),
    TRACE("SCMP_ACT_TRACE", 0x7ff00000),
    ALLOW("SCMP_ACT_ALLOW", 0x7fff0000),
    LOG("SCMP_ACT_LOG", 0x7ffc0000),
    /** Parsed so that it can be refused by name: berth has no notify listener yet. */
    NOTIFY("SCMP_ACT_NOTIFY", 0x7fc00000);

    /** What errno the spec implies when {@code errnoRet} is absent. */
    public static final int EPERM = 1;

    private final String ociName;
    private final int base;

    SeccompAction(String ociName, int base) {
        this.ociName = ociName;
        this.base = base;
    }

    public String ociName() {
        return ociName;
    }

    /** ERRNO and TRACE carry 16 bits of data (the errno, the tracer's message); no other does. */
    public boolean takesErrno() {
        return this == ERRNO || this == TRACE;
    }

    /** The {@code SECCOMP_RET_*} value a filter returns for this action. */
    public int ret(int errno) {
        return takesErrno() ? base | (errno & 0xffff) : base;
    }

    /** The action named {@code name} in a profile, or null. */
    public static SeccompAction byName(String name) {
        for (SeccompAction a : values()) {
            if (a.ociName.equals(name)) {
                return a;
            }
        }
        return null;
    }

    static String names() {
        StringBuilder b = new StringBuilder();
        for (SeccompAction a : values()) {
            if (a != NOTIFY) {
                b.append(b.isEmpty() ? "" : ", ").append(a.ociName);
            }
        }
        return b.toString();
    }
}
