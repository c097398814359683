package dev.berth.image;

import dev.berth.runtime.json.Json;
import dev.berth.runtime.json.JsonException;
import dev.berth.runtime.state.AtomicFiles;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * The image store under {@code ROOT/images} (layout in docs/images.md): blobs, and
 * {@code refs.json}, which names the roots that keep blobs alive: tags
 * ({@code docker.io/library/busybox:latest -> sha256:...}) and images kept without a tag. Both
 * point at a manifest or an index. {@code refs.json} is read without a lock (it is only ever
 * replaced whole) and changed under {@code refs.lock}. The garbage collector removes every blob
 * that no root reaches, under an exclusive {@code gc.lock} that imports hold shared.
 */
public final class ImageStore {
    private final Path dir;
    private final BlobStore blobs;
    private final Path refsFile;
    private final StoreLock refsLock;
    private final StoreLock gcLock;

    private ImageStore(Path dir) throws IOException {
        this.dir = dir;
        this.blobs = new BlobStore(dir.resolve("blobs"));
        this.refsFile = dir.resolve("refs.json");
        this.refsLock = StoreLock.of(dir.resolve("refs.lock"));
        this.gcLock = StoreLock.of(dir.resolve("gc.lock"));
    }

    /** Opens (creating if needed) the store in {@code ROOT/images}. */
    public static ImageStore open(Path root) throws IOException {
        Path dir = root.resolve("images");
        Files.createDirectories(dir);
        return new ImageStore(dir);
    }

    public Path dir() {
        return dir;
    }

    public BlobStore blobs() {
        return blobs;
    }

    /** Held while blobs are written that no root references yet (see {@link Lease}). */
    public Lease lease() throws IOException {
        return gcLock.shared();
    }

    // ---- refs ----

    /** The roots as they are on disk: tags and untagged images. */
    public record Refs(Map<String, Digest> tags, Set<Digest> images) {}

    public Refs refs() throws IOException {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(refsFile);
        } catch (NoSuchFileException e) {
            return new Refs(new TreeMap<>(), new LinkedHashSet<>());
        }
        try {
            Map<String, Object> m = Json.parseObject(new String(bytes, StandardCharsets.UTF_8));
            Map<String, Digest> tags = new TreeMap<>();
            Map<String, Object> t = Json.map(m, "tags");
            if (t != null) {
                for (Map.Entry<String, Object> e : t.entrySet()) {
                    tags.put(e.getKey(), Digest.parse(String.valueOf(e.getValue())));
                }
            }
            Set<Digest> images = new LinkedHashSet<>();
            if (m.get("images") instanceof List<?> l) {
                for (Object o : l) {
                    images.add(Digest.parse(String.valueOf(o)));
                }
            }
            return new Refs(tags, images);
        } catch (JsonException | ImageException.InvalidReference e) {
            throw new ImageException.BadFormat(refsFile + " is damaged (" + e.getMessage()
                + "); restore it or remove it and load the images again", e);
        }
    }

    private void writeRefs(Refs r) throws IOException {
        Map<String, Object> m = new LinkedHashMap<>();
        Map<String, Object> tags = new LinkedHashMap<>();
        for (Map.Entry<String, Digest> e : r.tags().entrySet()) {
            tags.put(e.getKey(), e.getValue().toString());
        }
        m.put("tags", tags);
        List<Object> images = new ArrayList<>();
        for (Digest d : r.images()) {
            images.add(d.toString());
        }
        m.put("images", images);
        AtomicFiles.write(refsFile, Json.pretty(m).getBytes(StandardCharsets.UTF_8));
    }

    /** Points {@code ref} (a tag; its digest part, if any, is ignored) at a manifest or index in the store. */
    public void tag(ImageRef ref, Digest target) throws IOException {
        if (ref.tag() == null) {
            throw new ImageException.InvalidReference("cannot tag " + ref + ": a tag is needed, e.g. " + ref.name() + ":latest");
        }
        if (!blobs.has(target)) {
            throw new ImageException.NotFound("cannot tag " + ref.familiar() + ": " + target + " is not in the store");
        }
        try (Lease l = refsLock.exclusive()) {
            Refs r = refs();
            r.tags().put(new ImageRef(ref.domain(), ref.path(), ref.tag(), null).toString(), target);
            writeRefs(r);
        }
    }

    /** Removes a tag; false when it did not exist. The blobs stay until {@link #gc}. */
    public boolean untag(ImageRef ref) throws IOException {
        try (Lease l = refsLock.exclusive()) {
            Refs r = refs();
            boolean had = r.tags().remove(new ImageRef(ref.domain(), ref.path(), ref.tag(), null).toString()) != null;
            if (had) {
                writeRefs(r);
            }
            return had;
        }
    }

    /** Keeps {@code target} (a manifest or index) as an image even without a tag. */
    public void keep(Digest target) throws IOException {
        if (!blobs.has(target)) {
            throw new ImageException.NotFound(target + " is not in the store");
        }
        try (Lease l = refsLock.exclusive()) {
            Refs r = refs();
            if (r.images().add(target)) {
                writeRefs(r);
            }
        }
    }

    /** Forgets an image: the untagged root and every tag that points at it. */
    public boolean remove(Digest target) throws IOException {
        try (Lease l = refsLock.exclusive()) {
            Refs r = refs();
            boolean changed = r.images().remove(target);
            changed |= r.tags().values().removeIf(target::equals);
            if (changed) {
                writeRefs(r);
            }
            return changed;
        }
    }

    /** The manifest or index a reference names: by digest if it has one, else by tag. */
    public Digest resolve(ImageRef ref) throws IOException {
        if (ref.digest() != null) {
            if (!blobs.has(ref.digest())) {
                throw new ImageException.NotFound("no such image: " + ref.familiar());
            }
            return ref.digest();
        }
        Digest d = refs().tags().get(ref.toString());
        if (d == null) {
            throw new ImageException.NotFound("no such image: " + ref.familiar() + " (load or pull it first)");
        }
        return d;
    }

    // ---- reading images ----

    /** The image {@code ref} names, for {@code platform} when it is an index. */
    public Image image(ImageRef ref, Platform platform) throws IOException {
        return image(resolve(ref), platform);
    }

    /** The image of a manifest, or of the entry for {@code platform} of an index. */
    public Image image(Digest digest, Platform platform) throws IOException {
        byte[] bytes = blobs.read(digest, Manifest.MAX_JSON);
        for (int depth = 0; isIndex(bytes); depth++) {
            ImageIndex index = ImageIndex.parse(bytes);
            Descriptor d = index.pick(platform);
            if (d == null || depth > 4) {
                throw new ImageException.NotFound("image " + digest + " has no variant for " + platform
                    + "; choose another platform");
            }
            digest = d.digest();
            bytes = blobs.read(digest, Manifest.MAX_JSON);
        }
        Manifest m = Manifest.parse(bytes);
        ImageConfig config = ImageConfig.parse(blobs.read(m.config().digest(), Manifest.MAX_JSON));
        if (config.diffIds().size() != m.layers().size()) {
            throw new ImageException.BadFormat("image " + digest + ": the config lists " + config.diffIds().size()
                + " layers and the manifest " + m.layers().size());
        }
        return new Image(digest, m, config);
    }

    /**
     * Unpacks every layer of {@code image}, lowest first, into {@code target} (an existing,
     * private directory). Each layer's blob is verified against its digest and its uncompressed
     * content against the config's diff_id.
     */
    public void unpack(Image image, Path target, UnpackOptions opts) throws IOException {
        List<Descriptor> layers = image.manifest().layers();
        for (int i = 0; i < layers.size(); i++) {
            Descriptor layer = layers.get(i);
            LayerUnpacker.Result r;
            try (java.io.InputStream in = blobs.open(layer.digest())) {
                r = LayerUnpacker.unpack(in, target, opts);
                in.transferTo(java.io.OutputStream.nullOutputStream()); // reach EOF: the blob's digest is checked there
            }
            Digest want = image.config().diffIds().get(i);
            if (!r.diffId().equals(want)) {
                throw new ImageException.DigestMismatch("layer " + layer.digest() + " unpacks to " + r.diffId()
                    + " but the image config says " + want + ": the image is corrupt");
            }
            if (LayerSizes.known(this, layer.digest()) < 0) {
                LayerSizes.record(this, layer.digest(), r.unpackedSize());
            }
        }
    }

    static boolean isIndex(byte[] json) throws ImageException {
        Map<String, Object> m = Manifest.object(json, "manifest");
        Object mt = m.get("mediaType");
        if (mt instanceof String s) {
            return MediaTypes.isIndex(s);
        }
        return m.get("manifests") != null;
    }

    // ---- garbage collection ----

    /** What a collection removed. */
    public record GcResult(int blobsRemoved, long bytesFreed, int tempFilesRemoved) {}

    /**
     * Removes every blob that no tag or kept image reaches (through indexes and manifests),
     * and temporary files of writers that died. Waits for running imports.
     */
    public GcResult gc() throws IOException {
        try (Lease g = gcLock.exclusive()) {
            return collect();
        }
    }

    /**
     * As {@link #gc}, but only when no import holds a lease: null at once when one does, so a
     * caller that merely tidies up (rmi) never waits for a long load or pull; the next
     * collection gets the blobs.
     */
    public GcResult gcIfIdle() throws IOException {
        Lease g = gcLock.tryExclusive();
        if (g == null) {
            return null;
        }
        try (g) {
            return collect();
        }
    }

    private GcResult collect() throws IOException {
        try (Lease r = refsLock.exclusive()) {
            Refs refs = refs();
            Set<Digest> live = new HashSet<>();
            List<Digest> todo = new ArrayList<>(refs.tags().values());
            todo.addAll(refs.images());
            while (!todo.isEmpty()) {
                Digest d = todo.remove(todo.size() - 1);
                if (!live.add(d) || !blobs.has(d)) {
                    continue;
                }
                long size = blobs.size(d);
                if (size > Manifest.MAX_JSON) {
                    continue;
                }
                byte[] bytes = Files.readAllBytes(blobs.path(d));
                children(bytes, todo);
            }
            int removed = 0;
            long freed = 0;
            for (Digest d : blobs.list()) {
                if (!live.contains(d)) {
                    long size = blobs.size(d);
                    if (blobs.delete(d)) {
                        removed++;
                        freed += Math.max(0, size);
                    }
                }
            }
            blobs.cleanMarkers();
            LayerSizes.prune(this);
            int temps = cleanDeadIngest();
            return new GcResult(removed, freed, temps);
        }
    }

    /** Adds what a manifest or index refers to; anything else (a config, a layer) refers to nothing. */
    private static void children(byte[] bytes, List<Digest> todo) {
        if (bytes.length == 0 || bytes[0] != '{') {
            return;
        }
        try {
            if (isIndex(bytes)) {
                for (Descriptor d : ImageIndex.parse(bytes).manifests()) {
                    todo.add(d.digest());
                }
                return;
            }
            Map<String, Object> m = Manifest.object(bytes, "blob");
            if (m.get("config") != null && m.get("layers") != null) {
                Manifest man = Manifest.parse(bytes);
                todo.add(man.config().digest());
                for (Descriptor d : man.layers()) {
                    todo.add(d.digest());
                }
            }
        } catch (ImageException e) {
            // not a manifest: a config or another JSON blob, which references nothing
        }
    }

    /** Temporary files whose writer process is gone (the name starts with its pid). */
    private int cleanDeadIngest() throws IOException {
        int n = 0;
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(blobs.dir().resolve("ingest"))) {
            for (Path p : ds) {
                String name = p.getFileName().toString();
                int dash = name.indexOf('-');
                boolean dead = true;
                if (dash > 0) {
                    try {
                        long pid = Long.parseLong(name.substring(0, dash));
                        dead = pid != ProcessHandle.current().pid() && ProcessHandle.of(pid).isEmpty();
                    } catch (NumberFormatException e) {
                        dead = true;
                    }
                }
                if (dead && Files.deleteIfExists(p)) {
                    n++;
                }
            }
        }
        return n;
    }
}
