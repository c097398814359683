package dev.berth.engine;

import dev.berth.image.ArchiveWriter;
import dev.berth.image.Digest;
import dev.berth.image.Image;
import dev.berth.image.ImageCatalog;
import dev.berth.image.ImageDeleter;
import dev.berth.image.ImageException;
import dev.berth.image.ImageFilter;
import dev.berth.image.ImageLoader;
import dev.berth.image.ImageRef;
import dev.berth.image.ImageStore;
import dev.berth.image.ImageSummary;
import dev.berth.image.ImageUser;
import dev.berth.image.Platform;
import dev.berth.runtime.Timestamps;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The image commands that need the engine's containers as well as the store: who uses an
 * image (rmi, prune, df), what save writes, what load reports, and the disk usage. The CLI
 * ({@code berth images, rmi, save, load, system df}) and the daemon's image endpoints both
 * call these, so both follow the same rules. Errors are the image module's
 * {@link java.io.IOException}s ({@link ImageException.NotFound}, {@link ImageException.Conflict}, ...).
 */
public final class ImageAdmin {
    private final Engine engine;

    ImageAdmin(Engine engine) {
        this.engine = engine;
    }

    /** The store's images for this machine's platform. */
    public ImageCatalog catalog() throws IOException {
        return new ImageCatalog(ImageStore.open(engine.root()), Platform.current());
    }

    /**
     * docker ps's IMAGE for each container, as dockerd's list refreshes it: the reference the
     * container was created with while it still names the image the container was made from,
     * else (the tag moved to another image, or the image is gone) that image's id. One instance
     * per listing: each reference is resolved once.
     */
    public ListedImages listedImages() {
        return new ListedImages();
    }

    /** See {@link #listedImages}. */
    public final class ListedImages {
        private final Map<String, String> resolved = new HashMap<>();
        private ImageCatalog catalog;

        private ListedImages() {}

        /** The IMAGE column of the container whose state is {@code state}. */
        public String of(Map<String, Object> state) {
            String given = Inspect.imageName(state);
            if (!(state.get("Image") instanceof String id) || !id.startsWith("sha256:") || given.equals(id)) {
                return given; // not an image of the store (host, a rootfs directory), or made from the id
            }
            String now = resolved.get(given);
            if (now == null) {
                try {
                    if (catalog == null) {
                        catalog = catalog();
                    }
                    now = catalog.find(given).image().id().toString();
                } catch (IOException | RuntimeException e) {
                    now = ""; // gone, or no longer a name: the id it was made from
                }
                resolved.put(given, now);
            }
            return now.equals(id) ? given : id;
        }
    }

    /** Containers and the image id each was made from (state's top-level {@code Image}, when it is one). */
    public List<ImageUser> users() throws IOException {
        return users(containers());
    }

    private List<Map<String, Object>> containers() throws IOException {
        try {
            return engine.list(true);
        } catch (EngineException e) {
            throw new IOException(e.getMessage(), e);
        }
    }

    private static List<ImageUser> users(List<Map<String, Object>> containers) {
        List<ImageUser> out = new ArrayList<>();
        for (Map<String, Object> c : containers) {
            if (c.get("Image") instanceof String s && s.startsWith("sha256:")) {
                try {
                    out.add(new ImageUser(String.valueOf(c.get("Id")), Digest.parse(s), running(c)));
                } catch (ImageException.InvalidReference e) {
                    // not an image id: a --rootfs directory or the host image
                }
            }
        }
        return out;
    }

    private static boolean running(Map<String, Object> c) {
        if (c.get("State") instanceof Map<?, ?> st) {
            Object s = st.get("Status");
            return "running".equals(s) || "paused".equals(s) || "restarting".equals(s);
        }
        return false;
    }

    /** docker's {@code rmi [-f] REF}. */
    public ImageDeleter.Result remove(String ref, boolean force) throws IOException {
        return new ImageDeleter(catalog(), users()).delete(ref, force);
    }

    /**
     * docker's {@code image prune}: dangling images, or every image no container uses with
     * {@code all}; {@code filters} are {@code KEY=VALUE} ({@link ImageFilter#PRUNE_KEYS}).
     */
    public ImageDeleter.Result prune(boolean all, List<String> filters) throws IOException {
        ImageCatalog catalog = catalog();
        ImageFilter filter = ImageFilter.parse(filters, ImageFilter.PRUNE_KEYS, catalog, Timestamps.nowNanos());
        return new ImageDeleter(catalog, users()).prune(all, filter);
    }

    /**
     * An archive of the images {@code refs} name, as docker's save takes them: a repository
     * alone (every tag of it), {@code NAME:TAG} (that tag), an id or {@code NAME@DIGEST} (the
     * image, saved without tags). Every name is resolved before anything is written.
     */
    public ArchiveWriter archive(List<String> refs) throws IOException {
        ImageCatalog catalog = catalog();
        ArchiveWriter writer = new ArchiveWriter(catalog.store());
        for (String ref : refs) {
            add(catalog, writer, ref);
        }
        return writer;
    }

    private static void add(ImageCatalog catalog, ArchiveWriter writer, String ref) throws IOException {
        if (!ref.startsWith("sha256:") && ref.indexOf('@') < 0) {
            ImageRef name = ImageRef.parseNormalized(ref);
            if (name.tag() == null) {
                boolean any = false;
                for (ImageSummary s : catalog.list()) {
                    List<ImageRef> tags = new ArrayList<>();
                    for (ImageRef t : s.tags()) {
                        if (t.name().equals(name.name())) {
                            tags.add(t);
                        }
                    }
                    if (!tags.isEmpty() && s.image() != null) {
                        writer.add(s.image(), tags);
                        any = true;
                    }
                }
                if (any) {
                    return;
                }
            }
        }
        ImageCatalog.Match m = catalog.find(ref);
        if (m.image().image() == null) {
            throw new ImageException.NotFound("image " + m.image().id() + " has no manifest for " + catalog.platform()
                + " in the store; pull or load it again");
        }
        List<ImageRef> tags = new ArrayList<>();
        if (!m.byId() && ref.indexOf('@') < 0) {
            tags.add(ImageRef.parse(ref));
        }
        writer.add(m.image().image(), tags);
    }

    /**
     * Loads a {@code docker save} or OCI archive (read to its end) and returns docker's lines:
     * {@code Loaded image: NAME:TAG} per tag, {@code Loaded image ID: sha256:...} for an
     * untagged image.
     */
    public List<String> load(InputStream archive) throws IOException {
        ImageCatalog catalog = catalog();
        List<String> out = new ArrayList<>();
        for (ImageLoader.Loaded l : new ImageLoader(catalog.store()).loadArchive(archive, null)) {
            if (l.tags().isEmpty()) {
                Image img = catalog.store().image(l.digest(), catalog.platform());
                out.add("Loaded image ID: " + img.id());
            }
            for (ImageRef t : l.tags()) {
                out.add("Loaded image: " + t.familiar());
            }
        }
        return out;
    }

    /**
     * docker's disk usage, measured as docker 28's classic store measures it: an image is the
     * unpacked size of its layers ({@link ImageSummary#size}), a layer (keyed by chain id, as
     * docker's layer store keys it) shared by images counted once in the total. Reclaimable is
     * docker's CLI's figure: the total less, for each image a container uses, its size less
     * what it shares. Containers are their directories under {@code ROOT/containers} (state,
     * logs, /etc files, the upper directory or the copy).
     *
     * @param images every image, with its containers and the bytes it shares with other images
     * @param layersSize the unpacked bytes of every image layer, each once
     * @param reclaimable what removing the images no container uses would free, as docker's CLI reckons it
     * @param containers every container's state and the bytes of its directory
     */
    public record DiskUsage(List<ImageUse> images, long layersSize, long reclaimable, List<ContainerUse> containers) {
        /** Images that at least one container uses. */
        public int activeImages() {
            int n = 0;
            for (ImageUse u : images) {
                n += u.containers() > 0 ? 1 : 0;
            }
            return n;
        }
    }

    public record ImageUse(ImageSummary image, int containers, long shared) {}

    public record ContainerUse(Map<String, Object> state, long size) {
        public boolean running() {
            return state.get("State") instanceof Map<?, ?> st && "running".equals(st.get("Status"));
        }
    }

    public DiskUsage diskUsage() throws IOException {
        List<Map<String, Object>> containers = containers();
        ImageCatalog catalog = catalog();
        List<ImageSummary> images = catalog.list();
        Map<Digest, Integer> containersOf = new HashMap<>();
        for (ImageUser u : users(containers)) {
            containersOf.merge(u.imageId(), 1, Integer::sum);
        }
        Map<ImageSummary, List<ImageCatalog.Layer>> layersOf = new java.util.IdentityHashMap<>();
        Map<Digest, Integer> refCount = new HashMap<>();
        Map<Digest, Long> layerSize = new HashMap<>();
        for (ImageSummary s : images) {
            List<ImageCatalog.Layer> layers = s.image() == null ? List.of() : catalog.layers(s.image());
            layersOf.put(s, layers);
            Set<Digest> once = new HashSet<>();
            for (ImageCatalog.Layer l : layers) {
                if (once.add(l.chainId())) {
                    refCount.merge(l.chainId(), 1, Integer::sum);
                    layerSize.put(l.chainId(), l.size());
                }
            }
        }
        long total = 0;
        for (long n : layerSize.values()) {
            total += n;
        }
        List<ImageUse> imageUses = new ArrayList<>();
        long used = 0;
        for (ImageSummary s : images) {
            long shared = 0;
            Set<Digest> once = new HashSet<>();
            for (ImageCatalog.Layer l : layersOf.get(s)) {
                if (once.add(l.chainId()) && refCount.getOrDefault(l.chainId(), 0) > 1) {
                    shared += l.size();
                }
            }
            int n = containersOf.getOrDefault(s.id(), 0);
            if (n > 0) {
                used += s.size() - shared;
            }
            imageUses.add(new ImageUse(s, n, shared));
        }
        List<ContainerUse> containerUses = new ArrayList<>();
        for (Map<String, Object> c : containers) {
            containerUses.add(new ContainerUse(c, Prune.size(engine.root().resolve("containers").resolve(String.valueOf(c.get("Id"))))));
        }
        return new DiskUsage(imageUses, total, Math.max(0, total - used), containerUses);
    }
}
