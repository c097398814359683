package dev.berth.engine;

import dev.berth.image.TarEntry;
import dev.berth.image.TarReader;
import dev.berth.linux.Errno;
import dev.berth.linux.ErrnoException;
import dev.berth.linux.Fd;
import dev.berth.linux.FileInfo;
import dev.berth.linux.FileNodes;
import dev.berth.linux.InRoot;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;

/**
 * Extracts a tar into a directory descriptor as docker's {@code Untar} does (a directory merges
 * into one that exists, anything else replaces what is there, missing parents are made 0755),
 * with every entry kept below that directory: names are cleaned ({@code ..} may not climb out),
 * parents are looked up with the directory as their root ({@link InRoot}: a symlink on the way,
 * made by the archive or already there, resolves inside it), and each file is made by one
 * {@code *at} call on its own name that follows no symlink ({@code O_CREAT|O_EXCL|O_NOFOLLOW},
 * {@code mkdirat}, {@code symlinkat}, ...). Owners, modes and times are set on what was made.
 */
final class FdUntar {
    /** Host owner of an entry: {@code {uid, gid}}, or null to leave the file to whoever made it. */
    interface Owner {
        long[] of(TarEntry e) throws EngineException;
    }

    private final InRoot in;
    private final boolean noOverwriteDirNonDir;
    private final Owner owner;
    private final UnaryOperator<String> rename;
    private final List<Object[]> dirTimes = new ArrayList<>();
    private String parentRel;
    private Fd parent;
    private long bytes;

    /** {@code dest} stays the caller's; {@code rename} maps each name first (docker's rebasing), null: keep. */
    FdUntar(Fd dest, boolean noOverwriteDirNonDir, Owner owner, UnaryOperator<String> rename) throws ErrnoException {
        this.in = InRoot.of(dest.openAt(".", Fd.O_PATH | Fd.O_DIRECTORY, 0));
        this.noOverwriteDirNonDir = noOverwriteDirNonDir;
        this.owner = owner;
        this.rename = rename == null ? UnaryOperator.identity() : rename;
    }

    /** Bytes of file content written. */
    long bytes() {
        return bytes;
    }

    void extract(InputStream tarStream) throws IOException, EngineException {
        try {
            TarReader r = new TarReader(tarStream);
            TarEntry e;
            while ((e = r.next()) != null) {
                entry(e, r);
            }
            // directories last: what was made inside them changed their times
            for (int i = dirTimes.size() - 1; i >= 0; i--) {
                Object[] d = dirTimes.get(i);
                try (Fd dir = in.open((String) d[0], false)) {
                    if (dir.stat().isDirectory()) {
                        try (Fd rd = dir.openAt(".", Fd.O_RDONLY | Fd.O_DIRECTORY, 0)) {
                            rd.utimes((Long) d[1], 0);
                        }
                    }
                } catch (ErrnoException gone) {
                    // removed meanwhile: nothing to date
                }
            }
        } finally {
            if (parent != null) {
                parent.close();
            }
            in.close();
        }
    }

    private void entry(TarEntry e, TarReader r) throws IOException, EngineException {
        String name = clean(rename.apply(e.name), e.name);
        if (name == null) {
            return; // renamed away
        }
        if (name.isEmpty()) {
            if (e.type == TarEntry.DIR) { // the destination itself ("./"): its metadata only
                try (Fd self = in.open("", false)) {
                    own(self, e);
                    self.chmod(e.mode & 07777, true);
                }
                dirTimes.add(new Object[] {"", e.mtimeSeconds});
            }
            return;
        }
        int slash = name.lastIndexOf('/');
        String base = name.substring(slash + 1);
        Fd dir = parent(slash < 0 ? "" : name.substring(0, slash));
        FileInfo there = dir.statAt(base);
        if (there != null) {
            if (there.isDirectory()) {
                if (e.type == TarEntry.DIR) {
                    meta(dir, base, e, name);
                    return;
                }
                if (noOverwriteDirNonDir) {
                    throw new EngineException.InvalidArgument("cannot overwrite directory \"/" + name
                        + "\" with non-directory \"" + e.name + "\"");
                }
                removeTree(dir, base);
            } else {
                if (e.type == TarEntry.DIR && noOverwriteDirNonDir) {
                    throw new EngineException.InvalidArgument("cannot overwrite non-directory \"/" + name
                        + "\" with directory \"" + e.name + "\"");
                }
                dir.unlinkAt(base, false);
            }
        }
        switch (e.type) {
            case TarEntry.DIR -> {
                dir.mkdirAt(base, 0700);
                meta(dir, base, e, name);
            }
            case TarEntry.FILE, '7' -> {
                try (Fd f = dir.openAt(base, Fd.O_WRONLY | Fd.O_CREAT | Fd.O_EXCL, 0600)) {
                    try (OutputStream out = f.writer()) {
                        bytes += r.content().transferTo(out);
                    }
                    long[] ids = owner.of(e);
                    if (ids != null) {
                        f.chown(ids[0], ids[1]);
                    }
                    f.chmod(e.mode & 07777, false);
                    xattrs(f, e); // after chown, which drops security.capability
                    f.utimes(e.mtimeSeconds, e.mtimeNanos);
                }
            }
            case TarEntry.SYMLINK -> {
                dir.symlinkAt(e.linkName, base);
                long[] ids = owner.of(e);
                if (ids != null) {
                    dir.chownAt(base, ids[0], ids[1]);
                }
                dir.utimesAt(base, e.mtimeSeconds, e.mtimeNanos);
            }
            case TarEntry.HARDLINK -> {
                String target = clean(rename.apply(e.linkName), e.linkName);
                if (target == null || target.isEmpty()) {
                    throw new EngineException.InvalidArgument("the archive's hard link " + e.name + " names no file");
                }
                try (InRoot.Parent p = in.parent(target)) {
                    if (p.name() == null) {
                        throw new EngineException.InvalidArgument("the archive's hard link " + e.name + " names a directory");
                    }
                    dir.linkAt(p.dir(), p.name(), base);
                }
            }
            case TarEntry.CHAR, TarEntry.BLOCK, TarEntry.FIFO -> {
                int type = e.type == TarEntry.CHAR ? FileNodes.S_IFCHR : e.type == TarEntry.BLOCK ? FileNodes.S_IFBLK
                    : FileNodes.S_IFIFO;
                dir.mknodAt(base, type | 0600, FileNodes.makedev(e.devMajor, e.devMinor));
                meta(dir, base, e, name);
            }
            default -> { } // other kinds (sparse, GNU volume headers) are skipped, as docker does
        }
    }

    /** Owner and mode of the entry just made (or merged into), through a descriptor of it; a directory's time later. */
    private void meta(Fd dir, String base, TarEntry e, String name) throws IOException, EngineException {
        try (Fd self = dir.openAt(base, Fd.O_PATH, 0)) {
            FileInfo st = self.stat();
            if (st.isSymlink()) {
                return; // swapped meanwhile: nothing of ours to set
            }
            own(self, e);
            self.chmod(e.mode & 07777, true);
            if (st.isDirectory() || st.isRegular()) {
                xattrs(self, e);
            }
            if (st.isDirectory()) {
                dirTimes.add(new Object[] {name, e.mtimeSeconds});
            } else {
                dir.utimesAt(base, e.mtimeSeconds, e.mtimeNanos);
            }
        }
    }

    /**
     * The entry's extended attributes, as docker's Untar sets them: all of them but overlayfs'
     * own. One the file system or the caller may not set (a capability without root, user.* on
     * a file system without them) is left out, as docker leaves it out.
     */
    private static void xattrs(Fd self, TarEntry e) throws ErrnoException {
        for (java.util.Map.Entry<String, byte[]> x : e.xattrs.entrySet()) {
            String name = x.getKey();
            if (name.startsWith("trusted.overlay.") || name.startsWith("user.overlay.")) {
                continue;
            }
            try {
                self.setXattr(name, x.getValue());
            } catch (ErrnoException ex) {
                int n = ex.errno();
                if (n != Errno.EPERM && n != Errno.EACCES && n != 95 && n != FileNodes.ERANGE && n != 7) { // EOPNOTSUPP, E2BIG
                    throw ex;
                }
            }
        }
    }

    private void own(Fd self, TarEntry e) throws IOException, EngineException {
        long[] ids = owner.of(e);
        if (ids != null) {
            self.chown(ids[0], ids[1]);
        }
    }

    /** The directory {@code rel} below the destination, made (0755, as docker) where missing. */
    private Fd parent(String rel) throws IOException, EngineException {
        if (rel.equals(parentRel) && parent != null) {
            return parent;
        }
        if (parent != null) {
            parent.close();
            parent = null;
        }
        Fd fd;
        try {
            fd = in.open(rel, true);
        } catch (ErrnoException e) {
            if (e.errno() != Errno.ENOENT) {
                throw e;
            }
            fd = in.open("", true);
            String prefix = "";
            for (String c : rel.split("/")) {
                prefix = prefix.isEmpty() ? c : prefix + "/" + c;
                Fd next;
                try {
                    next = in.open(prefix, true);
                } catch (ErrnoException missing) {
                    if (missing.errno() != Errno.ENOENT) {
                        fd.close();
                        throw missing;
                    }
                    try {
                        fd.mkdirAt(c, 0755);
                        try (Fd made = fd.openAt(c, Fd.O_PATH | Fd.O_DIRECTORY, 0)) {
                            made.chmod(0755, true);
                            long[] ids = owner.of(null);
                            if (ids != null) {
                                made.chown(ids[0], ids[1]);
                            }
                        }
                        next = in.open(prefix, true);
                    } catch (ErrnoException raced) {
                        fd.close();
                        throw raced;
                    }
                }
                fd.close();
                fd = next;
            }
        }
        if (!fd.stat().isDirectory()) {
            fd.close();
            throw new ErrnoException("extract", "/" + rel, Errno.ENOTDIR);
        }
        parentRel = rel;
        parent = fd;
        return fd;
    }

    /** Removes {@code name} of {@code dir} and, for a directory, all below it: by descriptor, never by path. */
    static void removeTree(Fd dir, String name) throws ErrnoException {
        FileInfo st = dir.statAt(name);
        if (st == null) {
            return;
        }
        if (st.isDirectory()) {
            try (Fd d = dir.openAt(name, Fd.O_PATH | Fd.O_DIRECTORY, 0)) {
                for (String c : d.list()) {
                    removeTree(d, c);
                }
            }
            dir.unlinkAt(name, true);
        } else {
            dir.unlinkAt(name, false);
        }
    }

    /**
     * The entry's name below the destination: no leading {@code /}, no {@code .} or empty parts,
     * {@code ..} taken back lexically; empty for the destination itself. A name that climbs above
     * the destination is refused, as docker refuses it ("is outside of").
     */
    static String clean(String name, String original) throws EngineException {
        if (name == null) {
            return null;
        }
        List<String> parts = new ArrayList<>();
        for (String p : name.split("/")) {
            if (p.isEmpty() || p.equals(".")) {
                continue;
            }
            if (p.equals("..")) {
                if (parts.isEmpty()) {
                    throw new EngineException.InvalidArgument("the archive's entry \"" + original
                        + "\" is outside of the destination directory");
                }
                parts.remove(parts.size() - 1);
                continue;
            }
            parts.add(p);
        }
        return String.join("/", parts);
    }
}
