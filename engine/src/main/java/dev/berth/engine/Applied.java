package dev.berth.engine;

import dev.berth.image.ImageConfig;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A request with its image's config applied as docker applies it: the flags win, the image
 * fills in what they leave out.
 *
 * <ul>
 * <li>the command is Entrypoint + Cmd; {@code --entrypoint} replaces the Entrypoint and drops
 *     the image's Cmd ({@code --entrypoint ""} leaves none); arguments after the image replace Cmd;
 * <li>Env: the image's, then {@code -e}; WorkingDir under {@code -w}; User under {@code -u};
 * <li>ExposedPorts join {@code --expose} (and so {@code -P}); Labels are merged under
 *     {@code --label}; StopSignal yields to {@code --stop-signal}; Healthcheck under the
 *     {@code --health-*} flags field by field ({@code --no-healthcheck}: NONE), and Shell for its
 *     CMD-SHELL test.
 * </ul>
 */
record Applied(List<String> entrypoint, List<String> cmd, Map<String, String> imageEnv, String workdir,
    String user, List<String> expose, Map<String, String> labels, String stopSignal, Map<String, Object> healthcheck,
    List<String> shell) {

    /** The argv of the container's first process. */
    List<String> argv() {
        List<String> out = new ArrayList<>(entrypoint);
        out.addAll(cmd);
        return out;
    }

    /** {@code config} is the image's (null for {@code host} and {@code --rootfs}). */
    static Applied of(ContainerRequest r, ImageConfig config) {
        Map<String, Object> c = config == null ? Map.of() : config.containerConfig();
        List<String> entrypoint = r.entrypoint != null ? r.entrypoint : strings(c.get("Entrypoint"));
        List<String> cmd = !r.command.isEmpty() ? r.command : r.entrypoint != null ? List.of() : strings(c.get("Cmd"));
        Map<String, String> env = new LinkedHashMap<>();
        for (String e : strings(c.get("Env"))) {
            ContainerRequest.putEnv(env, e.indexOf('=') < 0 ? e + "=" : e);
        }
        String workdir = r.workdir != null ? r.workdir : nonEmpty(c.get("WorkingDir"));
        String user = r.user != null ? r.user : nonEmpty(c.get("User"));
        List<String> expose = new ArrayList<>();
        if (c.get("ExposedPorts") instanceof Map<?, ?> ports) {
            for (Object k : ports.keySet()) {
                expose.add(String.valueOf(k));
            }
        }
        for (String e : r.expose) {
            if (!expose.contains(e)) {
                expose.add(e);
            }
        }
        Map<String, String> labels = new LinkedHashMap<>();
        if (c.get("Labels") instanceof Map<?, ?> l) {
            for (Map.Entry<?, ?> e : l.entrySet()) {
                labels.put(String.valueOf(e.getKey()), String.valueOf(e.getValue()));
            }
        }
        labels.putAll(r.labels);
        String stop = r.stopSignal != null ? r.stopSignal : nonEmpty(c.get("StopSignal"));
        HealthConfig image = HealthConfig.fromJson(c.get("Healthcheck"));
        HealthConfig merged = r.healthcheck != null ? r.healthcheck.over(image) : image;
        Map<String, Object> health = merged == null ? null : merged.toJson();
        return new Applied(entrypoint, cmd, env, workdir, user, expose, labels, stop, health, strings(c.get("Shell")));
    }

    private static List<String> strings(Object o) {
        List<String> out = new ArrayList<>();
        if (o instanceof List<?> l) {
            for (Object x : l) {
                out.add(String.valueOf(x));
            }
        }
        return out;
    }

    private static String nonEmpty(Object o) {
        return o instanceof String s && !s.isEmpty() ? s : null;
    }
}
