package dev.berth.image;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;

/**
 * The changes of an overlayfs container, read from its upper directory over its image's
 * layers. A 0/0 character device deleted what the layers had; a directory with the opaque
 * attribute replaced theirs (the names it no longer shows are deleted); anything else is added,
 * or changed when the layers had the name. A directory that only holds changes is not itself
 * changed, unless its mode or owner differ, a child was added or deleted, or its mtime moved
 * for another reason than berth's mount points (docker's rule).
 *
 * <p>The layer is the upper directory as a tar, as docker's overlay2 driver makes it: whiteouts
 * become {@code .wh.NAME}, opaque directories get {@code .wh..wh..opq}, owners are mapped back
 * into the container's user namespace. overlayfs' {@code redirect_dir} and {@code metacopy}
 * (off by default) leave an upper directory that does not hold the changes by itself: refused.
 */
final class UpperDiff implements ContainerDiff {
    private final Path upper;
    private final LayerStack.Layer upperLayer;
    private final LayerStack lowers;
    private final OwnerMap owners;

    UpperDiff(Path upper, boolean userXattr, List<Path> lowestFirst, OwnerMap owners) {
        this.upper = upper;
        this.upperLayer = LayerStack.Layer.upper(upper, userXattr);
        List<LayerStack.Layer> l = new ArrayList<>();
        for (int i = lowestFirst.size() - 1; i >= 0; i--) {
            l.add(LayerStack.Layer.snapshot(lowestFirst.get(i)));
        }
        this.lowers = new LayerStack(l);
        this.owners = owners;
    }

    @Override
    public List<Change> changes() throws IOException {
        List<Change> out = new ArrayList<>();
        diff(upper, "", lowers.root(), false, out);
        return out;
    }

    /** Appends the changes under upper directory {@code dir}; returns whether berth's mount points were among them. */
    private boolean diff(Path dir, String rel, LayerStack.Node lower, boolean opaque, List<Change> out) throws IOException {
        TreeMap<String, Path> names = list(dir);
        boolean hidden = false;
        TreeMap<String, Change.Kind> deleted = new TreeMap<>(LayerStack::compareNames);
        if (opaque && lower != null) {
            for (LayerStack.Node n : lowers.children(lower)) {
                Path mine = names.get(n.name());
                if (mine == null || FileStat.of(mine).isWhiteout()) {
                    deleted.put(n.name(), Change.Kind.DELETED);
                }
            }
        }
        TreeMap<String, Path> all = new TreeMap<>(LayerStack::compareNames);
        all.putAll(names);
        for (String d : deleted.keySet()) {
            all.putIfAbsent(d, null);
        }
        for (var e : all.entrySet()) {
            String name = e.getKey();
            String crel = join(rel, name);
            if (deleted.containsKey(name)) {
                out.add(new Change(Change.Kind.DELETED, "/" + crel));
                continue;
            }
            Path p = e.getValue();
            FileStat st = FileStat.of(p);
            if (st == null) {
                continue; // removed while we read
            }
            LayerStack.Node below = lower == null ? null : lowers.child(lower, name);
            if (MountPoints.parent(rel) && MountPoints.hidden(crel, p, st, below != null)) {
                hidden = true;
                continue;
            }
            checkPlain(p, st);
            if (st.isWhiteout()) {
                if (below != null && !opaque) {
                    out.add(new Change(Change.Kind.DELETED, "/" + crel));
                }
                continue;
            }
            if (!st.isDirectory()) {
                out.add(new Change(below == null ? Change.Kind.ADDED : Change.Kind.CHANGED, "/" + crel));
                continue;
            }
            boolean childOpaque = lowers.opaque(upperLayer, p, crel);
            LayerStack.Node belowDir = below != null && below.stat().isDirectory() ? below : null;
            List<Change> sub = new ArrayList<>();
            boolean subHidden = diff(p, crel, belowDir, childOpaque, sub);
            Change.Kind kind = null;
            if (below == null) {
                kind = Change.Kind.ADDED;
            } else if (belowDir == null || childOpaque || changed(st, below.stat(), subHidden) || addsOrDeletes(sub, crel)) {
                kind = Change.Kind.CHANGED;
            }
            if (kind != null) {
                out.add(new Change(kind, "/" + crel));
            }
            out.addAll(sub);
        }
        return hidden;
    }

    /** A directory's own change: mode or owner, or an mtime that berth's mount points do not explain. */
    static boolean changed(FileStat now, FileStat before, boolean mountPointsInside) {
        if (now.mode() != before.mode() || now.uid() != before.uid() || now.gid() != before.gid()) {
            return true;
        }
        return now.mtimeNanos() != before.mtimeNanos() && !mountPointsInside;
    }

    /** Whether a direct child of {@code rel} was added or deleted (docker then marks the directory changed). */
    static boolean addsOrDeletes(List<Change> sub, String rel) {
        String prefix = "/" + rel + "/";
        for (Change c : sub) {
            if (c.kind() != Change.Kind.CHANGED && c.path().startsWith(prefix) && c.path().indexOf('/', prefix.length()) < 0) {
                return true;
            }
        }
        return false;
    }

    @Override
    public boolean writeLayer(OutputStream out) throws IOException {
        TarWriter tar = new TarWriter(out);
        TreeTar t = new TreeTar(tar, owners);
        write(t, upper, "", lowers.root());
        tar.finish();
        return t.any();
    }

    private void write(TreeTar t, Path dir, String rel, LayerStack.Node lower) throws IOException {
        for (var e : list(dir).entrySet()) {
            String crel = join(rel, e.getKey());
            Path p = e.getValue();
            FileStat st = FileStat.of(p);
            if (st == null) {
                continue;
            }
            LayerStack.Node below = lower == null ? null : lowers.child(lower, e.getKey());
            if (MountPoints.parent(rel) && MountPoints.hidden(crel, p, st, below != null)) {
                continue;
            }
            checkPlain(p, st);
            if (st.isWhiteout()) {
                t.whiteout(crel);
                continue;
            }
            if (!st.isDirectory()) {
                t.add(crel, p, st);
                continue;
            }
            LayerStack.Node belowDir = below != null && below.stat().isDirectory() ? below : null;
            if (MountPoints.parent(crel) && belowDir != null && onlyMountPoints(p, crel, belowDir)
                && !changed(st, belowDir.stat(), true)) {
                continue; // there only for berth's mount points: the image's directory as it was
            }
            t.add(crel, p, st);
            if (lowers.opaque(upperLayer, p, crel)) {
                t.opaque(crel);
            }
            write(t, p, crel, belowDir);
        }
    }

    private boolean onlyMountPoints(Path dir, String rel, LayerStack.Node lower) throws IOException {
        for (var e : list(dir).entrySet()) {
            String crel = join(rel, e.getKey());
            FileStat st = FileStat.of(e.getValue());
            if (st != null && !MountPoints.hidden(crel, e.getValue(), st, lowers.child(lower, e.getKey()) != null)) {
                return false;
            }
        }
        return true;
    }

    /** overlayfs features that keep changes outside the upper directory's own files. */
    private static void checkPlain(Path p, FileStat st) throws IOException {
        if (!st.isDirectory() && !st.isRegular()) {
            return;
        }
        List<String> names;
        try {
            names = dev.berth.linux.FileNodes.listXattrs(p);
        } catch (dev.berth.linux.ErrnoException e) {
            return;
        }
        for (String n : names) {
            if (n.endsWith("overlay.redirect") || n.endsWith("overlay.metacopy")) {
                throw new ImageException.Refused(p + " carries " + n + ": the overlay was mounted with redirect_dir or"
                    + " metacopy, whose upper directory berth cannot read as a layer; turn them off in the overlay"
                    + " module (redirect_dir=off metacopy=off) for the containers to commit");
            }
        }
    }

    static TreeMap<String, Path> list(Path dir) throws IOException {
        TreeMap<String, Path> out = new TreeMap<>(LayerStack::compareNames);
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir)) {
            for (Path p : ds) {
                out.put(p.getFileName().toString(), p);
            }
        }
        return out;
    }

    static String join(String rel, String name) {
        return rel.isEmpty() ? name : rel + "/" + name;
    }
}
