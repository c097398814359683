package dev.berth.runtime.events;

import dev.berth.runtime.json.Json;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * docker's events filters ({@code docker events -f KEY=VALUE}, the API's {@code filters}),
 * with docker's rules: values of one key are alternatives, keys must all match, and a key
 * that names a kind of object ({@code container}, {@code network}, ...) keeps only events of
 * that kind whose ID or name starts with a value. {@code image} matches a container's image
 * or an image's id or name, with or without its tag; {@code label} matches the actor's
 * attributes (a container's labels are among them), {@code KEY} or {@code KEY=VALUE}.
 */
public final class EventFilter {
    private static final Set<String> KEYS = Set.of("config", "container", "daemon", "event", "image", "label",
        "network", "node", "plugin", "scope", "secret", "service", "type", "volume");
    private static final Set<String> TYPES = Set.of("container", "image", "volume", "network", "daemon", "plugin",
        "node", "service", "secret", "config", "builder");
    /** Actions given without their detail match every detail ({@code exec_start: sh} by {@code exec_start}). */
    private static final Set<String> PREFIX_ACTIONS = Set.of("health_status", "exec_create", "exec_start");

    private final Map<String, List<String>> filters;

    private EventFilter(Map<String, List<String>> filters) {
        this.filters = filters;
    }

    /** Refuses unknown keys and types with docker's messages (the API answers them with 400). */
    public static EventFilter of(Map<String, List<String>> filters) {
        Map<String, List<String>> copy = new LinkedHashMap<>();
        for (Map.Entry<String, List<String>> e : filters.entrySet()) {
            if (!KEYS.contains(e.getKey())) {
                throw new IllegalArgumentException("invalid filter '" + e.getKey() + "'");
            }
            if (e.getKey().equals("type")) {
                for (String t : e.getValue()) {
                    if (!TYPES.contains(t)) {
                        throw new IllegalArgumentException("invalid filter 'type=" + t + "': use container, image,"
                            + " network, volume, daemon, plugin, node, service, secret or config");
                    }
                }
            }
            copy.put(e.getKey(), List.copyOf(e.getValue()));
        }
        return new EventFilter(copy);
    }

    public static EventFilter none() {
        return new EventFilter(Map.of());
    }

    /** Whether the event (a parsed log line) passes. */
    public boolean matches(Map<String, Object> event) {
        String type = str(event.get("Type"));
        String action = str(event.get("Action"));
        Map<String, Object> actor = Json.map(event, "Actor");
        String id = actor == null ? "" : str(actor.get("ID"));
        Map<String, Object> attrs = actor == null ? null : Json.map(actor, "Attributes");
        String name = attrs == null ? "" : str(attrs.get("name"));
        return matchAction(action)
            && exact("type", type)
            && exact("scope", str(event.get("scope")))
            && named("container", "container", type, id, name)
            && named("network", "network", type, id, name)
            && named("volume", "volume", type, id, name)
            && named("plugin", "plugin", type, id, name)
            && named("daemon", "daemon", type, id, name)
            && named("node", "node", type, id, name)
            && named("service", "service", type, id, name)
            && named("secret", "secret", type, id, name)
            && named("config", "config", type, id, name)
            && matchImage(type, id, attrs)
            && matchLabels(attrs);
    }

    private boolean matchAction(String action) {
        List<String> vs = filters.get("event");
        if (vs == null) {
            return true;
        }
        for (String v : vs) {
            if (v.equals(action)) {
                return true;
            }
            if (PREFIX_ACTIONS.contains(v) && action.startsWith(v)) {
                return true;
            }
        }
        return false;
    }

    private boolean exact(String key, String value) {
        List<String> vs = filters.get(key);
        return vs == null || vs.contains(value);
    }

    /** docker's fuzzy match: the key's values as prefixes of an event of that type's ID or name. */
    private boolean named(String key, String ofType, String type, String id, String name) {
        List<String> vs = filters.get(key);
        if (vs == null) {
            return true;
        }
        if (!type.equals(ofType)) {
            return false;
        }
        for (String v : vs) {
            if (id.startsWith(v) || !name.isEmpty() && name.startsWith(v)) {
                return true;
            }
        }
        return false;
    }

    private boolean matchImage(String type, String id, Map<String, Object> attrs) {
        List<String> vs = filters.get("image");
        if (vs == null) {
            return true;
        }
        String image = attrs == null ? "" : str(attrs.get(type.equals("image") ? "name" : "image"));
        for (String v : vs) {
            if (v.equals(id) || v.equals(image) || v.equals(stripTag(id)) || v.equals(stripTag(image))) {
                return true;
            }
        }
        return false;
    }

    private static String stripTag(String ref) {
        int slash = ref.lastIndexOf('/');
        int colon = ref.lastIndexOf(':');
        int at = ref.indexOf('@');
        if (at >= 0) {
            return ref.substring(0, at);
        }
        return colon > slash && !ref.startsWith("sha256:") ? ref.substring(0, colon) : ref;
    }

    private boolean matchLabels(Map<String, Object> attrs) {
        List<String> vs = filters.get("label");
        if (vs == null) {
            return true;
        }
        for (String v : vs) {
            int eq = v.indexOf('=');
            String k = eq < 0 ? v : v.substring(0, eq);
            Object have = attrs == null ? null : attrs.get(k);
            if (have == null || eq >= 0 && !v.substring(eq + 1).equals(str(have))) {
                return false;
            }
        }
        return true;
    }

    private static String str(Object o) {
        return o == null ? "" : String.valueOf(o);
    }
}
