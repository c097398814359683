package dev.berth.image;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Files on disk as tar entries, as docker's archive package writes them: names relative to the
 * root without a leading {@code ./} (directories end in {@code /}), owners mapped back from the
 * host ({@link OwnerMap}), mtimes in whole seconds, second and later names of one inode as hard
 * links, sockets left out, {@code security.capability} and {@code user.*} attributes kept but
 * never overlayfs' own. Whiteouts are written in the layer format: {@code .wh.NAME} and
 * {@code .wh..wh..opq}.
 */
final class TreeTar {
    private static final String WH = ".wh.";
    private static final String OPAQUE = ".wh..wh..opq";
    private final TarWriter tar;
    private final OwnerMap owners;
    private final Map<String, String> inodes = new HashMap<>();
    private boolean any;

    TreeTar(TarWriter tar, OwnerMap owners) {
        this.tar = tar;
        this.owners = owners;
    }

    /** Whether any entry was written. */
    boolean any() {
        return any;
    }

    /**
     * Writes the file at {@code p} as {@code rel}; false for what tar cannot carry (a socket).
     * {@code device}: a 0/0 character device is a device here, not a whiteout.
     */
    boolean add(String rel, Path p, FileStat st) throws IOException {
        TarEntry e;
        int type = st.type();
        if (type == FileStat.S_IFDIR) {
            e = new TarEntry(rel + "/", TarEntry.DIR);
        } else if (type == FileStat.S_IFLNK) {
            e = new TarEntry(rel, TarEntry.SYMLINK);
            e.linkName = Files.readSymbolicLink(p).toString();
        } else if (type == FileStat.S_IFSOCK) {
            return false;
        } else {
            String key = st.nlink() > 1 ? st.dev() + ":" + st.ino() : null;
            String first = key == null ? null : inodes.putIfAbsent(key, rel);
            if (first != null) {
                e = new TarEntry(rel, TarEntry.HARDLINK);
                e.linkName = first;
            } else if (type == FileStat.S_IFREG) {
                e = new TarEntry(rel, TarEntry.FILE);
                e.size = st.size();
            } else if (type == FileStat.S_IFCHR || type == FileStat.S_IFBLK) {
                e = new TarEntry(rel, type == FileStat.S_IFCHR ? TarEntry.CHAR : TarEntry.BLOCK);
                e.devMajor = FileStat.major(st.rdev());
                e.devMinor = FileStat.minor(st.rdev());
            } else {
                e = new TarEntry(rel, TarEntry.FIFO);
            }
        }
        e.mode = st.permissions();
        e.uid = owners.uid(st.uid());
        e.gid = owners.gid(st.gid());
        e.mtimeSeconds = Math.max(0, st.mtimeSeconds());
        if (type != FileStat.S_IFLNK) {
            xattrs(p, e);
        }
        if (e.type == TarEntry.FILE) {
            try (InputStream in = Files.newInputStream(p)) {
                tar.add(e, new ExactLength(in, e.size));
            }
        } else {
            tar.add(e, null);
        }
        any = true;
        return true;
    }

    /** {@code rel} deleted: {@code DIR/.wh.NAME}. */
    void whiteout(String rel) throws IOException {
        int slash = rel.lastIndexOf('/');
        String name = slash < 0 ? WH + rel : rel.substring(0, slash + 1) + WH + rel.substring(slash + 1);
        marker(name);
    }

    /** The directory {@code rel} hides what lower layers had in it: {@code DIR/.wh..wh..opq}. */
    void opaque(String rel) throws IOException {
        marker(rel.isEmpty() ? OPAQUE : rel + "/" + OPAQUE);
    }

    private void marker(String name) throws IOException {
        TarEntry e = new TarEntry(name, TarEntry.FILE);
        e.mode = 0;
        tar.add(e, null);
        any = true;
    }

    private void xattrs(Path p, TarEntry e) {
        List<String> names;
        try {
            names = dev.berth.linux.FileNodes.listXattrs(p);
        } catch (dev.berth.linux.ErrnoException ex) {
            return; // a file system without xattrs
        }
        for (String n : names) {
            if (!OwnerMap.archived(n)) {
                continue;
            }
            try {
                byte[] v = dev.berth.linux.FileNodes.getXattr(p, n);
                if (v != null) {
                    e.xattrs.put(n, n.equals("security.capability") ? owners.capabilityOut(v) : v);
                }
            } catch (dev.berth.linux.ErrnoException ex) {
                // removed while we read
            }
        }
    }

}
