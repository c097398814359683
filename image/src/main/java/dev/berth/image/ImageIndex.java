package dev.berth.image;

import dev.berth.runtime.json.Json;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * An image index (OCI) or manifest list (docker): manifests for several platforms, or, as an
 * OCI layout's {@code index.json}, the images of the layout with their names as annotations.
 */
public record ImageIndex(String mediaType, List<Descriptor> manifests, Map<String, String> annotations) {
    public static ImageIndex parse(byte[] json) throws ImageException {
        Map<String, Object> m = Manifest.object(json, "image index");
        Object version = m.get("schemaVersion");
        if (!(version instanceof Number n) || n.intValue() != 2) {
            throw new ImageException.BadFormat("image index: schemaVersion must be 2");
        }
        String mediaType = m.get("mediaType") instanceof String s ? s : MediaTypes.OCI_INDEX;
        if (!MediaTypes.isIndex(mediaType)) {
            throw new ImageException.BadFormat("image index: media type " + mediaType + " is not an index");
        }
        if (m.get("config") != null || m.get("layers") != null) {
            throw new ImageException.BadFormat("image index: has \"config\" or \"layers\"; ambiguous, refused");
        }
        if (!(m.get("manifests") instanceof List<?> raw)) {
            throw new ImageException.BadFormat("image index: \"manifests\" must be an array");
        }
        List<Descriptor> ds = new ArrayList<>();
        for (Object o : raw) {
            ds.add(Descriptor.fromJson(o, "image index entry"));
        }
        return new ImageIndex(mediaType, List.copyOf(ds), Manifest.stringMap(m.get("annotations")));
    }

    public byte[] toJson() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("schemaVersion", 2);
        m.put("mediaType", mediaType);
        List<Object> ls = new ArrayList<>();
        for (Descriptor d : manifests) {
            ls.add(d.toJson());
        }
        m.put("manifests", ls);
        if (annotations != null && !annotations.isEmpty()) {
            m.put("annotations", new LinkedHashMap<String, Object>(annotations));
        }
        return Json.compact(m).getBytes(StandardCharsets.UTF_8);
    }

    /**
     * The manifest for {@code wanted}: an exact match first, then one without a platform when
     * it is the only entry. Null when none fits.
     */
    public Descriptor pick(Platform wanted) {
        for (Descriptor d : manifests) {
            if (d.platform() != null && MediaTypes.isManifest(d.mediaType()) && d.platform().matches(wanted)) {
                return d;
            }
        }
        if (manifests.size() == 1 && manifests.get(0).platform() == null) {
            return manifests.get(0);
        }
        return null;
    }
}
