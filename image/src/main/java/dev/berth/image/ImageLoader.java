package dev.berth.image;

import dev.berth.runtime.json.Json;
import dev.berth.runtime.json.JsonException;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Loads images into the store from an OCI image layout (a directory or a tar of one) or a
 * {@code docker save} archive (manifest.json with RepoTags; the legacy layout or docker 25's
 * OCI one). Every blob is verified against its digest and size as it is copied; the images are
 * kept and tagged only after all their blobs are in, under a store lease, so a failed load
 * registers nothing (its blobs are garbage for the next {@link ImageStore#gc}).
 */
public final class ImageLoader {
    private final ImageStore store;
    private long maxBlob = 64L << 30;

    /** One image (or index) that was loaded, and the tags it got. */
    public record Loaded(Digest digest, String mediaType, List<ImageRef> tags) {}

    public ImageLoader(ImageStore store) {
        this.store = store;
    }

    /** The largest blob accepted (default 64 GiB). */
    public ImageLoader maxBlob(long bytes) {
        this.maxBlob = bytes;
        return this;
    }

    /**
     * Loads an OCI image layout directory. Entries of index.json are tagged by their
     * {@code io.containerd.image.name} annotation, or by {@code org.opencontainers.image.ref.name}
     * when it is a full reference, or as {@code repository:REFNAME} when it is a bare tag and
     * {@code repository} (may be null) is given.
     */
    public List<Loaded> loadLayout(Path dir, String repository) throws IOException {
        try (Lease l = store.lease()) {
            return load(new DirSource(dir), repository);
        }
    }

    /** Loads a tar (plain, gzip or zstd) of an OCI layout or a {@code docker save} archive. */
    public List<Loaded> loadArchive(InputStream archive, String repository) throws IOException {
        try (Lease l = store.lease()) {
            TarSource src = new TarSource();
            src.read(Compression.open(new BufferedInputStream(archive, 64 * 1024)));
            return load(src, repository);
        }
    }

    private List<Loaded> load(Source src, String repository) throws IOException {
        List<Loaded> loaded = read(src, repository);
        for (Loaded l : loaded) {
            ImageEvents.log(store, "load", l.digest().toString(), l.tags().isEmpty() ? l.digest().toString()
                : l.tags().get(0).familiar());
        }
        return loaded;
    }

    private List<Loaded> read(Source src, String repository) throws IOException {
        if (src.json("oci-layout") != null && src.json("index.json") != null) {
            return loadOci(src, repository);
        }
        if (src.json("manifest.json") != null) {
            return loadDocker(src);
        }
        throw new ImageException.BadFormat("not an image archive: it has neither oci-layout and index.json (OCI layout) "
            + "nor manifest.json (docker save)");
    }

    // ---- OCI image layout ----

    private List<Loaded> loadOci(Source src, String repository) throws IOException {
        Map<String, Object> layout = Manifest.object(src.json("oci-layout"), "oci-layout");
        if (!(layout.get("imageLayoutVersion") instanceof String v) || !v.startsWith("1.")) {
            throw new ImageException.BadFormat("oci-layout: imageLayoutVersion must be 1.x");
        }
        ImageIndex index = ImageIndex.parse(src.json("index.json"));
        List<Loaded> out = new ArrayList<>();
        for (Descriptor d : index.manifests()) {
            copy(src, d, true);
        }
        for (Descriptor d : index.manifests()) {
            List<ImageRef> tags = new ArrayList<>();
            ImageRef name = nameOf(d, repository);
            store.keep(d.digest());
            if (name != null) {
                store.tag(name, d.digest());
                tags.add(name);
            }
            out.add(new Loaded(d.digest(), d.mediaType(), tags));
        }
        return out;
    }

    /** Copies a descriptor's blob and, for indexes and manifests, what it refers to. */
    private void copy(Source src, Descriptor d, boolean required) throws IOException {
        String path = "blobs/" + d.digest().algorithm() + "/" + d.digest().hex();
        if (!required && !src.has(path) && !store.blobs().has(d.digest())) {
            return; // an index entry for a platform the layout does not carry
        }
        src.blob(path, d.digest(), d.size());
        if (MediaTypes.isIndex(d.mediaType())) {
            for (Descriptor child : ImageIndex.parse(store.blobs().read(d.digest(), Manifest.MAX_JSON)).manifests()) {
                copy(src, child, false);
            }
        } else if (MediaTypes.isManifest(d.mediaType())) {
            Manifest m = Manifest.parse(store.blobs().read(d.digest(), Manifest.MAX_JSON));
            src.blob("blobs/sha256/" + m.config().digest().hex(), m.config().digest(), m.config().size());
            for (Descriptor layer : m.layers()) {
                if (layer.mediaType().contains("nondistributable") || layer.mediaType().contains("foreign")) {
                    if (!src.has("blobs/sha256/" + layer.digest().hex())) {
                        continue; // fetched from elsewhere by design
                    }
                }
                src.blob("blobs/sha256/" + layer.digest().hex(), layer.digest(), layer.size());
            }
        }
    }

    private static ImageRef nameOf(Descriptor d, String repository) throws ImageException {
        String full = d.annotation(Descriptor.CONTAINERD_NAME);
        if (full != null) {
            return ImageRef.parse(full);
        }
        String ref = d.annotation(Descriptor.REF_NAME);
        if (ref == null) {
            return null;
        }
        if (ref.indexOf('/') >= 0 || ref.indexOf(':') >= 0) {
            return ImageRef.parse(ref);
        }
        if (repository != null) {
            return ImageRef.parseNormalized(repository).withTag(ref);
        }
        return null;
    }

    // ---- docker save ----

    private List<Loaded> loadDocker(Source src) throws IOException {
        Object parsed;
        try {
            parsed = Json.parse(new String(src.json("manifest.json"), StandardCharsets.UTF_8));
        } catch (JsonException e) {
            throw new ImageException.BadFormat("manifest.json is not valid JSON: " + e.getMessage(), e);
        }
        if (!(parsed instanceof List<?> entries) || entries.isEmpty()) {
            throw new ImageException.BadFormat("manifest.json must be a non-empty array of images");
        }
        List<Loaded> out = new ArrayList<>();
        List<Object[]> pending = new ArrayList<>();
        for (Object o : entries) {
            if (!(o instanceof Map<?, ?> raw) || !(raw.get("Config") instanceof String configPath)
                || !(raw.get("Layers") instanceof List<?> layerPaths)) {
                throw new ImageException.BadFormat("manifest.json: each image needs Config and Layers");
            }
            byte[] configBytes = src.json(configPath);
            if (configBytes == null) {
                throw new ImageException.BadFormat("manifest.json names config " + configPath + ", which the archive lacks");
            }
            ImageConfig config = ImageConfig.parse(configBytes);
            if (config.diffIds().size() != layerPaths.size()) {
                throw new ImageException.BadFormat("image " + configPath + ": the config lists " + config.diffIds().size()
                    + " layers and manifest.json " + layerPaths.size());
            }
            BlobStore.Blob configBlob = store.blobs().put(configBytes);
            List<Descriptor> layers = new ArrayList<>();
            for (int i = 0; i < layerPaths.size(); i++) {
                String lp = String.valueOf(layerPaths.get(i));
                BlobStore.Blob b = src.blob(lp, null, -1);
                Compression c;
                try (InputStream in = new BufferedInputStream(Files.newInputStream(store.blobs().path(b.digest())))) {
                    c = Compression.detect(in);
                }
                if (c == Compression.NONE && !b.digest().equals(config.diffIds().get(i))) {
                    throw new ImageException.DigestMismatch("layer " + lp + " has digest " + b.digest() + " but the config says "
                        + config.diffIds().get(i) + ": the archive is corrupt or was tampered with");
                }
                layers.add(new Descriptor(c.ociLayerType(), b.digest(), b.size()));
            }
            Manifest m = new Manifest(MediaTypes.OCI_MANIFEST, new Descriptor(MediaTypes.OCI_CONFIG, configBlob.digest(),
                configBlob.size()), layers, null);
            BlobStore.Blob mb = store.blobs().put(m.toJson());
            List<ImageRef> tags = new ArrayList<>();
            if (raw.get("RepoTags") instanceof List<?> rt) {
                for (Object t : rt) {
                    tags.add(ImageRef.parse(String.valueOf(t)));
                }
            }
            pending.add(new Object[] {mb.digest(), tags});
        }
        // registered only once every image of the archive is in
        for (Object[] p : pending) {
            Digest d = (Digest) p[0];
            @SuppressWarnings("unchecked")
            List<ImageRef> tags = (List<ImageRef>) p[1];
            store.keep(d);
            for (ImageRef t : tags) {
                store.tag(t, d);
            }
            out.add(new Loaded(d, MediaTypes.OCI_MANIFEST, tags));
        }
        return out;
    }

    // ---- where files come from ----

    private interface Source {
        /** A small file's bytes, or null when missing. */
        byte[] json(String path) throws IOException;

        boolean has(String path) throws IOException;

        /** The file as a verified blob of the store (expected may be null, size -1). */
        BlobStore.Blob blob(String path, Digest expected, long size) throws IOException;
    }

    private final class DirSource implements Source {
        private final Path dir;

        DirSource(Path dir) {
            this.dir = dir;
        }

        private Path file(String path) throws ImageException {
            Path p = dir;
            for (String c : SafePath.clean(path, "layout path")) {
                p = p.resolve(c);
            }
            return p;
        }

        @Override
        public byte[] json(String path) throws IOException {
            Path p = file(path);
            if (!Files.isRegularFile(p)) {
                return null;
            }
            if (Files.size(p) > Manifest.MAX_JSON) {
                throw new ImageException.Refused(path + " is larger than " + Manifest.MAX_JSON + " bytes");
            }
            return Files.readAllBytes(p);
        }

        @Override
        public boolean has(String path) throws IOException {
            return Files.isRegularFile(file(path));
        }

        @Override
        public BlobStore.Blob blob(String path, Digest expected, long size) throws IOException {
            if (expected != null && store.blobs().has(expected) && store.blobs().size(expected) == size) {
                return new BlobStore.Blob(expected, size);
            }
            try (InputStream in = Files.newInputStream(file(path), LinkOption.NOFOLLOW_LINKS)) {
                return store.blobs().put(in, expected, size, maxBlob);
            } catch (NoSuchFileException e) {
                throw new ImageException.BadFormat("the layout lacks " + path + (expected == null ? "" : " (" + expected + ")"));
            }
        }
    }

    /** A tar read once: blobs go to the store as they pass, small JSON files stay in memory. */
    private final class TarSource implements Source {
        private final Map<String, BlobStore.Blob> stored = new HashMap<>();
        private final Map<String, byte[]> small = new HashMap<>();
        private final Map<String, String> links = new HashMap<>();

        void read(InputStream in) throws IOException {
            TarReader tar = new TarReader(in);
            TarEntry e;
            try {
                while ((e = tar.next()) != null) {
                    String path = String.join("/", SafePath.clean(e.name, "archive entry"));
                    if (e.type == TarEntry.SYMLINK || e.type == TarEntry.HARDLINK) {
                        String target = e.linkName;
                        if (e.type == TarEntry.SYMLINK && !target.startsWith("/")) {
                            int slash = path.lastIndexOf('/');
                            target = (slash < 0 ? "" : path.substring(0, slash + 1)) + target;
                        }
                        links.put(path, normalize(target));
                        continue;
                    }
                    if (e.type != TarEntry.FILE) {
                        continue;
                    }
                    InputStream content = tar.content();
                    boolean json = path.indexOf('/') < 0 && e.size <= Manifest.MAX_JSON;
                    if (json) {
                        small.put(path, content.readAllBytes());
                        continue;
                    }
                    Digest expected = null;
                    if (path.startsWith("blobs/sha256/")) {
                        try {
                            expected = Digest.parse("sha256:" + path.substring("blobs/sha256/".length()));
                        } catch (ImageException.InvalidReference bad) {
                            throw new ImageException.BadFormat("archive entry " + path + " is not named by a sha256 digest");
                        }
                    } else if (path.endsWith("/json") || path.endsWith("/VERSION")) {
                        continue; // the legacy per-layer metadata: not needed
                    }
                    stored.put(path, store.blobs().put(content, expected, e.size, maxBlob));
                }
            } catch (java.io.EOFException ex) {
                throw new ImageException.BadFormat("image archive is truncated (" + ex.getMessage() + ")", ex);
            }
        }

        private static String normalize(String p) {
            List<String> out = new ArrayList<>();
            for (String c : p.split("/")) {
                if (c.isEmpty() || c.equals(".")) {
                    continue;
                }
                if (c.equals("..")) {
                    if (!out.isEmpty()) {
                        out.remove(out.size() - 1);
                    }
                    continue;
                }
                out.add(c);
            }
            return String.join("/", out);
        }

        private String resolve(String path) {
            String p = normalize(path);
            for (int i = 0; i < 16 && links.containsKey(p); i++) {
                p = links.get(p);
            }
            return p;
        }

        @Override
        public byte[] json(String path) throws IOException {
            String p = resolve(path);
            if (small.containsKey(p)) {
                return small.get(p);
            }
            BlobStore.Blob b = stored.get(p);
            return b == null ? null : store.blobs().read(b.digest(), Manifest.MAX_JSON);
        }

        @Override
        public boolean has(String path) {
            String p = resolve(path);
            return small.containsKey(p) || stored.containsKey(p);
        }

        @Override
        public BlobStore.Blob blob(String path, Digest expected, long size) throws IOException {
            String p = resolve(path);
            BlobStore.Blob b = stored.get(p);
            if (b == null && small.containsKey(p)) {
                byte[] bytes = small.get(p);
                b = store.blobs().put(bytes);
            }
            if (b == null) {
                if (expected != null && store.blobs().has(expected) && store.blobs().size(expected) == size) {
                    return new BlobStore.Blob(expected, size);
                }
                throw new ImageException.BadFormat("the archive lacks " + path + (expected == null ? "" : " (" + expected + ")"));
            }
            if (expected != null && !b.digest().equals(expected)) {
                throw new ImageException.DigestMismatch(path + " has digest " + b.digest() + ", expected " + expected);
            }
            if (size >= 0 && b.size() != size) {
                throw new ImageException.DigestMismatch(path + " has " + b.size() + " bytes, its descriptor says " + size);
            }
            return b;
        }
    }
}
