package dev.berth.api;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Typed reads of a JSON request body, with docker's leniency (a missing or null field is
 * unset, an unknown field is ignored) and its strictness (a field of the wrong type is a 400
 * naming the field).
 */
final class Body {
    private final Map<String, Object> m;
    private final String where;

    Body(Map<String, Object> m, String where) {
        this.m = m == null ? Map.of() : m;
        this.where = where;
    }

    private BadRequest wrong(String key, String type) {
        Object v = m.get(key);
        String got = v instanceof String ? "string" : v instanceof Boolean ? "bool" : v instanceof Number ? "number"
            : v instanceof List ? "array" : v instanceof Map ? "object" : "value";
        return new BadRequest("json: cannot unmarshal " + got + " into field " + where + key + " of type " + type);
    }

    String str(String key) throws BadRequest {
        Object v = m.get(key);
        if (v == null || v instanceof String) {
            return (String) v;
        }
        throw wrong(key, "string");
    }

    boolean bool(String key) throws BadRequest {
        Object v = m.get(key);
        if (v == null || v instanceof Boolean) {
            return Boolean.TRUE.equals(v);
        }
        throw wrong(key, "bool");
    }

    /** As {@link #bool}, for a body already checked. */
    boolean boolOrFalse(String key) {
        return Boolean.TRUE.equals(m.get(key));
    }

    /** A whole number, or null. */
    Long num(String key) throws BadRequest {
        Object v = m.get(key);
        if (v == null) {
            return null;
        }
        if (v instanceof Integer || v instanceof Long) {
            return ((Number) v).longValue();
        }
        throw wrong(key, "int64");
    }

    /** An array of whole numbers, or null. */
    long[] numbers(String key) throws BadRequest {
        Object v = m.get(key);
        if (v == null) {
            return null;
        }
        if (!(v instanceof List<?> l)) {
            throw wrong(key, "[]uint");
        }
        long[] out = new long[l.size()];
        for (int i = 0; i < out.length; i++) {
            if (!(l.get(i) instanceof Integer || l.get(i) instanceof Long)) {
                throw wrong(key, "[]uint");
            }
            out[i] = ((Number) l.get(i)).longValue();
        }
        return out;
    }

    /** docker's StrSlice: an array of strings, or one string. */
    List<String> strings(String key) throws BadRequest {
        Object v = m.get(key);
        if (v == null) {
            return List.of();
        }
        if (v instanceof String s) {
            return List.of(s);
        }
        if (v instanceof List<?> l) {
            List<String> out = new ArrayList<>();
            for (Object o : l) {
                if (!(o instanceof String s)) {
                    throw wrong(key, "[]string");
                }
                out.add(s);
            }
            return out;
        }
        throw wrong(key, "[]string");
    }

    Map<String, String> strMap(String key) throws BadRequest {
        Object v = m.get(key);
        Map<String, String> out = new LinkedHashMap<>();
        if (v == null) {
            return out;
        }
        if (!(v instanceof Map<?, ?> mm)) {
            throw wrong(key, "map[string]string");
        }
        for (Map.Entry<?, ?> e : mm.entrySet()) {
            if (!(e.getValue() instanceof String s)) {
                throw wrong(key, "map[string]string");
            }
            out.put((String) e.getKey(), s);
        }
        return out;
    }

    @SuppressWarnings("unchecked")
    Body object(String key) throws BadRequest {
        Object v = m.get(key);
        if (v == null || v instanceof Map) {
            return new Body((Map<String, Object>) v, where + key + ".");
        }
        throw wrong(key, "object");
    }

    /** An array of objects. */
    @SuppressWarnings("unchecked")
    List<Body> objects(String key) throws BadRequest {
        Object v = m.get(key);
        List<Body> out = new ArrayList<>();
        if (v == null) {
            return out;
        }
        if (!(v instanceof List<?> l)) {
            throw wrong(key, "[]object");
        }
        for (Object o : l) {
            if (!(o instanceof Map)) {
                throw wrong(key, "[]object");
            }
            out.add(new Body((Map<String, Object>) o, where + key + "[]."));
        }
        return out;
    }

    /** The keys of an object field (docker's ExposedPorts, PortBindings). */
    Map<String, Object> raw(String key) throws BadRequest {
        Object v = m.get(key);
        if (v == null) {
            return Map.of();
        }
        if (v instanceof Map<?, ?> mm) {
            Map<String, Object> out = new LinkedHashMap<>();
            mm.forEach((k, x) -> out.put((String) k, x));
            return out;
        }
        throw wrong(key, "object");
    }
}
