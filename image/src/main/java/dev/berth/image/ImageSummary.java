package dev.berth.image;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * One image as docker lists it: an image id (the config's digest) and every root of
 * {@code refs.json} (manifest or index) that leads to it, with their tags. Two roots share an
 * id when the same config was loaded with different manifests (a docker archive and an OCI
 * layout of one image); docker shows them as one image, and so does berth.
 *
 * @param id docker's image id; the root's own digest when no manifest fits the platform
 * @param roots the roots, each with the tags that point at it
 * @param image the image for the platform (of the first root that has one), or null
 * @param createdNanos the config's {@code created}, nanoseconds since the epoch; -1 if unknown
 * @param blobs every blob the roots reach that is in the store
 * @param storedSize the bytes of those blobs: what the image occupies in {@code ROOT/images/blobs}
 * @param unpacked the image's size as docker shows it ({@link #size}), asked for only when needed
 */
public record ImageSummary(Digest id, List<Root> roots, Image image, long createdNanos, Set<Digest> blobs, long storedSize,
    java.util.function.LongSupplier unpacked) {
    /**
     * The image's SIZE as docker 28's classic store shows it in {@code images}, {@code image
     * inspect} and {@code system df}: the sum of its layers' unpacked sizes ({@link LayerSizes}).
     * Counted once per layer (a layer never unpacked is read through once), then kept. An
     * image with no manifest for this platform has no layers to add: its stored size.
     */
    public long size() {
        return unpacked.getAsLong();
    }

    /** A manifest or index named in refs.json, and the tags on it. */
    public record Root(Descriptor descriptor, List<ImageRef> tags) {
        public Digest digest() {
            return descriptor.digest();
        }
    }

    /** Every tag of every root. */
    public List<ImageRef> tags() {
        List<ImageRef> out = new ArrayList<>();
        for (Root r : roots) {
            out.addAll(r.tags());
        }
        return out;
    }

    /** No tag points at it: docker's {@code <none>:<none>}. */
    public boolean dangling() {
        for (Root r : roots) {
            if (!r.tags().isEmpty()) {
                return false;
            }
        }
        return true;
    }

    /** docker's RepoDigests: {@code NAME@DIGEST} for each repository tagged on a root (familiar names). */
    public List<String> repoDigests() {
        Set<String> out = new LinkedHashSet<>();
        for (Root r : roots) {
            for (ImageRef t : r.tags()) {
                out.add(new ImageRef(t.domain(), t.path(), null, r.digest()).familiar());
            }
        }
        return new ArrayList<>(out);
    }

    /** The root a tag points at, or null. */
    public Root rootOf(ImageRef tag) {
        for (Root r : roots) {
            if (r.tags().contains(tag)) {
                return r;
            }
        }
        return null;
    }

    /** The config's {@code config.Labels}, or an empty map. */
    public Map<String, String> labels() {
        if (image == null) {
            return Map.of();
        }
        Map<String, String> l = Manifest.stringMap(image.config().containerConfig().get("Labels"));
        return l == null ? Map.of() : l;
    }

    /** The config's {@code created} as written there (RFC 3339), or null. */
    public String created() {
        return image != null && image.config().json().get("created") instanceof String s ? s : null;
    }
}
