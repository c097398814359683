package dev.berth.image;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeMap;

/**
 * Directories read as overlayfs would merge them, without mounting anything: a container's
 * upper directory over its image's layers (or the layers alone, or one plain directory). A
 * whiteout (a 0/0 character device) hides the name below it, an opaque directory hides every
 * layer under it, and a name that is not a directory in a layer ends the merge of that name.
 * {@link LayerView} answers single paths on the run path; this walks whole trees (export, diff,
 * commit).
 */
public final class LayerStack {
    /**
     * One directory of the stack. {@code opaqueXattr} names the attribute to read for opaque
     * directories (an upper directory: {@code trusted.overlay.opaque} or, written inside a user
     * namespace, {@code user.overlay.opaque}); null reads the list {@link Snapshots} wrote beside
     * an unpacked layer. {@code plain}: a directory that is not overlayfs' (a copy): a 0/0 device
     * there is a device.
     */
    public record Layer(Path root, String opaqueXattr, boolean plain) {
        public static Layer snapshot(Path fs) {
            return new Layer(fs, null, false);
        }

        public static Layer upper(Path upper, boolean userXattr) {
            return new Layer(upper, userXattr ? "user.overlay.opaque" : "trusted.overlay.opaque", false);
        }

        public static Layer plain(Path dir) {
            return new Layer(dir, null, true);
        }
    }

    /** A directory of one layer that shows through at a path of the merged tree. */
    public record Dir(Layer layer, Path path) {}

    /** What the merged tree shows at {@code rel}: the file of the topmost layer that has it. */
    public record Node(String rel, Path path, FileStat stat, List<Dir> dirs) {
        public String name() {
            int slash = rel.lastIndexOf('/');
            return slash < 0 ? rel : rel.substring(slash + 1);
        }
    }

    private final List<Layer> topFirst;
    private final java.util.Map<Layer, Set<String>> opaqueLists = new java.util.HashMap<>();

    public LayerStack(List<Layer> topFirst) {
        this.topFirst = List.copyOf(topFirst);
    }

    /** The root of the merged tree: every layer's root. */
    public Node root() throws IOException {
        List<Dir> dirs = new ArrayList<>();
        for (Layer l : topFirst) {
            dirs.add(new Dir(l, l.root()));
        }
        FileStat st = topFirst.isEmpty() ? null : FileStat.of(topFirst.get(0).root());
        return new Node("", topFirst.isEmpty() ? null : topFirst.get(0).root(), st, dirs);
    }

    /** The node at {@code rel} (no leading slash; symlinks not followed), or null. */
    public Node find(String rel) throws IOException {
        Node n = root();
        if (rel.isEmpty()) {
            return n;
        }
        for (String part : rel.split("/")) {
            if (part.isEmpty()) {
                continue;
            }
            if (n == null || !n.stat().isDirectory()) {
                return null;
            }
            n = child(n, part);
        }
        return n;
    }

    /** What the merged directory {@code dir} shows at {@code name}, or null (absent or whited out). */
    public Node child(Node dir, String name) throws IOException {
        List<Dir> dirs = dir.dirs();
        String rel = dir.rel().isEmpty() ? name : dir.rel() + "/" + name;
        for (int i = 0; i < dirs.size(); i++) {
            Dir d = dirs.get(i);
            Path p = d.path().resolve(name);
            FileStat st = FileStat.of(p);
            if (st == null) {
                continue;
            }
            if (st.isWhiteout() && !d.layer().plain()) {
                return null;
            }
            if (!st.isDirectory()) {
                return new Node(rel, p, st, List.of());
            }
            List<Dir> below = new ArrayList<>();
            below.add(new Dir(d.layer(), p));
            if (!opaque(d.layer(), p, rel)) {
                for (int j = i + 1; j < dirs.size(); j++) {
                    Dir lower = dirs.get(j);
                    Path q = lower.path().resolve(name);
                    FileStat s2 = FileStat.of(q);
                    if (s2 == null) {
                        continue;
                    }
                    if (!s2.isDirectory()) {
                        break; // a file or a whiteout: nothing further down shows through
                    }
                    below.add(new Dir(lower.layer(), q));
                    if (opaque(lower.layer(), q, rel)) {
                        break;
                    }
                }
            }
            return new Node(rel, p, st, List.copyOf(below));
        }
        return null;
    }

    /** The names the merged directory shows, sorted by their bytes (as tar and docker order them). */
    public List<Node> children(Node dir) throws IOException {
        TreeMap<String, Boolean> names = new TreeMap<>(LayerStack::compareNames);
        for (Dir d : dir.dirs()) {
            try (DirectoryStream<Path> ds = Files.newDirectoryStream(d.path())) {
                for (Path p : ds) {
                    names.put(p.getFileName().toString(), Boolean.TRUE);
                }
            } catch (NoSuchFileException e) {
                // removed while we read: nothing from it
            }
        }
        List<Node> out = new ArrayList<>();
        for (String name : names.keySet()) {
            Node n = child(dir, name);
            if (n != null) {
                out.add(n);
            }
        }
        return out;
    }

    /** Whether the directory {@code p} (at {@code rel}) of {@code layer} hides the layers below it. */
    public boolean opaque(Layer layer, Path p, String rel) throws IOException {
        if (layer.plain()) {
            return false;
        }
        if (layer.opaqueXattr() != null) {
            try {
                byte[] v = dev.berth.linux.FileNodes.getXattr(p, layer.opaqueXattr());
                return v != null && v.length == 1 && v[0] == 'y';
            } catch (dev.berth.linux.ErrnoException e) {
                return false; // a file system without xattrs has no opaque directories
            }
        }
        Set<String> list = opaqueLists.get(layer);
        if (list == null) {
            list = new HashSet<>();
            try {
                for (String line : Files.readAllLines(layer.root().resolveSibling(Snapshots.OPAQUE_LIST))) {
                    if (!line.isEmpty()) {
                        list.add(line);
                    }
                }
            } catch (NoSuchFileException e) {
                // a layer without opaque directories
            }
            opaqueLists.put(layer, list);
        }
        return list.contains(rel);
    }

    /** Byte order of the UTF-8 names, as Go's sort and tar writers use. */
    static int compareNames(String a, String b) {
        byte[] x = a.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        byte[] y = b.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        return java.util.Arrays.compareUnsigned(x, y);
    }
}
