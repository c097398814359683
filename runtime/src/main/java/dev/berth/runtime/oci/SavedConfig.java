package dev.berth.runtime.oci;

import java.util.LinkedHashMap;
import java.util.Map;

/** Changes to the config.json a container was created from, as {@code update} makes them. */
final class SavedConfig {
    private SavedConfig() {}

    /**
     * Merges a LinuxResources document into {@code config}'s {@code linux.resources} and returns
     * that section. Objects merge field by field (runc's update sets the fields it was given and
     * keeps the rest); anything else, lists included ({@code devices}, throttles), replaces the
     * old value; a null leaves it.
     */
    static Map<String, Object> mergeResources(Map<String, Object> config, Map<String, Object> resources) {
        Map<String, Object> linux = object(config, "linux");
        Map<String, Object> merged = object(linux, "resources");
        merge(merged, resources);
        return merged;
    }

    private static void merge(Map<String, Object> into, Map<String, Object> from) {
        for (Map.Entry<String, Object> e : from.entrySet()) {
            Object v = e.getValue();
            if (v == null) {
                continue;
            }
            if (v instanceof Map<?, ?> m && into.get(e.getKey()) instanceof Map<?, ?>) {
                @SuppressWarnings("unchecked")
                Map<String, Object> change = (Map<String, Object>) m;
                merge(object(into, e.getKey()), change);
            } else {
                into.put(e.getKey(), v);
            }
        }
    }

    /** {@code parent[key]} as a mutable object, made (or replaced, if it is not an object) when needed. */
    @SuppressWarnings("unchecked")
    private static Map<String, Object> object(Map<String, Object> parent, String key) {
        Object v = parent.get(key);
        Map<String, Object> m = v instanceof Map<?, ?> old ? new LinkedHashMap<>((Map<String, Object>) old)
            : new LinkedHashMap<>();
        parent.put(key, m);
        return m;
    }
}
