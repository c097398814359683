package dev.berth.api;

import dev.berth.api.http.HttpException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The images endpoints of this increment: the built-in {@code host} image only, so that
 * {@code docker run host ...} finds it. The image store's endpoints come later.
 */
final class Images {
    static final String HOST_ID = "sha256:" + "0".repeat(64);

    private Images() {}

    static void routes(Routes r) {
        r.get("/images/{name*}/json", (x, p) -> {
            Map<String, Object> image = inspect(p.get("name"));
            if (image == null) {
                throw new HttpException(404, "No such image: " + p.get("name"));
            }
            x.json(200, image);
        });
    }

    /** {@code host}, however the client spelled it; any other name unchanged. */
    static String normalize(String image) {
        String s = image;
        if (s.startsWith("docker.io/")) {
            s = s.substring("docker.io/".length());
        }
        if (s.startsWith("library/")) {
            s = s.substring("library/".length());
        }
        return s.equals("host") || s.equals("host:latest") ? "host" : image;
    }

    /** {@code GET /images/{name}/json}, or null when there is no such image. */
    static Map<String, Object> inspect(String name) {
        if (!normalize(name).equals("host")) {
            return null;
        }
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("Id", HOST_ID);
        m.put("RepoTags", List.of("host:latest"));
        m.put("RepoDigests", List.of());
        m.put("Parent", "");
        m.put("Comment", "berth's built-in image: the host's /usr, /bin, /sbin and /lib, read-only");
        m.put("Created", "1970-01-01T00:00:00Z");
        m.put("Author", "");
        Map<String, Object> config = new LinkedHashMap<>();
        config.put("Env", List.of("PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"));
        config.put("Cmd", null);
        config.put("Entrypoint", null);
        config.put("WorkingDir", "");
        config.put("Labels", Map.of());
        m.put("Config", config);
        m.put("Architecture", "amd64");
        m.put("Os", "linux");
        m.put("Size", 0);
        Map<String, Object> rootfs = new LinkedHashMap<>();
        rootfs.put("Type", "layers");
        rootfs.put("Layers", List.of());
        m.put("RootFS", rootfs);
        return m;
    }
}
