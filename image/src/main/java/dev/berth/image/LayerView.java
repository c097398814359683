package dev.berth.image;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributes;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;

/**
 * The merged tree of overlayfs lower directories, read without mounting them: the engine
 * needs a few files of an image ({@code /etc/passwd}) and its symlinks (to place mount
 * points inside the root, never through a link out of it) before the container's overlay
 * exists, and that overlay is only ever mounted inside the container's mount namespace.
 * Whiteouts (0/0 character devices) and opaque directories hide what lies below them.
 */
public final class LayerView {
    private static final int MAX_LINKS = 40;
    private final List<Path> topFirst;
    private final java.util.Map<Path, java.util.Set<String>> opaque = new java.util.HashMap<>();

    /** {@code lowestFirst} as {@link Snapshots.Use#dirs()} gives them. */
    public LayerView(List<Path> lowestFirst) {
        List<Path> l = new ArrayList<>(lowestFirst);
        java.util.Collections.reverse(l);
        this.topFirst = l;
    }

    /** The host path of what the merged tree shows at {@code rel} (no leading /), or null. */
    public Path find(String rel) throws IOException {
        String[] parts = rel.isEmpty() ? new String[0] : rel.split("/");
        for (Path layer : topFirst) {
            Path p = layer;
            boolean hidden = false;
            for (int i = 0; i < parts.length; i++) {
                p = p.resolve(parts[i]);
                PosixFileAttributes a = attrs(p);
                if (a == null) {
                    break; // not in this layer: look below
                }
                if (isWhiteout(p, a)) {
                    return null;
                }
                if (i == parts.length - 1) {
                    return p;
                }
                if (!a.isDirectory()) {
                    return null; // a file or link where a directory would be: nothing below it
                }
                hidden |= isOpaque(layer, parts, i);
            }
            if (parts.length == 0) {
                return layer;
            }
            if (hidden) {
                return null; // an opaque directory on the way hides the layers below
            }
        }
        return null;
    }

    /** The file at {@code path} in the merged tree (symlinks followed inside it), or null. */
    public Path file(String path) throws IOException {
        String rel = resolve(path);
        Path p = find(rel);
        return p != null && Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS) ? p : null;
    }

    /**
     * {@code path} as the container will see it, symlinks followed relative to the root and
     * {@code ..} stopping there: a relative path without a leading slash whose existing
     * components are not symlinks (what {@code RootfsPath} does for a directory).
     */
    public String resolve(String path) throws IOException {
        Deque<String> todo = new ArrayDeque<>();
        push(todo, path);
        Deque<String> done = new ArrayDeque<>();
        int links = 0;
        while (!todo.isEmpty()) {
            String part = todo.pop();
            if (part.isEmpty() || part.equals(".")) {
                continue;
            }
            if (part.equals("..")) {
                done.pollLast();
                continue;
            }
            done.addLast(part);
            Path found = find(String.join("/", done));
            if (found == null || !Files.isSymbolicLink(found)) {
                continue;
            }
            done.pollLast();
            if (++links > MAX_LINKS) {
                throw new IOException("too many levels of symbolic links in " + path);
            }
            String target = Files.readSymbolicLink(found).toString();
            if (target.startsWith("/")) {
                done.clear();
            }
            push(todo, target);
        }
        return String.join("/", done);
    }

    private static void push(Deque<String> todo, String p) {
        String[] parts = p.split("/");
        for (int i = parts.length - 1; i >= 0; i--) {
            todo.push(parts[i]);
        }
    }

    private static PosixFileAttributes attrs(Path p) throws IOException {
        try {
            return Files.readAttributes(p, PosixFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        } catch (NoSuchFileException e) {
            return null;
        }
    }

    private static boolean isWhiteout(Path p, PosixFileAttributes a) throws IOException {
        if (!a.isOther()) {
            return false;
        }
        // the JDK's own unix view: no FFM on the run path
        int mode = (Integer) Files.getAttribute(p, "unix:mode", LinkOption.NOFOLLOW_LINKS);
        long rdev = (Long) Files.getAttribute(p, "unix:rdev", LinkOption.NOFOLLOW_LINKS);
        return (mode & 0170000) == 0020000 && rdev == 0;
    }

    /**
     * Whether {@code parts[0..i]} is an opaque directory of {@code layer}: read from the list
     * {@link Snapshots} wrote when it unpacked the layer (reading the xattr itself would take
     * FFM, ~45 ms on a cold CLI).
     */
    private boolean isOpaque(Path layer, String[] parts, int i) throws IOException {
        java.util.Set<String> dirs = opaque.get(layer);
        if (dirs == null) {
            dirs = new java.util.HashSet<>();
            try {
                for (String line : Files.readAllLines(layer.resolveSibling(Snapshots.OPAQUE_LIST))) {
                    if (!line.isEmpty()) {
                        dirs.add(line);
                    }
                }
            } catch (NoSuchFileException e) {
                // none
            }
            opaque.put(layer, dirs);
        }
        if (dirs.isEmpty()) {
            return false;
        }
        return dirs.contains(String.join("/", java.util.Arrays.asList(parts).subList(0, i + 1)));
    }
}
