package dev.berth.image;

import dev.berth.runtime.json.Json;
import dev.berth.runtime.json.JsonException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * An image manifest (OCI, or docker's v2 schema 2, which has the same shape): the config
 * descriptor and the layers, lowest first.
 */
public record Manifest(String mediaType, Descriptor config, List<Descriptor> layers, Map<String, String> annotations) {
    /** Manifests and configs are small; a larger one is refused before it is parsed. */
    public static final long MAX_JSON = 4 * 1024 * 1024;

    public static Manifest parse(byte[] json) throws ImageException {
        Map<String, Object> m = object(json, "manifest");
        Object version = m.get("schemaVersion");
        if (!(version instanceof Number n) || n.intValue() != 2) {
            throw new ImageException.BadFormat("manifest: schemaVersion must be 2 (docker's schema 1 is not supported)");
        }
        String mediaType = m.get("mediaType") instanceof String s ? s : MediaTypes.OCI_MANIFEST;
        if (!MediaTypes.isManifest(mediaType)) {
            throw new ImageException.BadFormat("manifest: media type " + mediaType + " is not an image manifest");
        }
        if (m.get("manifests") != null) {
            throw new ImageException.BadFormat("manifest: has both a config and \"manifests\"; ambiguous, refused");
        }
        Descriptor config = Descriptor.fromJson(m.get("config"), "manifest config");
        if (!(m.get("layers") instanceof List<?> rawLayers)) {
            throw new ImageException.BadFormat("manifest: \"layers\" must be an array");
        }
        List<Descriptor> layers = new ArrayList<>();
        for (Object o : rawLayers) {
            Descriptor d = Descriptor.fromJson(o, "manifest layer");
            if (!MediaTypes.isLayer(d.mediaType())) {
                throw new ImageException.BadFormat("manifest: layer " + d.digest() + " has media type " + d.mediaType()
                    + ", which is not a filesystem layer");
            }
            layers.add(d);
        }
        return new Manifest(mediaType, config, List.copyOf(layers), stringMap(m.get("annotations")));
    }

    /** The manifest as canonical JSON bytes (what its digest is computed over). */
    public byte[] toJson() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("schemaVersion", 2);
        m.put("mediaType", mediaType);
        m.put("config", config.toJson());
        List<Object> ls = new ArrayList<>();
        for (Descriptor d : layers) {
            ls.add(d.toJson());
        }
        m.put("layers", ls);
        if (annotations != null && !annotations.isEmpty()) {
            m.put("annotations", new LinkedHashMap<String, Object>(annotations));
        }
        return Json.compact(m).getBytes(StandardCharsets.UTF_8);
    }

    static Map<String, Object> object(byte[] json, String what) throws ImageException {
        if (json.length > MAX_JSON) {
            throw new ImageException.Refused(what + " of " + json.length + " bytes is larger than the limit of " + MAX_JSON);
        }
        try {
            return Json.parseObject(new String(json, StandardCharsets.UTF_8));
        } catch (JsonException e) {
            throw new ImageException.BadFormat(what + " is not valid JSON: " + e.getMessage(), e);
        }
    }

    static Map<String, String> stringMap(Object o) {
        if (!(o instanceof Map<?, ?> raw)) {
            return null;
        }
        Map<String, String> out = new LinkedHashMap<>();
        for (Map.Entry<?, ?> e : raw.entrySet()) {
            if (e.getValue() instanceof String v) {
                out.put((String) e.getKey(), v);
            }
        }
        return out;
    }
}
