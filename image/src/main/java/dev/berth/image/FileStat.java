package dev.berth.image;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * What {@code lstat(2)} says of a file, read through the JDK's own {@code unix:*} view (no FFM):
 * the fields a tar header and a change list need.
 */
public record FileStat(int mode, long uid, long gid, long rdev, long size, long mtimeNanos, long dev, long ino, int nlink) {
    static final int S_IFMT = 0170000;
    static final int S_IFDIR = 0040000;
    static final int S_IFREG = 0100000;
    static final int S_IFLNK = 0120000;
    static final int S_IFCHR = 0020000;
    static final int S_IFBLK = 0060000;
    static final int S_IFIFO = 0010000;
    static final int S_IFSOCK = 0140000;

    /** The file's status without following a symlink, or null when it does not exist. */
    public static FileStat of(Path p) throws IOException {
        Map<String, Object> a;
        try {
            a = Files.readAttributes(p, "unix:*", LinkOption.NOFOLLOW_LINKS);
        } catch (NoSuchFileException e) {
            return null;
        } catch (java.nio.file.FileSystemException e) {
            if (e.getReason() != null && e.getReason().contains("Not a directory")) {
                return null; // a component on the way is a file: nothing there
            }
            throw e;
        }
        return new FileStat((Integer) a.get("mode"), ((Number) a.get("uid")).longValue(),
            ((Number) a.get("gid")).longValue(), (Long) a.get("rdev"), (Long) a.get("size"),
            ((FileTime) a.get("lastModifiedTime")).to(TimeUnit.NANOSECONDS), (Long) a.get("dev"), (Long) a.get("ino"),
            (Integer) a.get("nlink"));
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

    /** An overlayfs whiteout: a character device 0/0. */
    public boolean isWhiteout() {
        return type() == S_IFCHR && rdev == 0;
    }

    public int permissions() {
        return mode & 07777;
    }

    public long mtimeSeconds() {
        return Math.floorDiv(mtimeNanos, 1_000_000_000L);
    }

    public static int major(long rdev) {
        return (int) (((rdev >>> 32) & 0xfffff000L) | ((rdev >>> 8) & 0xfffL));
    }

    public static int minor(long rdev) {
        return (int) (((rdev >>> 12) & 0xffffff00L) | (rdev & 0xffL));
    }
}
