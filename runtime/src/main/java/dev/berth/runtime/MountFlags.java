package dev.berth.runtime;

/** mount(2) flags, from {@code <sys/mount.h>}. */
final class MountFlags {
    static final long RDONLY = 1;
    static final long NOSUID = 2;
    static final long NODEV = 4;
    static final long NOEXEC = 8;
    static final long BIND = 4096;
    static final long REC = 16384;
    static final long PRIVATE = 1 << 18;
    static final long SLAVE = 1 << 19;
    static final long STRICTATIME = 1 << 24;

    private MountFlags() {}
}
