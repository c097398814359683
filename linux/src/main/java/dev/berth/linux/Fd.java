package dev.berth.linux;

import java.io.FileInputStream;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * An open file descriptor and the {@code *at} system calls made relative to it. Every call that
 * names a file takes one plain name (no {@code /}, not {@code ..}) in this directory and never
 * follows a symlink in that name, so a tree that another party changes meanwhile (a running
 * container's) can only ever lead to files below the descriptor it started from. Paths with
 * more than one component go through {@link InRoot}.
 */
public final class Fd implements AutoCloseable {
    private static final boolean X86 = Syscall.OPENAT == 257;
    static final long READ = X86 ? 0 : 63;
    static final long FCHMOD = X86 ? 91 : 52;
    static final long FCHOWN = X86 ? 93 : 55;
    static final long GETDENTS64 = X86 ? 217 : 61;
    static final long MKDIRAT = X86 ? 258 : 34;
    static final long MKNODAT = X86 ? 259 : 33;
    static final long FCHOWNAT = X86 ? 260 : 54;
    static final long UNLINKAT = X86 ? 263 : 35;
    static final long LINKAT = X86 ? 265 : 37;
    static final long SYMLINKAT = X86 ? 266 : 36;
    static final long READLINKAT = X86 ? 267 : 78;
    static final long FCHMODAT = X86 ? 268 : 53;
    static final long UTIMENSAT = X86 ? 280 : 88;
    static final long STATX = X86 ? 332 : 291;
    static final long OPENAT2 = 437;
    static final long SETXATTR = X86 ? 188 : 5;
    static final long GETXATTR = X86 ? 191 : 8;
    static final long LISTXATTR = X86 ? 194 : 11;
    static final long SYNC_FILE_RANGE = X86 ? 277 : 84;

    public static final int O_RDONLY = 0;
    public static final int O_WRONLY = 1;
    public static final int O_CREAT = 0100;
    public static final int O_EXCL = 0200;
    public static final int O_TRUNC = 01000;
    public static final int O_NONBLOCK = 04000;
    public static final int O_DIRECTORY = X86 ? 0200000 : 040000;
    public static final int O_NOFOLLOW = X86 ? 0400000 : 0100000;
    public static final int O_CLOEXEC = 02000000;
    public static final int O_PATH = 010000000;
    static final int AT_SYMLINK_NOFOLLOW = 0x100;
    static final int AT_REMOVEDIR = 0x200;
    static final int AT_EMPTY_PATH = 0x1000;

    private int fd;

    Fd(int fd) {
        this.fd = fd;
    }

    /** Takes over a descriptor this process opened some other way; closing this closes it. */
    public static Fd adopt(int fd) {
        return new Fd(fd);
    }

    /** The number, for {@code /proc/self/fd/N} and for system calls. */
    public int number() {
        if (fd < 0) {
            throw new IllegalStateException("descriptor already closed");
        }
        return fd;
    }

    /**
     * {@code open(path, O_PATH|O_DIRECTORY)}: a directory of the host named by a trusted path
     * (symlinks followed, as the caller means them).
     */
    public static Fd openDirectory(Path path) throws ErrnoException {
        return open((int) Syscall.AT_FDCWD, path.toString(), O_PATH | O_DIRECTORY | O_CLOEXEC, 0, path.toString());
    }

    /** {@code open(path, flags | O_CLOEXEC)}: a file of the host named by a trusted path. */
    public static Fd openFile(Path path, int flags) throws ErrnoException {
        return open((int) Syscall.AT_FDCWD, path.toString(), flags | O_CLOEXEC, 0, path.toString());
    }

    /**
     * {@code sync_file_range(fd, offset, length, SYNC_FILE_RANGE_WRITE)}: starts writing these
     * dirty pages to the disk and returns without waiting. It makes nothing durable (no metadata,
     * no cache flush): a later fsync still must; it only leaves that fsync less to wait for.
     */
    public void startWriteback(long offset, long length) throws ErrnoException {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment st = Native.state(a);
            if (Syscall.call(st, SYNC_FILE_RANGE, number(), offset, length, 2, 0, 0) < 0) {
                throw new ErrnoException("sync_file_range", "fd " + fd, Native.errno(st));
            }
        }
    }

    /** {@code pwrite}, linked on first use: only blob writers need it. */
    private static final class Pwrite {
        static final java.lang.invoke.MethodHandle HANDLE = Native.criticalLibc("pwrite",
            java.lang.foreign.FunctionDescriptor.of(ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT, ValueLayout.ADDRESS,
                ValueLayout.JAVA_LONG, ValueLayout.JAVA_LONG));
    }

    /**
     * Writes all of {@code src} (heap or direct; read-only is fine) at {@code position} with
     * {@code pwrite}, straight from where its bytes are: a {@code FileChannel} would copy a heap
     * buffer into a direct one first. Moves the buffer's position to its limit.
     */
    public void pwriteFully(java.nio.ByteBuffer src, long position) throws ErrnoException {
        long at = position;
        try (Arena a = Arena.ofConfined()) {
            MemorySegment st = Native.state(a);
            while (src.hasRemaining()) {
                long n;
                try {
                    n = (long) Pwrite.HANDLE.invokeExact(st, number(), MemorySegment.ofBuffer(src), (long) src.remaining(), at);
                } catch (Throwable t) {
                    throw Native.failed("pwrite", t);
                }
                if (n < 0) {
                    int errno = Native.errno(st);
                    if (errno == 4) { // EINTR
                        continue;
                    }
                    throw new ErrnoException("pwrite", "fd " + fd, errno);
                }
                src.position(src.position() + (int) n);
                at += n;
            }
        }
    }

    /** {@code openat(this, name, flags | O_NOFOLLOW | O_CLOEXEC, mode)}. */
    public Fd openAt(String name, int flags, int mode) throws ErrnoException {
        return open(number(), plain(name), flags | O_NOFOLLOW | O_CLOEXEC, mode, name);
    }

    private static Fd open(int dir, String name, int flags, int mode, String what) throws ErrnoException {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment st = Native.state(a);
            long rc = Syscall.call(st, Syscall.OPENAT, dir, a.allocateFrom(name).address(), flags, mode, 0, 0);
            if (rc < 0) {
                throw new ErrnoException("openat", what, Native.errno(st));
            }
            return new Fd((int) rc);
        }
    }

    /** The file itself, not a symlink's target ({@code statx(fd, "", AT_EMPTY_PATH)}). */
    public FileInfo stat() throws ErrnoException {
        return statx(number(), "", AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW, "fd " + fd);
    }

    /** The entry {@code name} of this directory, a symlink itself; null when there is none. */
    public FileInfo statAt(String name) throws ErrnoException {
        try {
            return statx(number(), plain(name), AT_SYMLINK_NOFOLLOW, name);
        } catch (ErrnoException e) {
            if (e.errno() == Errno.ENOENT) {
                return null;
            }
            throw e;
        }
    }

    private static FileInfo statx(int dir, String name, int flags, String what) throws ErrnoException {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment st = Native.state(a);
            MemorySegment buf = a.allocate(256, 8);
            long rc = Syscall.call(st, STATX, dir, a.allocateFrom(name).address(), flags, 0x17ff, buf.address(), 0);
            if (rc < 0) {
                throw new ErrnoException("statx", what, Native.errno(st));
            }
            return FileInfo.of(buf);
        }
    }

    /** The target of this symlink (an {@code O_PATH} descriptor of one). */
    public String readLink() throws ErrnoException {
        return readLink(number(), "", "fd " + fd);
    }

    public String readLinkAt(String name) throws ErrnoException {
        return readLink(number(), plain(name), name);
    }

    private static String readLink(int dir, String name, String what) throws ErrnoException {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment st = Native.state(a);
            MemorySegment buf = a.allocate(4096);
            long rc = Syscall.call(st, READLINKAT, dir, a.allocateFrom(name).address(), buf.address(), 4096, 0, 0);
            if (rc < 0) {
                throw new ErrnoException("readlinkat", what, Native.errno(st));
            }
            return new String(buf.asSlice(0, rc).toArray(ValueLayout.JAVA_BYTE), StandardCharsets.UTF_8);
        }
    }

    public void mkdirAt(String name, int mode) throws ErrnoException {
        call(MKDIRAT, "mkdirat", name, number(), 0, mode, 0, 0);
    }

    public void symlinkAt(String target, String name) throws ErrnoException {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment st = Native.state(a);
            long rc = Syscall.call(st, SYMLINKAT, a.allocateFrom(target).address(), number(),
                a.allocateFrom(plain(name)).address(), 0, 0, 0);
            if (rc < 0) {
                throw new ErrnoException("symlinkat", name + " -> " + target, Native.errno(st));
            }
        }
    }

    /** A hard link {@code name} here to {@code oldName} in {@code oldDir} (a symlink is linked, not followed). */
    public void linkAt(Fd oldDir, String oldName, String name) throws ErrnoException {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment st = Native.state(a);
            long rc = Syscall.call(st, LINKAT, oldDir.number(), a.allocateFrom(plain(oldName)).address(), number(),
                a.allocateFrom(plain(name)).address(), 0, 0);
            if (rc < 0) {
                throw new ErrnoException("linkat", name + " to " + oldName, Native.errno(st));
            }
        }
    }

    /** {@code mknodat}: {@code mode} holds the type ({@link FileNodes#S_IFCHR}, ...). */
    public void mknodAt(String name, int mode, long dev) throws ErrnoException {
        call(MKNODAT, "mknodat", name, number(), 0, mode, dev, 0);
    }

    public void unlinkAt(String name, boolean directory) throws ErrnoException {
        call(UNLINKAT, "unlinkat", name, number(), 0, directory ? AT_REMOVEDIR : 0, 0, 0);
    }

    /** Owner of the entry {@code name}, a symlink itself. */
    public void chownAt(String name, long uid, long gid) throws ErrnoException {
        call(FCHOWNAT, "fchownat", name, number(), 0, uid, gid, AT_SYMLINK_NOFOLLOW);
    }

    /** Owner of this file ({@code O_PATH} descriptors too). */
    public void chown(long uid, long gid) throws ErrnoException {
        call(FCHOWNAT, "fchownat", "", number(), 0, uid, gid, AT_EMPTY_PATH);
    }

    /**
     * Permission bits of this file. An {@code O_PATH} descriptor cannot be given to fchmod, so
     * its {@code /proc/self/fd} link is (it names this very inode, never a path looked up again).
     */
    public void chmod(int mode, boolean pathOnly) throws ErrnoException {
        if (!pathOnly) {
            try (Arena a = Arena.ofConfined()) {
                MemorySegment st = Native.state(a);
                if (Syscall.call(st, FCHMOD, number(), mode, 0, 0, 0, 0) < 0) {
                    throw new ErrnoException("fchmod", "fd " + fd, Native.errno(st));
                }
            }
            return;
        }
        try (Arena a = Arena.ofConfined()) {
            MemorySegment st = Native.state(a);
            long rc = Syscall.call(st, FCHMODAT, Syscall.AT_FDCWD, a.allocateFrom(procPath()).address(), mode, 0, 0, 0);
            if (rc < 0) {
                throw new ErrnoException("fchmodat", procPath(), Native.errno(st));
            }
        }
    }

    /** Modification (and access) time of the entry {@code name}, a symlink itself. */
    public void utimesAt(String name, long seconds, int nanos) throws ErrnoException {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment st = Native.state(a);
            MemorySegment ts = a.allocate(32, 8);
            ts.set(ValueLayout.JAVA_LONG, 0, seconds);
            ts.set(ValueLayout.JAVA_LONG, 8, nanos);
            ts.set(ValueLayout.JAVA_LONG, 16, seconds);
            ts.set(ValueLayout.JAVA_LONG, 24, nanos);
            long rc = Syscall.call(st, UTIMENSAT, number(), a.allocateFrom(plain(name)).address(), ts.address(),
                AT_SYMLINK_NOFOLLOW, 0, 0);
            if (rc < 0) {
                throw new ErrnoException("utimensat", name, Native.errno(st));
            }
        }
    }

    /** Modification (and access) time of this file, opened without O_PATH ({@code futimens}). */
    public void utimes(long seconds, int nanos) throws ErrnoException {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment st = Native.state(a);
            MemorySegment ts = a.allocate(32, 8);
            ts.set(ValueLayout.JAVA_LONG, 0, seconds);
            ts.set(ValueLayout.JAVA_LONG, 8, nanos);
            ts.set(ValueLayout.JAVA_LONG, 16, seconds);
            ts.set(ValueLayout.JAVA_LONG, 24, nanos);
            if (Syscall.call(st, UTIMENSAT, number(), 0, ts.address(), 0, 0, 0) < 0) {
                throw new ErrnoException("futimens", "fd " + fd, Native.errno(st));
            }
        }
    }

    /**
     * The root directory of the process whose {@code /proc/PID} directory this is: the magic
     * link {@code root} is followed, on purpose, to that process's {@code /} in its own mount
     * namespace. Through this descriptor the process is the one it was when it was opened.
     */
    public Fd processRoot() throws ErrnoException {
        return open(number(), "root", O_PATH | O_DIRECTORY | O_CLOEXEC, 0, "root");
    }

    /** The names in this directory (without {@code .} and {@code ..}), sorted. */
    public List<String> list() throws ErrnoException {
        List<String> names = new ArrayList<>();
        try (Fd dir = openAt(".", O_RDONLY | O_DIRECTORY, 0); Arena a = Arena.ofConfined()) {
            MemorySegment st = Native.state(a);
            MemorySegment buf = a.allocate(32768, 8);
            while (true) {
                long n = Syscall.call(st, GETDENTS64, dir.number(), buf.address(), 32768, 0, 0, 0);
                if (n < 0) {
                    throw new ErrnoException("getdents64", "fd " + fd, Native.errno(st));
                }
                if (n == 0) {
                    break;
                }
                long off = 0;
                while (off < n) {
                    int reclen = Short.toUnsignedInt(buf.get(ValueLayout.JAVA_SHORT_UNALIGNED, off + 16));
                    long start = off + 19;
                    long end = start;
                    while (buf.get(ValueLayout.JAVA_BYTE, end) != 0) {
                        end++;
                    }
                    String name = new String(buf.asSlice(start, end - start).toArray(ValueLayout.JAVA_BYTE),
                        StandardCharsets.UTF_8);
                    if (!name.equals(".") && !name.equals("..")) {
                        names.add(name);
                    }
                    off += reclen;
                }
            }
        }
        names.sort(null);
        return names;
    }

    /** Reads this regular file from its start (it is opened again through its /proc/self/fd link). */
    public InputStream reader() throws IOException {
        return new FileInputStream(procPath());
    }

    /** Writes this file (opened for writing) from its current offset. */
    public OutputStream writer() throws IOException {
        return new FileOutputStream(procPath(), true);
    }

    /**
     * The extended attributes of this file, a regular file or a directory (never call it on a
     * symlink's descriptor: the link would be followed). They are read through the
     * {@code /proc/self/fd/N} link, which names this very inode, because {@code f*xattr} refuses
     * an {@code O_PATH} descriptor. Names the filter refuses are not read; a file system without
     * xattrs has none.
     */
    public java.util.Map<String, byte[]> xattrs(java.util.function.Predicate<String> filter) throws ErrnoException {
        java.util.Map<String, byte[]> out = new java.util.LinkedHashMap<>();
        try (Arena a = Arena.ofConfined()) {
            MemorySegment st = Native.state(a);
            long path = a.allocateFrom(procPath()).address();
            MemorySegment names = MemorySegment.NULL;
            long n;
            for (long cap = 1024; ; cap *= 4) {
                names = a.allocate(cap);
                n = Syscall.call(st, LISTXATTR, path, names.address(), cap, 0, 0, 0);
                if (n >= 0 || Native.errno(st) != FileNodes.ERANGE || cap > 1 << 20) {
                    break;
                }
            }
            if (n < 0) {
                int errno = Native.errno(st);
                if (errno == 95) { // EOPNOTSUPP: no xattrs here
                    return out;
                }
                throw new ErrnoException("listxattr", procPath(), errno);
            }
            long start = 0;
            for (long i = 0; i < n; i++) {
                if (names.get(ValueLayout.JAVA_BYTE, i) != 0) {
                    continue;
                }
                String name = new String(names.asSlice(start, i - start).toArray(ValueLayout.JAVA_BYTE), StandardCharsets.UTF_8);
                start = i + 1;
                if (name.isEmpty() || !filter.test(name)) {
                    continue;
                }
                byte[] v = getXattr(a, st, path, name);
                if (v != null) {
                    out.put(name, v);
                }
            }
        }
        return out;
    }

    private byte[] getXattr(Arena a, MemorySegment st, long path, String name) throws ErrnoException {
        long n = a.allocateFrom(name).address();
        for (long cap = 256; cap <= 1 << 20; cap *= 4) {
            MemorySegment buf = a.allocate(cap);
            long got = Syscall.call(st, GETXATTR, path, n, buf.address(), cap, 0, 0);
            if (got >= 0) {
                return buf.asSlice(0, got).toArray(ValueLayout.JAVA_BYTE);
            }
            int errno = Native.errno(st);
            if (errno == FileNodes.ENODATA) {
                return null; // removed since the list
            }
            if (errno != FileNodes.ERANGE) {
                throw new ErrnoException("getxattr", procPath() + " " + name, errno);
            }
        }
        throw new ErrnoException("getxattr", procPath() + " " + name, FileNodes.ERANGE);
    }

    /** Sets an extended attribute of this file, a regular file or a directory, through its {@code /proc/self/fd} link. */
    public void setXattr(String name, byte[] value) throws ErrnoException {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment st = Native.state(a);
            MemorySegment v = a.allocate(Math.max(1, value.length));
            MemorySegment.copy(value, 0, v, ValueLayout.JAVA_BYTE, 0, value.length);
            long rc = Syscall.call(st, SETXATTR, a.allocateFrom(procPath()).address(), a.allocateFrom(name).address(),
                v.address(), value.length, 0, 0);
            if (rc < 0) {
                throw new ErrnoException("setxattr", name, Native.errno(st));
            }
        }
    }

    /** {@code /proc/self/fd/N}: opening it opens this inode again, whatever its name is by now. */
    public String procPath() {
        return "/proc/self/fd/" + number();
    }

    @Override
    public void close() {
        if (fd >= 0) {
            try (Arena a = Arena.ofConfined()) {
                Syscall.call(Native.state(a), Syscall.CLOSE, fd, 0, 0, 0, 0, 0);
            }
            fd = -1;
        }
    }

    private void call(long nr, String call, String name, long a0, long unusedPath, long b, long c, long d)
        throws ErrnoException {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment st = Native.state(a);
            long path = a.allocateFrom(name.isEmpty() ? "" : plain(name)).address();
            if (Syscall.call(st, nr, a0, path, b, c, d, 0) < 0) {
                throw new ErrnoException(call, name.isEmpty() ? "fd " + fd : name, Native.errno(st));
            }
        }
    }

    /** One name of this directory: {@code a/b} or {@code ..} would reach past the descriptor's own entries. */
    static String plain(String name) {
        if (name.isEmpty() || name.indexOf('/') >= 0 || name.equals("..") || name.indexOf('\0') >= 0) {
            throw new IllegalArgumentException("not a plain file name: \"" + name + "\"");
        }
        return name;
    }
}
