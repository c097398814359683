package dev.berth.api;

import dev.berth.api.http.HttpException;
import dev.berth.engine.ContainerFilter;
import dev.berth.engine.EngineException;
import dev.berth.runtime.json.Json;
import dev.berth.runtime.json.JsonException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * docker's {@code filters} query parameter, {@code {"status":["running"],"label":["a=b"]}} (or
 * the older {@code {"status":{"running":true}}}), read into the engine's {@link ContainerFilter},
 * which {@code berth ps --filter} uses too, or into {@code KEY=VALUE} specs for the image filters.
 */
final class Filters {
    private Filters() {}

    static ContainerFilter parse(String json) throws HttpException {
        Map<String, List<String>> out = byKey(json);
        try {
            return ContainerFilter.of(out);
        } catch (EngineException e) {
            throw new HttpException(400, e.getMessage());
        }
    }

    /** The filters as {@code KEY=VALUE} specs, the form the image module's filters read. */
    static List<String> specs(String json) throws HttpException {
        List<String> out = new ArrayList<>();
        for (Map.Entry<String, List<String>> e : byKey(json).entrySet()) {
            for (String v : e.getValue()) {
                out.add(e.getKey() + "=" + v);
            }
        }
        return out;
    }

    /** The values of each key, in either of docker's forms; empty for no filters. */
    static Map<String, List<String>> byKey(String json) throws HttpException {
        Map<String, List<String>> out = new LinkedHashMap<>();
        if (json != null && !json.isEmpty()) {
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
                    throw new HttpException(400, "invalid filter '" + e.getKey() + "': give a list of values");
                }
                out.put((String) e.getKey(), vs);
            }
        }
        return out;
    }
}
