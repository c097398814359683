package dev.berth.image;

import dev.berth.runtime.Timestamps;
import dev.berth.runtime.json.Json;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * docker's {@code commit}: a new image made of an image's layers and one more, the changes of a
 * container ({@link ContainerDiff}), stored uncompressed (its digest is its diff id). The config
 * is the image's with the container's own settings ({@code config}), the {@code --change}
 * instructions applied to them ({@link ConfigChanges}), and a history entry. A container that
 * changed nothing adds no layer: its history entry says {@code empty_layer}, as docker's does.
 */
public final class ImageCommitter {
    private final ImageStore store;
    private long maxLayer = 64L << 30;

    /** What goes into the new image besides the files. */
    public record Request(Map<String, Object> containerConfig, List<String> changes, String author, String message,
        String createdBy, ImageRef tag) {}

    public ImageCommitter(ImageStore store) {
        this.store = store;
    }

    /** The largest layer accepted (default 64 GiB). */
    public ImageCommitter maxLayer(long bytes) {
        this.maxLayer = bytes;
        return this;
    }

    /**
     * Commits: the instructions are checked first, then the layer is written and stored, then the
     * config, the manifest and the tag. Everything is written under the store's lease, so a
     * collection cannot take the new blobs before the image holds them.
     */
    public Image commit(Image base, ContainerDiff diff, Request r) throws IOException {
        if (r.tag() != null && r.tag().digest() != null) {
            throw new ImageException.InvalidReference("cannot commit as " + r.tag().familiar()
                + ": give a repository and tag, not a digest");
        }
        Map<String, Object> containerConfig = ConfigChanges.apply(new LinkedHashMap<>(r.containerConfig()), r.changes());
        try (Lease l = store.lease()) {
            boolean[] any = {false};
            BlobStore.Blob layer = store.blobs().write(out -> any[0] = diff.writeLayer(out), maxLayer);
            String now = Timestamps.now();
            Map<String, Object> config = new LinkedHashMap<>(base.config().json());
            config.remove("container");
            config.remove("container_config");
            if (r.author() != null && !r.author().isEmpty()) {
                config.put("author", r.author());
            } else {
                config.remove("author");
            }
            if (r.message() != null && !r.message().isEmpty()) {
                config.put("comment", r.message());
            } else {
                config.remove("comment");
            }
            config.put("config", containerConfig);
            config.put("created", now);
            List<Object> history = new ArrayList<>();
            if (config.get("history") instanceof List<?> h) {
                history.addAll(h);
            }
            Map<String, Object> entry = new LinkedHashMap<>();
            entry.put("created", now);
            if (r.author() != null && !r.author().isEmpty()) {
                entry.put("author", r.author());
            }
            entry.put("created_by", r.createdBy() == null ? "" : r.createdBy());
            if (r.message() != null && !r.message().isEmpty()) {
                entry.put("comment", r.message());
            }
            if (!any[0]) {
                entry.put("empty_layer", true);
            }
            history.add(entry);
            config.put("history", history);
            List<Object> diffIds = new ArrayList<>();
            for (Digest d : base.config().diffIds()) {
                diffIds.add(d.toString());
            }
            List<Descriptor> layers = new ArrayList<>();
            for (Descriptor d : base.manifest().layers()) {
                layers.add(new Descriptor(ociLayerType(d.mediaType()), d.digest(), d.size()));
            }
            if (any[0]) {
                diffIds.add(layer.digest().toString());
                layers.add(new Descriptor(MediaTypes.OCI_LAYER, layer.digest(), layer.size()));
            }
            Map<String, Object> rootfs = new LinkedHashMap<>();
            rootfs.put("type", "layers");
            rootfs.put("diff_ids", diffIds);
            config.put("rootfs", rootfs);
            BlobStore.Blob cfg = store.blobs().put(Json.compact(config).getBytes(StandardCharsets.UTF_8));
            Manifest m = new Manifest(MediaTypes.OCI_MANIFEST, new Descriptor(MediaTypes.OCI_CONFIG, cfg.digest(), cfg.size()),
                layers, null);
            BlobStore.Blob mb = store.blobs().put(m.toJson());
            store.keep(mb.digest());
            if (r.tag() != null) {
                store.tag(r.tag(), mb.digest());
            }
            return store.image(mb.digest(), platform(base));
        }
    }

    private static Platform platform(Image base) {
        String os = base.config().os() == null ? "linux" : base.config().os();
        String arch = base.config().architecture() == null ? Platform.current().architecture() : base.config().architecture();
        return new Platform(os, arch, base.config().json().get("variant") instanceof String v ? v : null);
    }

    /** The OCI name of a layer's media type (an OCI manifest names its layers in OCI terms). */
    static String ociLayerType(String t) {
        if (MediaTypes.DOCKER_LAYER.equals(t)) {
            return MediaTypes.OCI_LAYER;
        }
        if (MediaTypes.DOCKER_LAYER_GZIP.equals(t)) {
            return MediaTypes.OCI_LAYER_GZIP;
        }
        if (MediaTypes.DOCKER_FOREIGN_LAYER.equals(t)) {
            return "application/vnd.oci.image.layer.nondistributable.v1.tar+gzip";
        }
        return t;
    }
}
