package dev.berth.image;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * docker's {@code image inspect} shape of an image found in the store: Id, RepoTags,
 * RepoDigests, Created, Config (with the keys docker always shows), Architecture, Os, Size,
 * RootFS, Metadata, and containerd's Descriptor. {@code berth image inspect} and the daemon's
 * {@code GET /images/{name}/json} print the same.
 */
public final class ImageInspect {
    private ImageInspect() {}

    public static Map<String, Object> of(ImageCatalog.Match m) {
        ImageSummary s = m.image();
        Map<String, Object> cfg = s.image() == null ? Map.of() : s.image().config().json();
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("Id", s.id().toString());
        List<Object> tags = new ArrayList<>();
        for (ImageRef t : s.tags()) {
            tags.add(t.familiar());
        }
        out.put("RepoTags", tags);
        out.put("RepoDigests", new ArrayList<Object>(s.repoDigests()));
        out.put("Parent", "");
        out.put("Comment", cfg.get("comment") instanceof String c ? c : "");
        out.put("Created", s.created() == null ? "" : s.created());
        out.put("DockerVersion", cfg.get("docker_version") instanceof String v ? v : "");
        out.put("Author", cfg.get("author") instanceof String a ? a : "");
        out.put("Config", containerConfig(s));
        out.put("Architecture", cfg.get("architecture") instanceof String a ? a : "");
        if (cfg.get("variant") instanceof String v) {
            out.put("Variant", v);
        }
        out.put("Os", cfg.get("os") instanceof String o ? o : "");
        out.put("Size", s.size());
        Map<String, Object> rootfs = new LinkedHashMap<>();
        rootfs.put("Type", "layers");
        List<Object> layers = new ArrayList<>();
        if (s.image() != null) {
            for (Digest d : s.image().config().diffIds()) {
                layers.add(d.toString());
            }
        }
        rootfs.put("Layers", layers);
        out.put("RootFS", rootfs);
        Map<String, Object> meta = new LinkedHashMap<>();
        meta.put("LastTagTime", "0001-01-01T00:00:00Z");
        out.put("Metadata", meta);
        Map<String, Object> desc = new LinkedHashMap<>();
        desc.put("mediaType", m.root().descriptor().mediaType());
        desc.put("digest", m.root().digest().toString());
        desc.put("size", m.root().descriptor().size());
        out.put("Descriptor", desc);
        return out;
    }

    /** The config's container defaults, with the keys docker always shows. */
    private static Map<String, Object> containerConfig(ImageSummary s) {
        Map<String, Object> c = s.image() == null ? Map.of() : s.image().config().containerConfig();
        Map<String, Object> out = new LinkedHashMap<>();
        for (String k : List.of("User", "ExposedPorts", "Env", "Entrypoint", "Cmd", "Volumes", "WorkingDir", "Labels",
            "StopSignal")) {
            boolean always = k.equals("User") || k.equals("Env") || k.equals("Cmd") || k.equals("WorkingDir")
                || k.equals("Entrypoint") || k.equals("Labels");
            if (c.containsKey(k)) {
                out.put(k, c.get(k));
            } else if (always) {
                out.put(k, k.equals("User") || k.equals("WorkingDir") ? "" : null);
            }
        }
        for (Map.Entry<String, Object> e : c.entrySet()) {
            out.putIfAbsent(e.getKey(), e.getValue());
        }
        return out;
    }
}
