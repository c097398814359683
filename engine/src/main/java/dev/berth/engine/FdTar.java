package dev.berth.engine;

import dev.berth.image.OwnerMap;
import dev.berth.image.TarEntry;
import dev.berth.image.TarWriter;
import dev.berth.linux.ErrnoException;
import dev.berth.linux.Fd;
import dev.berth.linux.FileInfo;
import java.io.IOException;
import java.io.InputStream;
import java.util.HashMap;
import java.util.Map;

/**
 * A file tree as a tar, read through descriptors only: each entry is opened {@code O_PATH}
 * without following it, its type is read from that descriptor ({@code statx}), a directory's
 * children are opened relative to it, and a file's bytes are read by opening that same inode
 * again ({@code /proc/self/fd/N}). A tree that changes meanwhile (a running container's) can
 * change what is read, never make it read outside the tree. Names as docker's archive package
 * writes them: directories end in {@code /}, mtimes in whole seconds, later names of one inode
 * as hard links, sockets left out; owners mapped back into the container's user namespace.
 */
final class FdTar {
    private final TarWriter tar;
    private final OwnerMap owners;
    private final Map<String, String> inodes = new HashMap<>();
    private long bytes;

    FdTar(TarWriter tar, OwnerMap owners) {
        this.tar = tar;
        this.owners = owners;
    }

    /** Writes {@code self} (an O_PATH descriptor) as {@code as}, and below it everything a directory holds. */
    void add(Fd self, FileInfo st, String as) throws IOException {
        int type = st.type();
        TarEntry e;
        if (type == FileInfo.S_IFDIR) {
            e = new TarEntry(as + "/", TarEntry.DIR);
        } else if (type == FileInfo.S_IFLNK) {
            e = new TarEntry(as, TarEntry.SYMLINK);
            e.linkName = self.readLink();
        } else if (type == FileInfo.S_IFSOCK) {
            return;
        } else {
            String key = st.nlink() > 1 ? st.dev() + ":" + st.ino() : null;
            String first = key == null ? null : inodes.putIfAbsent(key, as);
            if (first != null) {
                e = new TarEntry(as, TarEntry.HARDLINK);
                e.linkName = first;
            } else if (type == FileInfo.S_IFREG) {
                e = new TarEntry(as, TarEntry.FILE);
                e.size = st.size();
            } else if (type == FileInfo.S_IFCHR || type == FileInfo.S_IFBLK) {
                e = new TarEntry(as, type == FileInfo.S_IFCHR ? TarEntry.CHAR : TarEntry.BLOCK);
                e.devMajor = st.rdevMajor();
                e.devMinor = st.rdevMinor();
            } else {
                e = new TarEntry(as, TarEntry.FIFO);
            }
        }
        e.mode = st.permissions();
        e.uid = owners.uid(st.uid());
        e.gid = owners.gid(st.gid());
        e.mtimeSeconds = Math.max(0, st.mtimeSeconds());
        if (e.type == TarEntry.FILE || e.type == TarEntry.DIR) {
            xattrs(self, e);
        }
        if (e.type == TarEntry.FILE) {
            try (InputStream in = self.reader()) {
                tar.add(e, new dev.berth.image.ExactLength(in, e.size));
            }
            bytes += e.size;
        } else {
            tar.add(e, null);
        }
        if (type == FileInfo.S_IFDIR) {
            for (String name : self.list()) {
                Fd child;
                try {
                    child = self.openAt(name, Fd.O_PATH, 0);
                } catch (ErrnoException gone) {
                    continue; // removed while we read, as tar would skip it
                }
                try (child) {
                    add(child, child.stat(), as + "/" + name);
                }
            }
        }
    }

    /** docker's archive keeps {@code security.capability} and {@code user.*} (PAX {@code SCHILY.xattr.}). */
    private void xattrs(Fd self, TarEntry e) {
        try {
            for (Map.Entry<String, byte[]> x : self.xattrs(OwnerMap::archived).entrySet()) {
                byte[] v = x.getKey().equals("security.capability") ? owners.capabilityOut(x.getValue()) : x.getValue();
                e.xattrs.put(x.getKey(), v);
            }
        } catch (ErrnoException gone) {
            // removed while we read, or a file system that lists none: the entry without them, as tar
        }
    }

    /** Bytes of file content written so far. */
    long bytes() {
        return bytes;
    }
}
