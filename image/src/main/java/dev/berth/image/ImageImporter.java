package dev.berth.image;

import dev.berth.runtime.Timestamps;
import dev.berth.runtime.json.Json;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * docker's {@code import}: a root filesystem tarball (plain, gzip or zstd, detected) becomes an
 * image of one layer. The layer is stored uncompressed (its digest is its diff id), after the
 * whole stream was read through the tar reader, so garbage is refused before anything is
 * registered; the config gets the {@code --change} instructions ({@link ConfigChanges}) and a
 * history entry whose comment is the message, or {@code Imported from SOURCE}.
 */
public final class ImageImporter {
    private final ImageStore store;
    private long maxLayer = 64L << 30;

    public ImageImporter(ImageStore store) {
        this.store = store;
    }

    /** The largest uncompressed layer accepted (default 64 GiB). */
    public ImageImporter maxLayer(long bytes) {
        this.maxLayer = bytes;
        return this;
    }

    /**
     * Imports {@code rootfs} (read to its end, not closed).
     *
     * @param changes Dockerfile instructions for the config; checked before the stream is read
     * @param message the commit message ({@code -m}), or null
     * @param source where the tarball came from, for the default comment ({@code -} for stdin)
     * @param tag the name to give the image, or null
     */
    public Image importRootfs(InputStream rootfs, List<String> changes, String message, String source, ImageRef tag,
        Platform platform) throws IOException {
        Image img = importTar(rootfs, changes, message, source, tag, platform);
        ImageEvents.log(store, "import", img.id().toString(), tag == null ? img.id().toString() : tag.familiar());
        return img;
    }

    private Image importTar(InputStream rootfs, List<String> changes, String message, String source, ImageRef tag,
        Platform platform) throws IOException {
        Map<String, Object> containerConfig = ConfigChanges.apply(new LinkedHashMap<>(), changes);
        if (tag != null && tag.digest() != null) {
            throw new ImageException.InvalidReference("cannot import as " + tag.familiar() + ": a tag is needed, not a digest");
        }
        try (Lease l = store.lease()) {
            InputStream in = Compression.open(new BufferedInputStream(rootfs, 64 * 1024));
            BlobStore.Blob layer = store.blobs().put(in, null, -1, maxLayer);
            if (layer.size() == 0) {
                throw new ImageException.BadFormat("the rootfs tarball is empty; give a tar of a directory (tar -C DIR -c .)");
            }
            try (InputStream b = store.blobs().open(layer.digest())) {
                TarReader tar = new TarReader(b);
                while (tar.next() != null) {
                    // every header is read and checked
                }
            } catch (java.io.EOFException | ImageException.BadFormat e) {
                throw new ImageException.BadFormat("not a rootfs tarball (" + e.getMessage()
                    + "); give a tar of a directory, e.g. tar -C DIR -c .", e);
            }
            String now = Timestamps.now();
            String comment = message != null && !message.isEmpty() ? message : "Imported from " + source;
            Map<String, Object> history = new LinkedHashMap<>();
            history.put("created", now);
            history.put("comment", comment);
            List<Object> diffIds = new ArrayList<>();
            diffIds.add(layer.digest().toString());
            Map<String, Object> rootfsJson = new LinkedHashMap<>();
            rootfsJson.put("type", "layers");
            rootfsJson.put("diff_ids", diffIds);
            Map<String, Object> config = new LinkedHashMap<>();
            config.put("architecture", platform.architecture());
            if (platform.variant() != null) {
                config.put("variant", platform.variant());
            }
            if (message != null && !message.isEmpty()) {
                config.put("comment", message);
            }
            config.put("config", containerConfig);
            config.put("created", now);
            config.put("history", List.of(history));
            config.put("os", platform.os());
            config.put("rootfs", rootfsJson);
            BlobStore.Blob cfg = store.blobs().put(Json.compact(config).getBytes(StandardCharsets.UTF_8));
            Manifest m = new Manifest(MediaTypes.OCI_MANIFEST, new Descriptor(MediaTypes.OCI_CONFIG, cfg.digest(), cfg.size()),
                List.of(new Descriptor(MediaTypes.OCI_LAYER, layer.digest(), layer.size())), null);
            BlobStore.Blob mb = store.blobs().put(m.toJson());
            store.keep(mb.digest());
            if (tag != null) {
                store.tag(tag, mb.digest());
            }
            return store.image(mb.digest(), platform);
        }
    }
}
