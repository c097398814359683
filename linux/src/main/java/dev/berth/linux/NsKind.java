package dev.berth.linux;

/** The eight kinds of Linux namespace, with their {@code /proc/PID/ns} names and clone flags. */
public enum NsKind {
    USER("user", 0x10000000),
    MNT("mnt", 0x00020000),
    PID("pid", 0x20000000),
    NET("net", 0x40000000),
    UTS("uts", 0x04000000),
    IPC("ipc", 0x08000000),
    CGROUP("cgroup", 0x02000000),
    TIME("time", 0x00000080);

    private final String procName;
    private final int cloneFlag;

    NsKind(String procName, int cloneFlag) {
        this.procName = procName;
        this.cloneFlag = cloneFlag;
    }

    /** The file name under {@code /proc/PID/ns/}, also the name lsns and the stage use. */
    public String procName() {
        return procName;
    }

    /** The {@code CLONE_NEW*} flag of this kind. */
    public int cloneFlag() {
        return cloneFlag;
    }

    /** True when this kernel has namespaces of this kind (time: 5.6 and later, CONFIG_TIME_NS). */
    public boolean supported() {
        return java.nio.file.Files.exists(java.nio.file.Path.of("/proc/self/ns/" + procName), java.nio.file.LinkOption.NOFOLLOW_LINKS);
    }

    public static NsKind byProcName(String name) {
        for (NsKind k : values()) {
            if (k.procName.equals(name)) {
                return k;
            }
        }
        throw new IllegalArgumentException("unknown namespace kind " + name);
    }
}
