package dev.berth.image;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;

/**
 * The changes of a container on the copy fallback: its whole tree compared with the image's
 * flattened one, name by name, as docker's naive diff does for drivers without layers of their
 * own. A file is unchanged when type, mode, owner, size, mtime (to the nanosecond: the copy
 * keeps them), device number and link target are equal; contents are not read. The cost is two
 * {@code lstat}s per file of the image, whatever the container changed (busybox: ~400 files,
 * a few milliseconds; a 50,000-file image: about a second).
 */
final class CopyDiff implements ContainerDiff {
    private final Path tree;
    private final Path image;
    private final OwnerMap owners;

    /** One change, with what the layer needs of it. */
    private record Item(Change.Kind kind, String rel, Path path, FileStat stat, boolean replaced) {}

    CopyDiff(Path tree, Path image, OwnerMap owners) {
        this.tree = tree;
        this.image = image;
        this.owners = owners;
    }

    @Override
    public List<Change> changes() throws IOException {
        List<Change> out = new ArrayList<>();
        for (Item i : items()) {
            out.add(new Change(i.kind(), "/" + i.rel()));
        }
        return out;
    }

    @Override
    public boolean writeLayer(OutputStream out) throws IOException {
        TarWriter tar = new TarWriter(out);
        TreeTar t = new TreeTar(tar, owners);
        for (Item i : items()) {
            if (i.kind() == Change.Kind.DELETED || i.replaced()) {
                t.whiteout(i.rel()); // a replaced name: the old one goes first (a type changed)
            }
            if (i.kind() != Change.Kind.DELETED) {
                t.add(i.rel(), i.path(), i.stat());
            }
        }
        tar.finish();
        return t.any();
    }

    private List<Item> items() throws IOException {
        List<Item> out = new ArrayList<>();
        diff(tree, image, "", out);
        return out;
    }

    /** Appends the changes under {@code dir} (its image counterpart {@code base}, or null); true when berth's mount points were there. */
    private boolean diff(Path dir, Path base, String rel, List<Item> out) throws IOException {
        TreeMap<String, Path> names = UpperDiff.list(dir);
        TreeMap<String, Path> before = base == null ? new TreeMap<>() : UpperDiff.list(base);
        TreeMap<String, Boolean> all = new TreeMap<>(LayerStack::compareNames);
        for (String n : names.keySet()) {
            all.put(n, Boolean.TRUE);
        }
        for (String n : before.keySet()) {
            all.put(n, Boolean.TRUE);
        }
        boolean hidden = false;
        for (String name : all.keySet()) {
            String crel = UpperDiff.join(rel, name);
            Path p = names.get(name);
            Path b = before.get(name);
            FileStat st = p == null ? null : FileStat.of(p);
            FileStat bs = b == null ? null : FileStat.of(b);
            if (st == null) {
                if (bs != null) {
                    out.add(new Item(Change.Kind.DELETED, crel, null, null, false));
                }
                continue;
            }
            if (MountPoints.parent(rel) && MountPoints.hidden(crel, p, st, bs != null)) {
                hidden = true;
                continue;
            }
            if (bs == null || bs.type() != st.type()) {
                out.add(new Item(bs == null ? Change.Kind.ADDED : Change.Kind.CHANGED, crel, p, st, bs != null));
                if (st.isDirectory()) {
                    diff(p, null, crel, out);
                }
                continue;
            }
            if (!st.isDirectory()) {
                if (!same(p, st, b, bs)) {
                    out.add(new Item(Change.Kind.CHANGED, crel, p, st, false));
                }
                continue;
            }
            List<Item> sub = new ArrayList<>();
            boolean subHidden = diff(p, b, crel, sub);
            boolean direct = false;
            for (Item i : sub) {
                direct |= i.kind() != Change.Kind.CHANGED && i.rel().lastIndexOf('/') == crel.length();
            }
            if (UpperDiff.changed(st, bs, subHidden) || direct) {
                out.add(new Item(Change.Kind.CHANGED, crel, p, st, false));
            }
            out.addAll(sub);
        }
        return hidden;
    }

    private static boolean same(Path p, FileStat a, Path q, FileStat b) throws IOException {
        if (a.mode() != b.mode() || a.uid() != b.uid() || a.gid() != b.gid() || a.size() != b.size()
            || a.mtimeNanos() != b.mtimeNanos() || a.rdev() != b.rdev()) {
            return false;
        }
        return !a.isSymlink() || Files.readSymbolicLink(p).equals(Files.readSymbolicLink(q));
    }
}
