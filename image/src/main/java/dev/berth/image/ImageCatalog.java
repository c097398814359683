package dev.berth.image;

import dev.berth.runtime.Timestamps;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The images of a store as docker shows them: roots grouped by image id ({@link ImageSummary}),
 * newest first, and found by name, id or id prefix as {@code docker image inspect} finds them.
 */
public final class ImageCatalog {
    private final ImageStore store;
    private final Platform platform;

    public ImageCatalog(ImageStore store, Platform platform) {
        this.store = store;
        this.platform = platform;
    }

    public ImageStore store() {
        return store;
    }

    public Platform platform() {
        return platform;
    }

    /** An image found by {@link #find}, the root the reference named, and whether it named an id. */
    public record Match(ImageSummary image, ImageSummary.Root root, boolean byId) {}

    /** Every image, newest first (then by id). */
    public List<ImageSummary> list() throws IOException {
        ImageStore.Refs refs = store.refs();
        Map<Digest, List<ImageRef>> tagsByRoot = new LinkedHashMap<>();
        for (Map.Entry<String, Digest> e : refs.tags().entrySet()) {
            tagsByRoot.computeIfAbsent(e.getValue(), k -> new ArrayList<>()).add(ImageRef.parse(e.getKey()));
        }
        for (Digest d : refs.images()) {
            tagsByRoot.computeIfAbsent(d, k -> new ArrayList<>());
        }
        Map<Digest, List<ImageSummary.Root>> rootsById = new LinkedHashMap<>();
        Map<Digest, Image> imageById = new HashMap<>();
        for (Map.Entry<Digest, List<ImageRef>> e : tagsByRoot.entrySet()) {
            Digest root = e.getKey();
            Image image = null;
            String mediaType = MediaTypes.OCI_MANIFEST;
            try {
                byte[] bytes = store.blobs().read(root, Manifest.MAX_JSON);
                if (ImageStore.isIndex(bytes)) {
                    mediaType = ImageIndex.parse(bytes).mediaType();
                } else {
                    mediaType = Manifest.parse(bytes).mediaType();
                }
                image = store.image(root, platform);
            } catch (ImageException e2) {
                // a root without a variant for this platform, or damaged: listed under its own digest
            }
            Digest id = image == null ? root : image.id();
            Descriptor desc = new Descriptor(mediaType, root, store.blobs().size(root));
            rootsById.computeIfAbsent(id, k -> new ArrayList<>()).add(new ImageSummary.Root(desc, List.copyOf(e.getValue())));
            if (image != null) {
                imageById.putIfAbsent(id, image);
            }
        }
        List<ImageSummary> out = new ArrayList<>();
        for (Map.Entry<Digest, List<ImageSummary.Root>> e : rootsById.entrySet()) {
            Set<Digest> blobs = new LinkedHashSet<>();
            for (ImageSummary.Root r : e.getValue()) {
                reach(r.digest(), blobs, 0);
            }
            long size = 0;
            for (Digest d : blobs) {
                size += Math.max(0, store.blobs().size(d));
            }
            Image image = imageById.get(e.getKey());
            long created = -1;
            if (image != null && image.config().json().get("created") instanceof String s) {
                created = Timestamps.parse(s);
            }
            long stored = size;
            java.util.function.LongSupplier unpacked = image == null ? () -> stored : memo(() -> unpackedSize(image));
            out.add(new ImageSummary(e.getKey(), List.copyOf(e.getValue()), image, created, blobs, stored, unpacked));
        }
        out.sort((a, b) -> a.createdNanos() != b.createdNanos() ? Long.compare(b.createdNanos(), a.createdNanos())
            : a.id().toString().compareTo(b.id().toString()));
        return out;
    }

    /** One layer of an image as docker's layer store keys it: its chain id, and its unpacked size. */
    public record Layer(Digest chainId, long size) {}

    /** The layers of {@code image}, lowest first, each with its unpacked size ({@link LayerSizes}). */
    public List<Layer> layers(Image image) {
        List<Descriptor> blobs = image.manifest().layers();
        List<Digest> chains = Snapshots.chainIds(image.config().diffIds());
        List<Layer> out = new ArrayList<>();
        for (int i = 0; i < blobs.size() && i < chains.size(); i++) {
            long n = LayerSizes.of(store, blobs.get(i));
            out.add(new Layer(chains.get(i), n >= 0 ? n : blobs.get(i).size()));
        }
        return out;
    }

    private long unpackedSize(Image image) {
        long n = 0;
        for (Layer l : layers(image)) {
            n += l.size();
        }
        return n;
    }

    private static java.util.function.LongSupplier memo(java.util.function.LongSupplier f) {
        long[] v = {-1};
        return () -> {
            synchronized (v) {
                if (v[0] < 0) {
                    v[0] = f.getAsLong();
                }
                return v[0];
            }
        };
    }

    /** Adds {@code d} and, for a manifest or index, what it refers to and the store has. */
    private void reach(Digest d, Set<Digest> out, int depth) throws IOException {
        if (!store.blobs().has(d) || !out.add(d) || depth > 4) {
            return;
        }
        if (store.blobs().size(d) > Manifest.MAX_JSON) {
            return;
        }
        byte[] bytes = store.blobs().read(d, Manifest.MAX_JSON);
        try {
            if (ImageStore.isIndex(bytes)) {
                for (Descriptor c : ImageIndex.parse(bytes).manifests()) {
                    reach(c.digest(), out, depth + 1);
                }
            } else {
                Manifest m = Manifest.parse(bytes);
                if (store.blobs().has(m.config().digest())) {
                    out.add(m.config().digest());
                }
                for (Descriptor l : m.layers()) {
                    if (store.blobs().has(l.digest())) {
                        out.add(l.digest());
                    }
                }
            }
        } catch (ImageException e) {
            // a damaged root: only its own blob counts
        }
    }

    /**
     * The image {@code ref} names, as docker resolves it: {@code sha256:HEX} or 64 hex digits
     * (an image id, or the digest of a root), {@code NAME@DIGEST}, {@code NAME[:TAG]}, and last
     * a prefix of an image id.
     *
     * @throws ImageException.NotFound when nothing matches
     * @throws ImageException.Conflict when an id prefix matches several images
     * @throws ImageException.InvalidReference when {@code ref} is neither a name nor an id
     */
    public Match find(String ref) throws IOException {
        List<ImageSummary> all = list();
        Digest digest = null;
        if (ref.startsWith("sha256:")) {
            digest = Digest.parse(ref);
        } else if (ref.length() == 64 && Digest.isLowerHex(ref)) {
            digest = Digest.sha256(ref);
        }
        if (digest != null) {
            Match m = byDigest(all, digest, true);
            if (m == null) {
                throw new ImageException.NotFound("no such image: " + digest);
            }
            return m;
        }
        ImageRef name = ImageRef.parse(ref);
        if (name.digest() != null) {
            Match m = byDigest(all, name.digest(), false);
            if (m == null) {
                throw new ImageException.NotFound("no such image: " + name.familiar());
            }
            return m;
        }
        for (ImageSummary s : all) {
            ImageSummary.Root r = s.rootOf(name);
            if (r != null) {
                return new Match(s, r, false);
            }
        }
        if (Digest.isLowerHex(ref)) {
            Match found = null;
            for (ImageSummary s : all) {
                if (s.id().algorithm().equals(Digest.SHA256) && s.id().hex().startsWith(ref)) {
                    if (found != null) {
                        throw new ImageException.Conflict("image id prefix " + ref + " matches several images; give more characters");
                    }
                    found = new Match(s, s.roots().get(0), true);
                }
            }
            if (found != null) {
                return found;
            }
        }
        throw new ImageException.NotFound("no such image: " + name.familiar());
    }

    private static Match byDigest(List<ImageSummary> all, Digest d, boolean byId) {
        for (ImageSummary s : all) {
            if (s.id().equals(d)) {
                return new Match(s, s.roots().get(0), true);
            }
        }
        for (ImageSummary s : all) {
            for (ImageSummary.Root r : s.roots()) {
                if (r.digest().equals(d)) {
                    return new Match(s, r, byId);
                }
            }
        }
        return null;
    }
}
