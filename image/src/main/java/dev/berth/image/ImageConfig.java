package dev.berth.image;

import dev.berth.runtime.json.Json;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * An image configuration (OCI config, docker's container image v1): the platform, the
 * uncompressed layer digests ({@code rootfs.diff_ids}), and the defaults of a container
 * ({@code config}: Env, Cmd, Entrypoint, WorkingDir, User, ...), kept as parsed JSON for the
 * engine to apply.
 */
public record ImageConfig(Map<String, Object> json, List<Digest> diffIds) {
    public static ImageConfig parse(byte[] bytes) throws ImageException {
        Map<String, Object> m = Manifest.object(bytes, "image config");
        Map<String, Object> rootfs = Json.map(m, "rootfs");
        if (rootfs == null || !"layers".equals(rootfs.get("type")) || !(rootfs.get("diff_ids") instanceof List<?> raw)) {
            throw new ImageException.BadFormat("image config: rootfs must be {\"type\":\"layers\",\"diff_ids\":[...]}");
        }
        List<Digest> ids = new ArrayList<>();
        for (Object o : raw) {
            try {
                ids.add(Digest.parse(String.valueOf(o)));
            } catch (ImageException.InvalidReference e) {
                throw new ImageException.BadFormat("image config: bad diff_id: " + e.getMessage());
            }
        }
        return new ImageConfig(m, List.copyOf(ids));
    }

    public String os() {
        return json.get("os") instanceof String s ? s : null;
    }

    public String architecture() {
        return json.get("architecture") instanceof String s ? s : null;
    }

    /** The container defaults ({@code config}), or an empty map. */
    public Map<String, Object> containerConfig() {
        Map<String, Object> c = Json.map(json, "config");
        return c == null ? Map.of() : c;
    }
}
