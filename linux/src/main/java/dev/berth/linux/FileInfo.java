package dev.berth.linux;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/** What {@code statx(2)} says of one file (a symlink itself, never its target); {@code mountId} is 0 before Linux 5.8. */
public record FileInfo(int mode, long uid, long gid, long size, long mtimeSeconds, int mtimeNanos, long ino,
    long dev, int nlink, int rdevMajor, int rdevMinor, long mountId) {
    public static final int S_IFMT = 0170000;
    public static final int S_IFDIR = 0040000;
    public static final int S_IFREG = 0100000;
    public static final int S_IFLNK = 0120000;
    public static final int S_IFCHR = 0020000;
    public static final int S_IFBLK = 0060000;
    public static final int S_IFIFO = 0010000;
    public static final int S_IFSOCK = 0140000;

    static FileInfo of(MemorySegment b) {
        long dev = (Integer.toUnsignedLong(b.get(ValueLayout.JAVA_INT, 136)) << 32)
            | Integer.toUnsignedLong(b.get(ValueLayout.JAVA_INT, 140));
        return new FileInfo(Short.toUnsignedInt(b.get(ValueLayout.JAVA_SHORT, 28)),
            Integer.toUnsignedLong(b.get(ValueLayout.JAVA_INT, 20)), Integer.toUnsignedLong(b.get(ValueLayout.JAVA_INT, 24)),
            b.get(ValueLayout.JAVA_LONG, 40), b.get(ValueLayout.JAVA_LONG, 112), b.get(ValueLayout.JAVA_INT, 120),
            b.get(ValueLayout.JAVA_LONG, 32), dev, b.get(ValueLayout.JAVA_INT, 16), b.get(ValueLayout.JAVA_INT, 128),
            b.get(ValueLayout.JAVA_INT, 132), b.get(ValueLayout.JAVA_LONG, 144));
    }

    public int type() {
        return mode & S_IFMT;
    }

    public boolean isDirectory() {
        return type() == S_IFDIR;
    }

    public boolean isRegular() {
        return type() == S_IFREG;
    }

    public boolean isSymlink() {
        return type() == S_IFLNK;
    }

    /** Permission bits with setuid, setgid and sticky. */
    public int permissions() {
        return mode & 07777;
    }
}
