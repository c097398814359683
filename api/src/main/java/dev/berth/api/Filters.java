package dev.berth.api;

import dev.berth.api.http.HttpException;
import dev.berth.runtime.json.Json;
import dev.berth.runtime.json.JsonException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * docker's {@code filters} query parameter: {@code {"status":["running"],"label":["a=b"]}} (or
 * the older {@code {"status":{"running":true}}}). Values of one key are alternatives; keys must
 * all match.
 */
final class Filters {
    static final List<String> KEYS = List.of("status", "name", "id", "label", "exited");

    private final Map<String, List<String>> values;

    private Filters(Map<String, List<String>> values) {
        this.values = values;
    }

    static Filters parse(String json) throws HttpException {
        Map<String, List<String>> out = new LinkedHashMap<>();
        if (json == null || json.isEmpty()) {
            return new Filters(out);
        }
        Object o;
        try {
            o = Json.parse(json);
        } catch (JsonException e) {
            throw new HttpException(400, "invalid filter: " + e.getMessage());
        }
        if (!(o instanceof Map<?, ?> m)) {
            throw new HttpException(400, "invalid filter: it must be a JSON object");
        }
        for (Map.Entry<?, ?> e : m.entrySet()) {
            String key = (String) e.getKey();
            if (!KEYS.contains(key)) {
                throw new HttpException(400, "invalid filter '" + key + "'");
            }
            List<String> vs = new ArrayList<>();
            if (e.getValue() instanceof List<?> l) {
                for (Object v : l) {
                    vs.add(String.valueOf(v));
                }
            } else if (e.getValue() instanceof Map<?, ?> mm) {
                for (Map.Entry<?, ?> v : mm.entrySet()) {
                    if (Boolean.TRUE.equals(v.getValue())) {
                        vs.add(String.valueOf(v.getKey()));
                    }
                }
            } else {
                throw new HttpException(400, "invalid filter '" + key + "': give a list of values");
            }
            if (key.equals("status")) {
                for (String v : vs) {
                    if (!List.of("created", "restarting", "running", "removing", "paused", "exited", "dead").contains(v)) {
                        throw new HttpException(400, "invalid filter 'status=" + v + "'");
                    }
                }
            }
            out.put(key, vs);
        }
        return new Filters(out);
    }

    boolean has(String key) {
        return values.containsKey(key);
    }

    boolean matches(Map<String, Object> s) {
        for (Map.Entry<String, List<String>> e : values.entrySet()) {
            boolean any = false;
            for (String v : e.getValue()) {
                if (match(e.getKey(), v, s)) {
                    any = true;
                    break;
                }
            }
            if (!any) {
                return false;
            }
        }
        return true;
    }

    private static boolean match(String key, String v, Map<String, Object> s) {
        Map<String, Object> st = Json.map(s, "State");
        switch (key) {
            case "status":
                return v.equals(st.get("Status"));
            case "name": {
                String name = String.valueOf(s.get("Name"));
                return name.contains(v.startsWith("/") ? v : v) || name.substring(1).equals(v);
            }
            case "id":
                return String.valueOf(s.get("Id")).startsWith(v);
            case "exited":
                return "exited".equals(st.get("Status")) && v.equals(String.valueOf(st.get("ExitCode")));
            case "label": {
                Map<String, Object> config = Json.map(s, "Config");
                Map<String, Object> labels = config == null ? null : Json.map(config, "Labels");
                if (labels == null) {
                    return false;
                }
                int eq = v.indexOf('=');
                return eq < 0 ? labels.containsKey(v) : v.substring(eq + 1).equals(labels.get(v.substring(0, eq)));
            }
            default:
                return false;
        }
    }
}
