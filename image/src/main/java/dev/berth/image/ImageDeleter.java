package dev.berth.image;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code rmi} and {@code image prune} with docker's rules (daemon/images/image_delete.go):
 *
 * <ul>
 *   <li>A name removes that tag; the image itself goes only when no tag is left. The last tag
 *       of an image a container uses is kept unless forced, so the image never turns into a
 *       {@code <none>} that a container still needs.
 *   <li>An id removes the image with its tags when it has at most one; with more, only when
 *       forced ("referenced in multiple repositories").
 *   <li>A container that runs the image is a hard conflict: not even {@code -f} removes the
 *       image (a name is untagged and the image stays). A stopped one is a soft conflict that
 *       {@code -f} overrides.
 * </ul>
 *
 * <p>Removing an image forgets its roots in refs.json; its blobs are then garbage. {@code rmi}
 * collects them at once when no load or pull holds the store ({@link ImageStore#gcIfIdle}), so
 * it never waits behind a long download; otherwise they stay until the next rmi or prune.
 * Prune waits for the collection, because the space it reclaims is what it reports.
 */
public final class ImageDeleter {
    private final ImageCatalog catalog;
    private final List<ImageUser> users;

    /** What was done: {@code Untagged:} references (familiar), {@code Deleted:} digests, bytes freed. */
    public record Result(List<String> untagged, List<Digest> deleted, long reclaimed) {}

    public ImageDeleter(ImageCatalog catalog, List<ImageUser> users) {
        this.catalog = catalog;
        this.users = users;
    }

    /** docker's {@code rmi [-f] REF}. */
    public Result delete(String ref, boolean force) throws IOException {
        Result r = remove(ref, force);
        return logged(r, r.deleted().isEmpty() ? List.of() : r.deleted().subList(0, 1));
    }

    /** docker logs an untag per reference removed and a delete per image gone (not per layer). */
    private Result logged(Result r, List<Digest> images) {
        for (String t : r.untagged()) {
            ImageEvents.log(catalog.store(), "untag", t, t);
        }
        for (Digest d : images) {
            ImageEvents.log(catalog.store(), "delete", d.toString(), d.toString());
        }
        return r;
    }

    private Result remove(String ref, boolean force) throws IOException {
        ImageCatalog.Match m = catalog.find(ref);
        ImageSummary img = m.image();
        ImageStore store = catalog.store();
        List<String> untagged = new ArrayList<>();
        List<Digest> deleted = new ArrayList<>();
        List<ImageRef> tags = new ArrayList<>(img.tags());
        boolean quiet = false;
        if (!isIdPrefix(img.id(), ref)) {
            ImageRef name = ImageRef.parse(ref);
            if (!force && tags.size() == 1) {
                ImageUser u = user(img.id(), false);
                if (u != null) {
                    throw new ImageException.Conflict("conflict: unable to remove repository reference \"" + ref
                        + "\" (must force) - container " + u.shortId() + " is using its referenced image " + shortId(img.id()));
                }
            }
            List<ImageRef> removed = new ArrayList<>();
            if (name.digest() != null) {
                ImageRef repo = new ImageRef(name.domain(), name.path(), null, null);
                for (ImageRef t : img.tags()) {
                    ImageSummary.Root r = img.rootOf(t);
                    if (t.name().equals(repo.name()) && r != null && r.digest().equals(name.digest())) {
                        removed.add(t);
                    }
                }
                if (removed.isEmpty()) {
                    throw new ImageException.NotFound("no such image: " + name.familiar() + " (no tag of "
                        + repo.familiar() + " points at " + name.digest() + ")");
                }
                untagged.add(name.familiar());
            } else {
                removed.add(name);
                untagged.add(name.familiar());
            }
            for (ImageRef t : removed) {
                store.untag(t);
                tags.remove(t);
            }
            if (name.digest() == null) {
                // docker also drops NAME@DIGEST when no tag of NAME is left on that root
                ImageSummary.Root root = m.root();
                boolean repoLeft = false;
                for (ImageRef t : root.tags()) {
                    if (!t.equals(name) && t.name().equals(name.name())) {
                        repoLeft = true;
                    }
                }
                if (!repoLeft) {
                    untagged.add(new ImageRef(name.domain(), name.path(), null, root.digest()).familiar());
                }
            }
            if (!tags.isEmpty()) {
                return new Result(untagged, deleted, 0);
            }
            quiet = true;
        } else if (tags.size() == 1) {
            Conflict conflict = conflict(img, tags, force, false);
            if (conflict != null) {
                throw new ImageException.Conflict(conflict.message());
            }
            untagAll(img, tags, untagged);
        }
        Conflict conflict = conflict(img, tags, force, true);
        if (conflict != null) {
            if (quiet && conflict.used()) {
                return new Result(untagged, deleted, 0); // untagged; the image stays for its container
            }
            throw new ImageException.Conflict(conflict.message());
        }
        untagAll(img, tags, untagged);
        for (ImageSummary.Root r : img.roots()) {
            store.remove(r.digest());
        }
        deleted.add(img.id());
        ImageStore.GcResult gc = store.gcIfIdle();
        Snapshots.open(store).prune(); // the unpacked layers no image has any more
        deleted.addAll(gone(img));
        return new Result(untagged, deleted, gc == null ? 0 : gc.bytesFreed());
    }

    /**
     * docker's {@code image prune}: images no container uses (running or stopped) that pass
     * {@code filter}, only the dangling ones unless {@code all}; then a collection of the blobs.
     */
    public Result prune(boolean all, ImageFilter filter) throws IOException {
        boolean danglingOnly = !all && filter.dangling() != Boolean.FALSE;
        List<String> untagged = new ArrayList<>();
        List<Digest> deleted = new ArrayList<>();
        List<ImageSummary> removed = new ArrayList<>();
        ImageStore store = catalog.store();
        for (ImageSummary s : catalog.list()) {
            if ((danglingOnly && !s.dangling()) || !filter.matches(s) || user(s.id(), false) != null) {
                continue;
            }
            untagAll(s, new ArrayList<>(s.tags()), untagged);
            for (ImageSummary.Root r : s.roots()) {
                store.remove(r.digest());
            }
            deleted.add(s.id());
            removed.add(s);
        }
        ImageStore.GcResult gc = store.gc();
        Snapshots.open(store).prune();
        List<Digest> images = new ArrayList<>(deleted);
        for (ImageSummary s : removed) {
            deleted.addAll(gone(s));
        }
        return logged(new Result(untagged, deleted, gc.bytesFreed()), images);
    }

    /** Removes {@code tags} (cleared), listing them and then the RepoDigests that go with them. */
    private void untagAll(ImageSummary img, List<ImageRef> tags, List<String> untagged) throws IOException {
        for (ImageRef t : tags) {
            catalog.store().untag(t);
            untagged.add(t.familiar());
        }
        tags.clear();
        for (String d : img.repoDigests()) {
            if (!untagged.contains(d)) {
                untagged.add(d);
            }
        }
    }

    /**
     * The image's blobs (layers, and the manifests of an index) that are no longer in the store,
     * besides its config and roots: what docker lists as deleted layers. Blobs another image
     * shares stay and are not listed.
     */
    private List<Digest> gone(ImageSummary img) throws IOException {
        List<Digest> out = new ArrayList<>();
        for (Digest d : img.blobs()) {
            if (d.equals(img.id()) || isRoot(img, d)) {
                continue;
            }
            if (!catalog.store().blobs().has(d)) {
                out.add(d);
            }
        }
        return out;
    }

    private static boolean isRoot(ImageSummary img, Digest d) {
        for (ImageSummary.Root r : img.roots()) {
            if (r.digest().equals(d)) {
                return true;
            }
        }
        return false;
    }

    /** A reason not to delete; {@code used} when it is a container, not a tag. */
    private record Conflict(String message, boolean used) {}

    /**
     * docker's checkImageDeleteConflict: a running container (hard), then, unless forced, other
     * tags ({@code withReferences}) and stopped containers (soft). Null when there is none.
     */
    private Conflict conflict(ImageSummary img, List<ImageRef> tags, boolean force, boolean withReferences) {
        ImageUser running = user(img.id(), true);
        if (running != null) {
            return new Conflict("conflict: unable to delete " + shortId(img.id())
                + " (cannot be forced) - image is being used by running container " + running.shortId(), true);
        }
        if (force) {
            return null;
        }
        if (withReferences && !tags.isEmpty()) {
            return new Conflict("conflict: unable to delete " + shortId(img.id())
                + " (must be forced) - image is referenced in multiple repositories", false);
        }
        ImageUser stopped = user(img.id(), false);
        if (stopped != null) {
            return new Conflict("conflict: unable to delete " + shortId(img.id())
                + " (must be forced) - image is being used by stopped container " + stopped.shortId(), true);
        }
        return null;
    }

    /** The first container using the image (only running ones if {@code runningOnly}). */
    private ImageUser user(Digest id, boolean runningOnly) {
        for (ImageUser u : users) {
            if (u.imageId().equals(id) && (u.running() || !runningOnly)) {
                return u;
            }
        }
        return null;
    }

    /** docker's isImageIDPrefix: {@code ref} is {@code sha256:HEX...} or a prefix of the id's hex. */
    static boolean isIdPrefix(Digest id, String ref) {
        return !ref.isEmpty() && (id.toString().startsWith(ref) || id.hex().startsWith(ref));
    }

    static String shortId(Digest id) {
        return id.hex().substring(0, Math.min(12, id.hex().length()));
    }
}
