package dev.berth.linux;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;

/**
 * mount(2) and umount2(2) in this process's own mount namespace, for the few mounts that must
 * outlive one container: a tmpfs volume shared by the containers using it (docker's local
 * driver mounts it on the host the same way). Through {@link Syscall}'s one downcall.
 */
public final class HostMounts {
    /** umount2 flag: detach now, finish when the last user lets go. */
    public static final long MNT_DETACH = 2;

    private HostMounts() {}

    /** {@code mount(source, target, fstype, flags, data)}. */
    public static void mount(String source, Path target, String fstype, long flags, String data) throws ErrnoException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = Native.state(arena);
            long rc = Syscall.call(state, Syscall.MOUNT, arena.allocateFrom(source).address(),
                arena.allocateFrom(target.toString()).address(), arena.allocateFrom(fstype).address(), flags,
                data == null || data.isEmpty() ? 0 : arena.allocateFrom(data).address(), 0);
            if (rc < 0) {
                throw new ErrnoException("mount", fstype + " on " + target, Native.errno(state));
            }
        }
    }

    /** {@code umount2(target, flags)}. */
    public static void unmount(Path target, long flags) throws ErrnoException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = Native.state(arena);
            long rc = Syscall.call(state, Syscall.UMOUNT2, arena.allocateFrom(target.toString()).address(), flags,
                0, 0, 0, 0);
            if (rc < 0) {
                throw new ErrnoException("umount", target.toString(), Native.errno(state));
            }
        }
    }
}
