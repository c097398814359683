package dev.berth.linux;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.Map;

/**
 * A file system mounted with the new mount API ({@code fsopen}, {@code fsconfig},
 * {@code fsmount}, Linux 5.2) and never attached anywhere: it is reachable only through the
 * returned descriptor and goes away when that is closed, or when this process dies. Used to see
 * a stopped container's overlay as the container sees it without a mount on the host that a
 * crash could leave behind. Copies of host directories ({@link #cloneTree}) can be attached
 * below such a tree ({@link #attach}, Linux 6.15: before that the kernel only mounts onto
 * attached mounts and answers EINVAL), so the tree also shows the container's volumes.
 */
public final class DetachedMount {
    private static final long FSOPEN = 430;
    private static final long FSCONFIG = 431;
    private static final long FSMOUNT = 432;
    private static final long OPEN_TREE = 428;
    private static final long MOVE_MOUNT = 429;
    private static final long MOUNT_SETATTR = 442;
    private static final int OPEN_TREE_CLONE = 1;
    private static final int O_CLOEXEC = 02000000;
    private static final int AT_EMPTY_PATH = 0x1000;
    private static final int AT_RECURSIVE = 0x8000;
    private static final int MOVE_MOUNT_F_EMPTY_PATH = 0x04;
    private static final int MOVE_MOUNT_T_EMPTY_PATH = 0x40;
    private static final long MOUNT_ATTR_RDONLY = 1;
    private static final int AT_FDCWD = -100;
    private static final int FSCONFIG_SET_FLAG = 0;
    private static final int FSCONFIG_SET_STRING = 1;
    private static final int FSCONFIG_CMD_CREATE = 6;

    private DetachedMount() {}

    /**
     * Mounts {@code type} with string options ({@code value} null: a flag such as
     * {@code userxattr}) and returns the descriptor of its root.
     */
    public static Fd mount(String type, Map<String, String> options) throws ErrnoException {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment st = Native.state(a);
            long fs = Syscall.call(st, FSOPEN, a.allocateFrom(type).address(), 1, 0, 0, 0, 0);
            if (fs < 0) {
                throw new ErrnoException("fsopen", type, Native.errno(st));
            }
            try (Fd ctx = new Fd((int) fs)) {
                for (Map.Entry<String, String> o : options.entrySet()) {
                    long key = a.allocateFrom(o.getKey()).address();
                    long rc = o.getValue() == null
                        ? Syscall.call(st, FSCONFIG, fs, FSCONFIG_SET_FLAG, key, 0, 0, 0)
                        : Syscall.call(st, FSCONFIG, fs, FSCONFIG_SET_STRING, key, a.allocateFrom(o.getValue()).address(), 0, 0);
                    if (rc < 0) {
                        throw new ErrnoException("fsconfig", type + " " + o.getKey(), Native.errno(st));
                    }
                }
                if (Syscall.call(st, FSCONFIG, fs, FSCONFIG_CMD_CREATE, 0, 0, 0, 0) < 0) {
                    throw new ErrnoException("fsconfig", type + " create", Native.errno(st));
                }
                long m = Syscall.call(st, FSMOUNT, fs, 1, 0, 0, 0, 0);
                if (m < 0) {
                    throw new ErrnoException("fsmount", type, Native.errno(st));
                }
                return new Fd((int) m);
            }
        }
    }

    /** A detached copy of the mount tree at {@code dir}, submounts included ({@code open_tree(OPEN_TREE_CLONE)}). */
    public static Fd cloneTree(Path dir) throws ErrnoException {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment st = Native.state(a);
            long fd = Syscall.call(st, OPEN_TREE, AT_FDCWD, a.allocateFrom(dir.toString()).address(),
                OPEN_TREE_CLONE | O_CLOEXEC | AT_RECURSIVE, 0, 0, 0);
            if (fd < 0) {
                throw new ErrnoException("open_tree", dir.toString(), Native.errno(st));
            }
            return new Fd((int) fd);
        }
    }

    /** Makes the detached tree {@code mount} read-only, every submount too. */
    public static void readOnly(Fd mount) throws ErrnoException {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment st = Native.state(a);
            MemorySegment attr = a.allocate(32); // struct mount_attr: attr_set, attr_clr, propagation, userns_fd
            attr.set(java.lang.foreign.ValueLayout.JAVA_LONG, 0, MOUNT_ATTR_RDONLY);
            if (Syscall.call(st, MOUNT_SETATTR, mount.number(), a.allocateFrom("").address(), AT_EMPTY_PATH | AT_RECURSIVE,
                attr.address(), 32, 0) < 0) {
                throw new ErrnoException("mount_setattr", "read-only", Native.errno(st));
            }
        }
    }

    /**
     * Mounts the detached tree {@code mount} onto {@code target} (a descriptor, {@code O_PATH}
     * is enough, of a directory or file inside another detached tree or anywhere else).
     */
    public static void attach(Fd mount, Fd target) throws ErrnoException {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment st = Native.state(a);
            long empty = a.allocateFrom("").address();
            if (Syscall.call(st, MOVE_MOUNT, mount.number(), empty, target.number(), empty,
                MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH, 0) < 0) {
                throw new ErrnoException("move_mount", target.procPath(), Native.errno(st));
            }
        }
    }
}
