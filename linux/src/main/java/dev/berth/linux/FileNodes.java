package dev.berth.linux;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * What {@code java.nio.file} cannot do to a file: make device nodes and read or write extended
 * attributes outside the {@code user.} namespace ({@code security.capability},
 * {@code trusted.overlay.opaque}). Every call works on the link itself, never following a
 * symlink (the {@code l*xattr} family), because image unpacking must not be led out of its root.
 */
public final class FileNodes {
    private static final MethodHandle MKNOD = Native.libc("mknod",
        FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_INT, ValueLayout.JAVA_LONG));
    private static final MethodHandle LSETXATTR = Native.libc("lsetxattr",
        FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.ADDRESS, ValueLayout.ADDRESS,
            ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT));
    private static final MethodHandle LGETXATTR = Native.libc("lgetxattr",
        FunctionDescriptor.of(ValueLayout.JAVA_LONG, ValueLayout.ADDRESS, ValueLayout.ADDRESS, ValueLayout.ADDRESS,
            ValueLayout.JAVA_LONG));
    private static final MethodHandle LLISTXATTR = Native.libc("llistxattr",
        FunctionDescriptor.of(ValueLayout.JAVA_LONG, ValueLayout.ADDRESS, ValueLayout.ADDRESS, ValueLayout.JAVA_LONG));

    public static final int S_IFCHR = 0020000;
    public static final int S_IFBLK = 0060000;
    public static final int S_IFIFO = 0010000;
    public static final int ENODATA = 61;
    public static final int ERANGE = 34;

    private FileNodes() {}

    /** glibc's {@code makedev(major, minor)}. */
    public static long makedev(int major, int minor) {
        long ma = major & 0xffffffffL;
        long mi = minor & 0xffffffffL;
        return ((ma & 0x00000fffL) << 8) | ((ma & 0xfffff000L) << 32) | (mi & 0x000000ffL) | ((mi & 0xffffff00L) << 12);
    }

    /** {@code int mknod(const char *path, mode_t mode, dev_t dev);} mode includes the file type. */
    public static void mknod(Path path, int mode, long dev) throws ErrnoException {
        int rc;
        int errno;
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = Native.state(arena);
            rc = (int) MKNOD.invokeExact(state, arena.allocateFrom(path.toString()), mode, dev);
            errno = Native.errno(state);
        } catch (Throwable t) {
            throw Native.failed("mknod", t);
        }
        if (rc < 0) {
            throw new ErrnoException("mknod", path.toString(), errno);
        }
    }

    /** {@code lsetxattr(path, name, value, size, 0)}: creates or replaces the attribute. */
    public static void setXattr(Path path, String name, byte[] value) throws ErrnoException {
        int rc;
        int errno;
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = Native.state(arena);
            MemorySegment v = arena.allocate(Math.max(1, value.length));
            MemorySegment.copy(value, 0, v, ValueLayout.JAVA_BYTE, 0, value.length);
            rc = (int) LSETXATTR.invokeExact(state, arena.allocateFrom(path.toString()), arena.allocateFrom(name), v,
                (long) value.length, 0);
            errno = Native.errno(state);
        } catch (Throwable t) {
            throw Native.failed("lsetxattr", t);
        }
        if (rc < 0) {
            throw new ErrnoException("lsetxattr", path + " " + name, errno);
        }
    }

    /** The attribute's value, or null when the file has no such attribute. */
    public static byte[] getXattr(Path path, String name) throws ErrnoException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = Native.state(arena);
            MemorySegment p = arena.allocateFrom(path.toString());
            MemorySegment n = arena.allocateFrom(name);
            long size;
            try {
                size = (long) LGETXATTR.invokeExact(state, p, n, MemorySegment.NULL, 0L);
            } catch (Throwable t) {
                throw Native.failed("lgetxattr", t);
            }
            if (size < 0) {
                int errno = Native.errno(state);
                if (errno == ENODATA) {
                    return null;
                }
                throw new ErrnoException("lgetxattr", path + " " + name, errno);
            }
            MemorySegment buf = arena.allocate(Math.max(1, size));
            long got;
            try {
                got = (long) LGETXATTR.invokeExact(state, p, n, buf, size);
            } catch (Throwable t) {
                throw Native.failed("lgetxattr", t);
            }
            if (got < 0) {
                throw new ErrnoException("lgetxattr", path + " " + name, Native.errno(state));
            }
            return buf.asSlice(0, got).toArray(ValueLayout.JAVA_BYTE);
        }
    }

    /** The names of every extended attribute of the file itself (not of a symlink's target). */
    public static List<String> listXattrs(Path path) throws ErrnoException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = Native.state(arena);
            MemorySegment p = arena.allocateFrom(path.toString());
            long size;
            try {
                size = (long) LLISTXATTR.invokeExact(state, p, MemorySegment.NULL, 0L);
            } catch (Throwable t) {
                throw Native.failed("llistxattr", t);
            }
            if (size < 0) {
                throw new ErrnoException("llistxattr", path.toString(), Native.errno(state));
            }
            List<String> names = new ArrayList<>();
            if (size == 0) {
                return names;
            }
            MemorySegment buf = arena.allocate(size);
            long got;
            try {
                got = (long) LLISTXATTR.invokeExact(state, p, buf, size);
            } catch (Throwable t) {
                throw Native.failed("llistxattr", t);
            }
            if (got < 0) {
                throw new ErrnoException("llistxattr", path.toString(), Native.errno(state));
            }
            byte[] all = buf.asSlice(0, got).toArray(ValueLayout.JAVA_BYTE);
            int start = 0;
            for (int i = 0; i < all.length; i++) {
                if (all[i] == 0) {
                    if (i > start) {
                        names.add(new String(all, start, i - start, java.nio.charset.StandardCharsets.UTF_8));
                    }
                    start = i + 1;
                }
            }
            return names;
        }
    }
}
