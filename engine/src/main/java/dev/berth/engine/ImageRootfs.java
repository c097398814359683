package dev.berth.engine;

import dev.berth.image.Image;
import dev.berth.image.ImageCatalog;
import dev.berth.image.ImageException;
import dev.berth.image.ImageRef;
import dev.berth.image.ImageStore;
import dev.berth.image.LayerView;
import dev.berth.image.Platform;
import dev.berth.image.Snapshots;
import dev.berth.linux.Procs;
import dev.berth.runtime.IdMap;
import dev.berth.runtime.Rootfs;
import dev.berth.runtime.Trace;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The root filesystem of a container of an image in the store: its unpacked layers
 * ({@link Snapshots}) as overlayfs lower directories under a private upper directory in the
 * container's directory, mounted by the stage inside the container's mount namespace before
 * pivot_root; or, where overlayfs is refused, a copy of the image's flattened tree.
 */
final class ImageRootfs {
    /** {@code copy} forces the fallback, {@code overlay} forbids it; unset: overlay unless it was refused. */
    static final String SNAPSHOTTER_ENV = "BERTH_SNAPSHOTTER";
    /** In the layers directory while overlayfs is known to be refused (mode: host or userns); holds why. */
    private static final String REFUSED = "overlay-refused-";

    /** An image found in the store for a request, with the reference as the user gave it. */
    record Resolved(String reference, ImageRef ref, Image image) {}

    /**
     * A prepared root: the rootfs for the program, the view that resolves paths inside it
     * (null for a copy, which is a plain directory), and what state.json says of it.
     */
    record Prepared(Rootfs rootfs, LayerView view, Path etc, String driver, Map<String, Object> graphDriver) {}

    private ImageRootfs() {}

    /** The image {@code r} names; {@link EngineException.NotFound} with docker's words when it is not in the store. */
    static Resolved resolve(Engine engine, ContainerRequest r, Engine.Puller puller) throws EngineException {
        if (r.image.startsWith("sha256:") || (r.image.length() == 64 && hex(r.image))) {
            return byId(engine, r);
        }
        ImageRef ref;
        try {
            ref = ImageRef.parse(r.image);
        } catch (ImageException.InvalidReference e) {
            throw new EngineException.InvalidArgument(e.getMessage());
        }
        ImageStore store = engine.images();
        Image image;
        try {
            image = find(store, ref);
            if (image == null && hex(r.image)) { // a short image id, tried after the name as docker does
                Resolved byId = byIdPrefix(engine, r, ref);
                if (byId != null) {
                    return byId;
                }
            }
            if (image == null && puller != null) {
                puller.pull(ref.toString()); // the hook for pulling (berth run --pull missing)
                image = find(store, ref);
            }
        } catch (IOException e) {
            throw new EngineException.SystemFailure("cannot read image " + ref.familiar() + ": " + e.getMessage(), e);
        }
        if (image == null) {
            String name = ref.digest() != null ? ref.familiar() : ref.familiar() + (ref.familiar().contains(":") ? "" : ":latest");
            throw new EngineException.NotFound("unable to find image '" + name + "' locally: pull it (berth pull "
                + name + ") or load it (berth load -i FILE)");
        }
        String os = image.config().os();
        if (os != null && !os.equals("linux")) {
            throw new EngineException.InvalidArgument("image " + ref.familiar() + " is for " + os + ", not linux");
        }
        return new Resolved(r.image, ref, image);
    }

    /** A full image id, {@code sha256:HEX} or 64 hex digits: never pulled, as docker never pulls one. */
    private static Resolved byId(Engine engine, ContainerRequest r) throws EngineException {
        try {
            ImageCatalog.Match m = new ImageCatalog(engine.images(), Platform.current()).find(r.image);
            if (m.image().image() != null) {
                return new Resolved(r.image, m.root().tags().isEmpty() ? null : m.root().tags().get(0), m.image().image());
            }
        } catch (ImageException.NotFound | ImageException.InvalidReference e) {
            // below
        } catch (IOException e) {
            throw new EngineException.SystemFailure("cannot read image " + r.image + ": " + e.getMessage(), e);
        }
        throw new EngineException.NotFound("no such image: " + r.image + ": give the id of an image in the store"
            + " (berth images --no-trunc)");
    }

    /** The image whose id starts with the hex digits of {@code r.image}, or null. */
    private static Resolved byIdPrefix(Engine engine, ContainerRequest r, ImageRef ref) throws EngineException, IOException {
        try {
            ImageCatalog.Match m = new ImageCatalog(engine.images(), Platform.current()).find(r.image);
            return m.byId() && m.image().image() != null ? new Resolved(r.image, ref, m.image().image()) : null;
        } catch (ImageException.NotFound e) {
            return null;
        } catch (ImageException.Conflict e) {
            throw new EngineException.Conflict(e.getMessage());
        }
    }

    private static boolean hex(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (!(c >= '0' && c <= '9' || c >= 'a' && c <= 'f')) {
                return false;
            }
        }
        return !s.isEmpty();
    }

    private static Image find(ImageStore store, ImageRef ref) throws IOException {
        try {
            return store.image(ref, Platform.current());
        } catch (ImageException.NotFound e) {
            return null;
        }
    }

    /**
     * The snapshot mapping of a container: the host ids of its user namespace's root, and user
     * xattrs whenever the overlay is mounted inside a user namespace (trusted.* are out of reach).
     */
    static Snapshots.Mapping mapping(IdMap uid, IdMap gid, boolean rootless) throws EngineException {
        if (rootless) {
            return new Snapshots.Mapping(0, 0, true); // files are the user's, who is root inside
        }
        if (uid == null) {
            return Snapshots.Mapping.HOST;
        }
        if (uid.inside() != 0 || gid.inside() != 0) {
            throw new EngineException.InvalidArgument("the user namespace must map root to run an image");
        }
        return new Snapshots.Mapping((int) uid.outside(), (int) gid.outside(), true);
    }

    /** Unpacks what is missing and makes the container's root: an overlay, or a copy. */
    static Prepared prepare(Engine engine, Resolved img, String id, Path dir, Snapshots.Mapping m, boolean readOnly,
        boolean forceCopy, List<String> warnings) throws EngineException, IOException {
        Snapshots snaps = snapshots(engine);
        if (m.uidShift() != 0) {
            reachable(snaps.dir(), m.uidShift());
            reachable(dir, m.uidShift());
        }
        Trace.mark("snapshots opened");
        Path rootfs = dir.resolve("rootfs");
        Path private_ = dir.resolve("overlay");
        boolean hasCopy = Files.isDirectory(rootfs, LinkOption.NOFOLLOW_LINKS);
        boolean hasOverlay = Files.isDirectory(private_, LinkOption.NOFOLLOW_LINKS);
        if (forceCopy && hasOverlay && !hasCopy) { // overlayfs refused this container's overlay: a copy instead
            dev.berth.image.Trees.delete(private_);
            hasOverlay = false;
        }
        // made by create, or a start after an exit: the files of the runs before stay, as docker's do
        boolean again = hasCopy || hasOverlay;
        boolean copy = again ? hasCopy : forceCopy || copyWanted(snaps, m);
        Map<String, Object> gd = new LinkedHashMap<>();
        Map<String, Object> data = new LinkedHashMap<>();
        if (copy && again) {
            return copied(rootfs, readOnly, gd, data);
        }
        Snapshots.Use use = snaps.use(id, dir, img.image(), m, copy, warnings::add);
        Trace.mark("layers ready");
        if (copy) {
            copyTree(use.dirs().get(0), rootfs);
            snaps.release(id); // the copy needs nothing of the store from now on
            return copied(rootfs, readOnly, gd, data);
        }
        Path upper = private_.resolve("upper");
        Path work = private_.resolve("work");
        Path merged = dir.resolve("merged");
        if (!again) {
            Files.createDirectory(private_, java.nio.file.attribute.PosixFilePermissions.asFileAttribute(
                java.nio.file.attribute.PosixFilePermissions.fromString("rwx------")));
            Files.createDirectory(upper);
            Files.createDirectory(work);
        }
        if (!Files.isDirectory(merged, LinkOption.NOFOLLOW_LINKS)) {
            Files.createDirectory(merged);
        }
        if (!again && (m.uidShift() != 0 || m.gidShift() != 0)) {
            // the user namespace's root mounts the overlay and owns the root directory it shows
            for (Path p : List.of(private_, upper, work)) {
                Files.setAttribute(p, "unix:uid", m.uidShift(), LinkOption.NOFOLLOW_LINKS);
                Files.setAttribute(p, "unix:gid", m.gidShift(), LinkOption.NOFOLLOW_LINKS);
            }
        }
        Rootfs.Overlay o = new Rootfs.Overlay(use.dirs(), upper, work, merged, m.userXattr(), readOnly);
        if (o.options().length() > 4000) { // mount(2) takes one page of options
            throw new EngineException.InvalidArgument("image " + img.reference() + " has too many layers ("
                + use.dirs().size() + ") for one overlay mount; flatten it, or run it with " + SNAPSHOTTER_ENV + "=copy");
        }
        List<String> lowerTopFirst = new ArrayList<>();
        for (int i = use.dirs().size() - 1; i >= 0; i--) {
            lowerTopFirst.add(use.dirs().get(i).toString());
        }
        data.put("LowerDir", String.join(":", lowerTopFirst));
        data.put("MergedDir", merged.toString());
        data.put("UpperDir", upper.toString());
        data.put("WorkDir", work.toString());
        gd.put("Name", "overlay");
        gd.put("Data", data);
        LayerView view = new LayerView(use.dirs());
        return new Prepared(o, view, null, "overlay", gd);
    }

    private static Prepared copied(Path rootfs, boolean readOnly, Map<String, Object> gd, Map<String, Object> data) {
        gd.put("Name", "vfs");
        data.put("Dir", rootfs.toString());
        gd.put("Data", data);
        return new Prepared(new Rootfs.Directory(rootfs, readOnly), null, rootfs.resolve("etc"), "vfs", gd);
    }

    /**
     * The user namespace's root (a host uid no directory here belongs to) mounts the layers and
     * the container's directories: every directory above them must let others pass (o+x), as
     * {@code mktemp -d} or a 0700 home does not. Checked first, because the kernel would only say
     * "permission denied" at the mount.
     */
    private static void reachable(Path p, int uid) throws EngineException, IOException {
        for (Path d = p.toAbsolutePath().getParent(); d != null; d = d.getParent()) {
            int mode = (Integer) Files.getAttribute(d, "unix:mode");
            int owner = (Integer) Files.getAttribute(d, "unix:uid");
            if ((mode & 01) == 0 && owner != uid) {
                throw new EngineException.PermissionDenied("the user namespace's root (host uid " + uid + ") cannot pass"
                    + " through " + d + " (mode " + Integer.toOctalString(mode & 07777) + "): chmod o+x " + d
                    + ", or use a state root (--root) that others may pass through");
            }
        }
    }

    static Snapshots snapshots(Engine engine) throws EngineException {
        try {
            return Snapshots.open(engine.images());
        } catch (IOException e) {
            throw new EngineException.SystemFailure("cannot open the unpacked layers under " + engine.root() + ": "
                + e.getMessage(), e);
        }
    }

    private static boolean copyWanted(Snapshots snaps, Snapshots.Mapping m) {
        String env = System.getenv(SNAPSHOTTER_ENV);
        if ("copy".equals(env)) {
            return true;
        }
        if ("overlay".equals(env)) {
            return false;
        }
        return Files.exists(snaps.dir().resolve(REFUSED + mode(m)));
    }

    /** Whether a failed overlay mount may be retried with a copy (not when overlay was asked for by name). */
    static boolean mayFallBack() {
        return !"overlay".equals(System.getenv(SNAPSHOTTER_ENV));
    }

    /** Remembers that overlayfs was refused here (delete the file to try again), so that later runs copy at once. */
    static void overlayRefused(Engine engine, Snapshots.Mapping m, String why) {
        try {
            Path f = snapshots(engine).dir().resolve(REFUSED + mode(m));
            Files.writeString(f, why + "\n");
        } catch (IOException | EngineException e) {
            // only a cache: the next run tries overlay again
        }
    }

    private static String mode(Snapshots.Mapping m) {
        return m.userXattr() ? "userns" : "host";
    }

    /** A copy keeping owners, modes, links and xattrs, sharing blocks where the file system can (reflink). */
    private static void copyTree(Path from, Path to) throws EngineException, IOException {
        Process p = new ProcessBuilder("cp", "-a", "--reflink=auto", from.toString(), to.toString())
            .redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes()).strip();
        try {
            if (p.waitFor() != 0) {
                throw new EngineException.SystemFailure("cannot copy the image's files to " + to + ": " + out, null);
            }
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new EngineException.SystemFailure("interrupted while copying the image's files", e);
        }
        Trace.mark("rootfs copied");
    }

    /** Whether this process is root on the host (the snapshot owners and xattrs depend on it). */
    static boolean rootless() {
        return Procs.effectiveUid() != 0;
    }
}
