package dev.berth.runtime.oci;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Unmodifiable copies that keep document order (Map.copyOf does not, and an OCI document
 * written back out should read like the one that came in) and allow the JSON nulls that a raw
 * section such as {@code linux.seccomp} may hold.
 */
final class Frozen {
    private Frozen() {}

    static <V> Map<String, V> map(Map<String, V> m) {
        if (m == null) {
            return null;
        }
        return Collections.unmodifiableMap(new LinkedHashMap<>(m));
    }

    /** A deep copy of a parsed JSON object: nested objects and arrays become unmodifiable too. */
    @SuppressWarnings("unchecked")
    static Map<String, Object> json(Map<String, Object> m) {
        return m == null ? null : (Map<String, Object>) deep(m);
    }

    private static Object deep(Object v) {
        if (v instanceof Map<?, ?> m) {
            Map<String, Object> out = new LinkedHashMap<>();
            for (Map.Entry<?, ?> e : m.entrySet()) {
                out.put((String) e.getKey(), deep(e.getValue()));
            }
            return Collections.unmodifiableMap(out);
        }
        if (v instanceof List<?> l) {
            List<Object> out = new ArrayList<>(l.size());
            for (Object o : l) {
                out.add(deep(o));
            }
            return Collections.unmodifiableList(out);
        }
        return v;
    }
}
