package dev.berth.image;

import dev.berth.linux.ErrnoException;
import dev.berth.linux.FileNodes;
import java.io.BufferedInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributeView;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Unpacks one layer (a tar, plain, gzip or zstd) into a directory: as a flat rootfs (whiteouts
 * applied to what lower layers left there) or as an overlayfs lower directory (whiteouts kept in
 * overlay's form). Every path is resolved inside the target ({@link SafePath}); names that are
 * absolute or climb with {@code ..}, hard links out of the layer and symlinks that would be
 * written through to outside are refused, as are layers over the size, entry or ratio limits.
 * On a refusal the target may hold part of the layer, so callers unpack into a fresh directory
 * and rename it into place only on success.
 */
public final class LayerUnpacker {
    private static final String WH = ".wh.";
    private static final String OPAQUE = ".wh..wh..opq";
    private static final int S_ISUID = 04000;
    private static final int S_ISGID = 02000;

    private final Path root;
    private final UnpackOptions opts;
    private final Set<String> written = new HashSet<>();
    private final List<Path> dirs = new ArrayList<>();
    private final List<FileTime> dirTimes = new ArrayList<>();
    /**
     * Parent directories resolved so far (entry path -> host path). Nothing but this unpacker
     * writes to the root, and it only ever adds below a resolved directory, so a resolution stays
     * true until the unpacker itself deletes something (a replaced entry, a whiteout, an opaque
     * directory): then it is forgotten whole. Without it every entry cost an lstat per component
     * of its path (six or more for a file deep in /usr).
     */
    private final Map<String, Path> resolved = new java.util.HashMap<>();

    /**
     * What an unpack did: the layer's diff id (sha256 of the uncompressed tar), counts, and the
     * layer's unpacked size as {@link LayerSizes} measures it.
     */
    public record Result(Digest diffId, long entries, long bytes, long unpackedSize) {}

    private LayerUnpacker(Path root, UnpackOptions opts) {
        this.root = root;
        this.opts = opts;
    }

    /** Unpacks {@code layer} into the existing directory {@code root}. */
    public static Result unpack(InputStream layer, Path root, UnpackOptions opts) throws IOException {
        if (!Files.isDirectory(root, LinkOption.NOFOLLOW_LINKS)) {
            throw new java.nio.file.NotDirectoryException(root + " (unpack target must be an existing directory, not a symlink)");
        }
        return new LayerUnpacker(root, opts).run(layer);
    }

    private Result run(InputStream layer) throws IOException {
        CountingInputStream compressed = new CountingInputStream(layer, opts.maxCompressed, "layer", false);
        InputStream decompressed;
        try {
            decompressed = Compression.open(new BufferedInputStream(compressed, 64 * 1024));
        } catch (EOFException e) {
            throw new ImageException.BadFormat("layer is truncated (" + e.getMessage() + ")", e);
        }
        CountingInputStream plain = new CountingInputStream(decompressed, opts.maxUncompressed, "uncompressed layer", true);
        plain.ratioOf(compressed, opts.maxRatio, opts.ratioFreeBytes);
        long entries = 0;
        long unpacked = 0;
        try {
            TarReader tar = new TarReader(plain);
            TarEntry e;
            while ((e = tar.next()) != null) {
                if (++entries > opts.maxEntries) {
                    throw new ImageException.Refused("layer has more than " + opts.maxEntries + " entries");
                }
                unpacked += LayerSizes.sizeOf(e);
                entry(tar, e);
            }
            // the diff id covers the whole tar, including the padding after its end marker
            plain.transferTo(OutputStream.nullOutputStream());
        } catch (ImageException ex) {
            throw ex;
        } catch (EOFException ex) {
            throw new ImageException.BadFormat("layer is truncated (" + ex.getMessage() + ")", ex);
        } catch (IOException ex) {
            if (ex instanceof ErrnoException || ex instanceof java.nio.file.FileSystemException) {
                throw ex;
            }
            throw new ImageException.BadFormat("layer is not a valid tar or is truncated: " + ex.getMessage(), ex);
        }
        for (int i = dirs.size() - 1; i >= 0; i--) {
            try {
                Files.getFileAttributeView(dirs.get(i), BasicFileAttributeView.class, LinkOption.NOFOLLOW_LINKS)
                    .setTimes(dirTimes.get(i), null, null);
            } catch (java.nio.file.NoSuchFileException gone) {
                // removed by a later whiteout
            }
        }
        return new Result(plain.digest(), entries, plain.count(), unpacked);
    }

    private void entry(TarReader tar, TarEntry e) throws IOException {
        String name = e.name;
        List<String> parts = SafePath.clean(name, "entry");
        if (parts.isEmpty()) {
            return; // the root itself: its metadata belongs to whoever made the target
        }
        String base = parts.get(parts.size() - 1);
        List<String> parentParts = parts.subList(0, parts.size() - 1);
        Path parent = directory(parentParts, name);
        if (base.startsWith(WH)) {
            whiteout(parent, parentParts, base, name);
            return;
        }
        Path target = parent.resolve(base);
        String key = String.join("/", parts);
        written.add(key);
        BasicFileAttributes existing = attrs(target);
        if (existing != null && !(existing.isDirectory() && e.isDirectory())) {
            remove(target);
        }
        if (e.isDirectory()) {
            if (existing == null || !existing.isDirectory()) {
                Files.createDirectory(target);
            }
        } else if (e.type == TarEntry.SYMLINK) {
            String link = e.linkName;
            if (link == null || link.isEmpty()) {
                throw new ImageException.BadFormat("symlink \"" + name + "\" has no target");
            }
            Files.createSymbolicLink(target, Path.of(link));
        } else if (e.type == TarEntry.HARDLINK) {
            List<String> lp = SafePath.clean(e.linkName, "hard link target of \"" + name + "\"");
            if (lp.isEmpty()) {
                throw new ImageException.Refused("hard link \"" + name + "\" points at the root directory");
            }
            Path dir = SafePath.directory(root, lp.subList(0, lp.size() - 1), name);
            Path source = dir.resolve(lp.get(lp.size() - 1));
            BasicFileAttributes sa = attrs(source);
            if (sa == null) {
                throw new ImageException.BadFormat("hard link \"" + name + "\" points at \"" + e.linkName
                    + "\", which the layer does not have (yet)");
            }
            if (sa.isDirectory()) {
                throw new ImageException.Refused("hard link \"" + name + "\" points at a directory");
            }
            Files.createLink(target, source);
            return; // one inode: its metadata came with the first name
        } else if (e.type == TarEntry.FILE) {
            try (OutputStream out = Files.newOutputStream(target, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE,
                LinkOption.NOFOLLOW_LINKS)) {
                long copied = tar.content().transferTo(out);
                if (copied != e.size) {
                    throw new ImageException.BadFormat("layer is truncated inside \"" + name + "\"");
                }
            }
        } else if (e.type == TarEntry.FIFO) {
            FileNodes.mknod(target, FileNodes.S_IFIFO | 0600, 0);
        } else if (e.type == TarEntry.CHAR || e.type == TarEntry.BLOCK) {
            if (opts.devices == UnpackOptions.Devices.REFUSE) {
                throw new ImageException.Refused("layer has a device node \"" + name + "\" and devices are refused here");
            }
            if (opts.devices == UnpackOptions.Devices.SKIP) {
                opts.warnings.accept("skipped device node " + name + " (not created without root)");
                written.remove(key);
                return;
            }
            int type = e.type == TarEntry.CHAR ? FileNodes.S_IFCHR : FileNodes.S_IFBLK;
            FileNodes.mknod(target, type | 0600, FileNodes.makedev(e.devMajor, e.devMinor));
        } else {
            opts.warnings.accept("skipped " + name + ": unsupported tar entry type '" + e.type + "'");
            written.remove(key);
            return;
        }
        metadata(target, e);
    }

    private void whiteout(Path parent, List<String> parentParts, String base, String name) throws IOException {
        String prefix = parentParts.isEmpty() ? "" : String.join("/", parentParts) + "/";
        if (base.equals(OPAQUE)) {
            if (opts.whiteouts == UnpackOptions.Whiteouts.OVERLAY) {
                setXattr(parent, opts.opaqueXattr, "y".getBytes(StandardCharsets.US_ASCII), true);
                return;
            }
            // flat: what lower layers put in this directory goes; what this layer put stays
            try (DirectoryStream<Path> ds = Files.newDirectoryStream(parent)) {
                for (Path child : ds) {
                    if (!written.contains(prefix + child.getFileName())) {
                        remove(child);
                    }
                }
            }
            return;
        }
        if (base.startsWith(WH + WH)) {
            return; // aufs metadata (.wh..wh.plnk and friends): nothing in the rootfs
        }
        String victim = base.substring(WH.length());
        if (victim.isEmpty() || victim.equals(".") || victim.equals("..")) {
            throw new ImageException.Refused("whiteout \"" + name + "\" names no file");
        }
        Path target = parent.resolve(victim);
        if (opts.whiteouts == UnpackOptions.Whiteouts.OVERLAY) {
            if (attrs(target) != null) {
                remove(target);
            }
            FileNodes.mknod(target, FileNodes.S_IFCHR, FileNodes.makedev(0, 0));
            written.add(prefix + victim);
            return;
        }
        if (attrs(target) != null) {
            remove(target);
        }
    }

    private Path directory(List<String> parts, String entry) throws IOException {
        String key = String.join("/", parts);
        Path p = resolved.get(key);
        if (p == null) {
            p = SafePath.directory(root, parts, entry, this::implicitDirectory);
            resolved.put(key, p);
        }
        return p;
    }

    /** Deletes what an entry replaces or a whiteout names; every resolution may have gone through it. */
    private void remove(Path p) throws IOException {
        resolved.clear();
        deleteTree(p);
    }

    /**
     * A parent directory the layer has no entry for (a layer that only deletes or adds below an
     * unchanged directory need not carry it): owned by the root of the ids the layer is unpacked
     * for, as containerd and docker make them. Owned by the host's root in a shifted snapshot, it
     * would show as nobody in the container over the lower layers' directory, and its root could
     * not delete in it.
     */
    private void implicitDirectory(Path dir) throws IOException {
        if (opts.chown && (opts.uidShift != 0 || opts.gidShift != 0)) {
            Files.setAttribute(dir, "unix:uid", opts.uidShift, LinkOption.NOFOLLOW_LINKS);
            Files.setAttribute(dir, "unix:gid", opts.gidShift, LinkOption.NOFOLLOW_LINKS);
        }
    }

    private void metadata(Path p, TarEntry e) throws IOException {
        boolean link = e.type == TarEntry.SYMLINK;
        if (opts.chown) {
            long uid = e.uid + opts.uidShift;
            long gid = e.gid + opts.gidShift;
            if (uid < 0 || gid < 0 || uid > 0xfffffffeL || gid > 0xfffffffeL) {
                throw new ImageException.Refused("entry \"" + e.name + "\" has an owner out of range (" + uid + ":" + gid + ")");
            }
            // lchown: the link itself
            Files.setAttribute(p, "unix:uid", (int) uid, LinkOption.NOFOLLOW_LINKS);
            Files.setAttribute(p, "unix:gid", (int) gid, LinkOption.NOFOLLOW_LINKS);
        }
        if (!link) {
            int mode = e.mode & 07777;
            if (opts.stripSetuid) {
                mode &= ~(S_ISUID | S_ISGID);
            }
            // after chown, which clears setuid bits
            Files.setAttribute(p, "unix:mode", mode, LinkOption.NOFOLLOW_LINKS);
        }
        // after chown too: chown drops security.capability
        for (Map.Entry<String, byte[]> x : e.xattrs.entrySet()) {
            setXattr(p, x.getKey(), x.getValue(), false);
        }
        FileTime mtime = FileTime.from(java.time.Instant.ofEpochSecond(e.mtimeSeconds, e.mtimeNanos));
        if (e.isDirectory()) {
            dirs.add(p);
            dirTimes.add(mtime);
        } else {
            try {
                Files.getFileAttributeView(p, BasicFileAttributeView.class, LinkOption.NOFOLLOW_LINKS)
                    .setTimes(mtime, null, null);
            } catch (IOException ex) {
                if (!link) {
                    throw ex;
                }
            }
        }
    }

    private void setXattr(Path p, String name, byte[] value, boolean required) throws IOException {
        try {
            FileNodes.setXattr(p, name, value);
        } catch (ErrnoException ex) {
            if (required) {
                throw new ImageException.Refused("cannot set " + name + " on " + root.relativize(p) + " (" + ex.getMessage()
                    + "); overlay whiteouts need root, or user.overlay.opaque with a userxattr mount");
            }
            opts.warnings.accept("xattr " + name + " not set on " + root.relativize(p) + ": " + ex.getMessage());
        }
    }

    private static BasicFileAttributes attrs(Path p) throws IOException {
        try {
            return Files.readAttributes(p, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        } catch (java.nio.file.NoSuchFileException e) {
            return null;
        }
    }

    /** Deletes a file or a whole tree without following any symlink in it. */
    static void deleteTree(Path p) throws IOException {
        Files.walkFileTree(p, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                Files.delete(file);
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult postVisitDirectory(Path dir, IOException exc) throws IOException {
                if (exc != null) {
                    throw exc;
                }
                Files.delete(dir);
                return FileVisitResult.CONTINUE;
            }
        });
    }
}
