package dev.berth.image;

import dev.berth.runtime.json.Json;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Writes images as {@code docker save} does since docker 25: an OCI image layout
 * ({@code oci-layout}, {@code index.json}, {@code blobs/sha256/}) that is also a legacy docker
 * archive ({@code manifest.json} with Config, RepoTags and Layers paths into {@code blobs/},
 * and {@code repositories}). docker, podman, skopeo ({@code docker-archive:} and
 * {@code oci-archive:}) and umoci (unpacked) read it.
 *
 * <p>Layers are written uncompressed, named by their diff id, as docker writes them: legacy
 * readers verify a layer file against the config's {@code diff_ids}. A layer stored compressed
 * is decompressed into a temporary file in the store's {@code ingest/} (checked against its
 * diff id; removed afterwards, or by the next GC if berth is killed). An image whose layers
 * are all stored uncompressed keeps its own manifest, so its digest survives a round trip;
 * otherwise the archive gets a manifest of the uncompressed layers.
 */
public final class ArchiveWriter {
    private static final AtomicLong SEQ = new AtomicLong();
    private final ImageStore store;
    private final List<Entry> entries = new ArrayList<>();

    private record Entry(Image image, List<ImageRef> tags) {}

    public ArchiveWriter(ImageStore store) {
        this.store = store;
    }

    /** Adds an image with the tags it gets in the archive (none: loaded back untagged). */
    public ArchiveWriter add(Image image, List<ImageRef> tags) {
        for (Entry e : entries) {
            if (e.image().id().equals(image.id())) {
                for (ImageRef t : tags) {
                    if (!e.tags().contains(t)) {
                        e.tags().add(t);
                    }
                }
                return this;
            }
        }
        entries.add(new Entry(image, new ArrayList<>(tags)));
        return this;
    }

    /** Writes the archive (a plain tar) to {@code out}; does not close it. */
    public void write(OutputStream out) throws IOException {
        writeArchive(out);
        for (Entry e : entries) {
            ImageEvents.log(store, "save", e.image().id().toString(), e.tags().isEmpty() ? e.image().id().toString()
                : e.tags().get(0).familiar());
        }
    }

    private void writeArchive(OutputStream out) throws IOException {
        List<Path> temps = new ArrayList<>();
        try (Lease l = store.lease()) {
            TarWriter tar = new TarWriter(out);
            dir(tar, "blobs/");
            dir(tar, "blobs/sha256/");
            Set<Digest> written = new LinkedHashSet<>();
            List<Object> index = new ArrayList<>();
            List<Object> manifestJson = new ArrayList<>();
            Map<String, Object> repositories = new LinkedHashMap<>();
            for (Entry e : entries) {
                Image img = e.image();
                List<Descriptor> layers = new ArrayList<>();
                boolean asStored = true;
                for (int i = 0; i < img.manifest().layers().size(); i++) {
                    Descriptor stored = img.manifest().layers().get(i);
                    Digest diffId = img.config().diffIds().get(i);
                    Path source = null;
                    long size = store.blobs().size(stored.digest());
                    if (size < 0) {
                        throw new ImageException.NotFound("layer " + stored.digest() + " of image " + img.id()
                            + " is not in the store; pull or load the image again");
                    }
                    if (!stored.digest().equals(diffId)) {
                        asStored = false;
                        Path tmp = decompress(stored.digest(), diffId);
                        temps.add(tmp);
                        source = tmp;
                        size = Files.size(tmp);
                    }
                    layers.add(new Descriptor(MediaTypes.OCI_LAYER, diffId, size));
                    if (written.add(diffId)) {
                        blob(tar, diffId, source == null ? store.blobs().open(diffId) : Files.newInputStream(source), size);
                    }
                }
                Digest configDigest = img.id();
                long configSize = store.blobs().size(configDigest);
                if (written.add(configDigest)) {
                    blob(tar, configDigest, store.blobs().open(configDigest), configSize);
                }
                byte[] manifest = asStored && MediaTypes.isManifest(img.manifest().mediaType())
                    ? store.blobs().read(img.digest(), Manifest.MAX_JSON)
                    : new Manifest(MediaTypes.OCI_MANIFEST, new Descriptor(MediaTypes.OCI_CONFIG, configDigest, configSize),
                        layers, null).toJson();
                String manifestType = asStored ? img.manifest().mediaType() : MediaTypes.OCI_MANIFEST;
                Digest manifestDigest = Digest.of(manifest);
                if (written.add(manifestDigest)) {
                    bytes(tar, "blobs/sha256/" + manifestDigest.hex(), manifest);
                }
                Platform platform = new Platform(img.config().os() == null ? "linux" : img.config().os(),
                    img.config().architecture() == null ? Platform.current().architecture() : img.config().architecture(), null);
                List<Object> repoTags = new ArrayList<>();
                for (ImageRef t : e.tags()) {
                    Map<String, String> names = new LinkedHashMap<>();
                    names.put(Descriptor.CONTAINERD_NAME, t.toString());
                    names.put(Descriptor.REF_NAME, t.tag());
                    index.add(new Descriptor(manifestType, manifestDigest, manifest.length, platform, names).toJson());
                    repoTags.add(t.familiar());
                    if (!layers.isEmpty()) {
                        String repo = new ImageRef(t.domain(), t.path(), null, null).familiar();
                        @SuppressWarnings("unchecked")
                        Map<String, Object> tagsOfRepo = (Map<String, Object>) repositories.computeIfAbsent(repo,
                            k -> new LinkedHashMap<String, Object>());
                        tagsOfRepo.put(t.tag(), layers.get(layers.size() - 1).digest().hex());
                    }
                }
                if (e.tags().isEmpty()) {
                    index.add(new Descriptor(manifestType, manifestDigest, manifest.length, platform, null).toJson());
                }
                Map<String, Object> item = new LinkedHashMap<>();
                item.put("Config", "blobs/sha256/" + configDigest.hex());
                item.put("RepoTags", repoTags.isEmpty() ? null : repoTags);
                List<Object> paths = new ArrayList<>();
                for (Descriptor d : layers) {
                    paths.add("blobs/sha256/" + d.digest().hex());
                }
                item.put("Layers", paths);
                manifestJson.add(item);
            }
            Map<String, Object> idx = new LinkedHashMap<>();
            idx.put("schemaVersion", 2);
            idx.put("mediaType", MediaTypes.OCI_INDEX);
            idx.put("manifests", index);
            bytes(tar, "index.json", (Json.compact(idx) + "\n").getBytes(StandardCharsets.UTF_8));
            bytes(tar, "manifest.json", (Json.compact(manifestJson) + "\n").getBytes(StandardCharsets.UTF_8));
            bytes(tar, "oci-layout", ("{\"imageLayoutVersion\":\"" + MediaTypes.OCI_LAYOUT_VERSION + "\"}")
                .getBytes(StandardCharsets.UTF_8));
            if (!repositories.isEmpty()) {
                bytes(tar, "repositories", (Json.compact(repositories) + "\n").getBytes(StandardCharsets.UTF_8));
            }
            tar.finish();
        } finally {
            for (Path p : temps) {
                Files.deleteIfExists(p);
            }
        }
    }

    /** The layer blob decompressed into a temporary file, checked against its diff id. */
    private Path decompress(Digest blob, Digest diffId) throws IOException {
        Path tmp = store.blobs().dir().resolve("ingest")
            .resolve(ProcessHandle.current().pid() + "-save-" + SEQ.incrementAndGet() + ".tmp");
        MessageDigest md = BlobStore.sha256();
        try (InputStream in = Compression.open(new BufferedInputStream(store.blobs().open(blob), 64 * 1024));
             OutputStream o = new DigestOutputStream(Files.newOutputStream(tmp), md)) {
            in.transferTo(o);
        } catch (IOException | RuntimeException e) {
            Files.deleteIfExists(tmp);
            throw e;
        }
        Digest got = Digest.sha256(Digest.hex(md.digest()));
        if (!got.equals(diffId)) {
            Files.deleteIfExists(tmp);
            throw new ImageException.DigestMismatch("layer " + blob + " unpacks to " + got + " but the image config says "
                + diffId + ": the image is corrupt");
        }
        return tmp;
    }

    private static void dir(TarWriter tar, String name) throws IOException {
        TarEntry e = new TarEntry(name, TarEntry.DIR);
        e.mode = 0755;
        tar.add(e, null);
    }

    /** A blob; one from the store is verified as it is read (a changed file fails the save). */
    private static void blob(TarWriter tar, Digest d, InputStream content, long size) throws IOException {
        TarEntry e = new TarEntry("blobs/sha256/" + d.hex(), TarEntry.FILE);
        e.size = size;
        try (InputStream in = content) {
            tar.add(e, in);
        }
    }

    private static void bytes(TarWriter tar, String name, byte[] b) throws IOException {
        TarEntry e = new TarEntry(name, TarEntry.FILE);
        e.size = b.length;
        tar.add(e, new java.io.ByteArrayInputStream(b));
    }
}
