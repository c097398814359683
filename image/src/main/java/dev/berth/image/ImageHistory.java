package dev.berth.image;

import dev.berth.runtime.Timestamps;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * {@code history}: the config's history entries, newest first, each with the layer it made
 * (entries marked {@code empty_layer} made none). A config without history gets one row per
 * layer. Sizes are what each layer unpacks to ({@link LayerSizes}), as docker shows them, or the
 * blob's size when the layer cannot be read; the top row carries the image id, the others {@code <missing>}, as
 * docker shows images whose parents it does not have.
 */
public final class ImageHistory {
    private ImageHistory() {}

    /**
     * One row.
     *
     * @param id the image id for the newest row, else {@code <missing>}
     * @param createdNanos -1 when unknown
     */
    public record Entry(String id, long createdNanos, String createdBy, long size, String comment) {}

    /** The rows, each layer measured unpacked (counted once per layer, then kept in the store). */
    public static List<Entry> of(ImageStore store, Image image) {
        List<Descriptor> layers = image.manifest().layers();
        return of(image, i -> {
            long n = LayerSizes.of(store, layers.get(i));
            return n >= 0 ? n : layers.get(i).size();
        });
    }

    /** The rows, with the blob sizes the manifest gives. */
    public static List<Entry> of(Image image) {
        return of(image, i -> image.manifest().layers().get(i).size());
    }

    private static List<Entry> of(Image image, java.util.function.IntToLongFunction layerSize) {
        List<Descriptor> layers = image.manifest().layers();
        List<Entry> rows = new ArrayList<>();
        int layer = 0;
        if (image.config().json().get("history") instanceof List<?> history && !history.isEmpty()) {
            for (Object o : history) {
                if (!(o instanceof Map<?, ?> h)) {
                    continue;
                }
                boolean empty = Boolean.TRUE.equals(h.get("empty_layer"));
                long size = 0;
                if (!empty && layer < layers.size()) {
                    size = layerSize.applyAsLong(layer++);
                }
                rows.add(new Entry("<missing>", time(h.get("created")), str(h.get("created_by")), size, str(h.get("comment"))));
            }
        }
        long created = time(image.config().json().get("created"));
        for (; layer < layers.size(); layer++) {
            rows.add(new Entry("<missing>", created, "", layerSize.applyAsLong(layer), ""));
        }
        List<Entry> out = new ArrayList<>();
        for (int i = rows.size() - 1; i >= 0; i--) {
            Entry e = rows.get(i);
            out.add(i == rows.size() - 1 ? new Entry(image.id().toString(), e.createdNanos(), e.createdBy(), e.size(), e.comment()) : e);
        }
        return out;
    }

    private static long time(Object o) {
        return o instanceof String s ? Timestamps.parse(s) : -1;
    }

    private static String str(Object o) {
        return o instanceof String s ? s : "";
    }
}
