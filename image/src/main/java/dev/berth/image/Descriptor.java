package dev.berth.image;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * An OCI content descriptor: what a blob is, its digest and size, and for an index entry its
 * platform and annotations (both may be null).
 */
public record Descriptor(String mediaType, Digest digest, long size, Platform platform, Map<String, String> annotations) {
    public static final String REF_NAME = "org.opencontainers.image.ref.name";
    public static final String CONTAINERD_NAME = "io.containerd.image.name";

    public Descriptor(String mediaType, Digest digest, long size) {
        this(mediaType, digest, size, null, null);
    }

    static Descriptor fromJson(Object o, String where) throws ImageException {
        if (!(o instanceof Map<?, ?> raw)) {
            throw new ImageException.BadFormat(where + ": a descriptor must be a JSON object");
        }
        @SuppressWarnings("unchecked")
        Map<String, Object> m = (Map<String, Object>) raw;
        Object mt = m.get("mediaType");
        Object dg = m.get("digest");
        Object sz = m.get("size");
        if (!(mt instanceof String mediaType) || !(dg instanceof String digest) || !(sz instanceof Number size)) {
            throw new ImageException.BadFormat(where + ": a descriptor needs mediaType, digest and size");
        }
        if (size.longValue() < 0) {
            throw new ImageException.BadFormat(where + ": negative size in descriptor " + digest);
        }
        Digest d;
        try {
            d = Digest.parse(digest);
        } catch (ImageException.InvalidReference e) {
            throw new ImageException.BadFormat(where + ": " + e.getMessage());
        }
        Map<String, String> annotations = null;
        if (m.get("annotations") instanceof Map<?, ?> a) {
            annotations = new LinkedHashMap<>();
            for (Map.Entry<?, ?> e : a.entrySet()) {
                if (e.getValue() instanceof String v) {
                    annotations.put((String) e.getKey(), v);
                }
            }
        }
        return new Descriptor(mediaType, d, size.longValue(), Platform.fromJson(dev.berth.runtime.json.Json.map(m, "platform")),
            annotations);
    }

    Map<String, Object> toJson() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("mediaType", mediaType);
        m.put("digest", digest.toString());
        m.put("size", size);
        if (platform != null) {
            m.put("platform", platform.toJson());
        }
        if (annotations != null && !annotations.isEmpty()) {
            m.put("annotations", new LinkedHashMap<String, Object>(annotations));
        }
        return m;
    }

    /** The annotation, or null. */
    public String annotation(String key) {
        return annotations == null ? null : annotations.get(key);
    }
}
