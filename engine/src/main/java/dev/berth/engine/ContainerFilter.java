package dev.berth.engine;

import dev.berth.runtime.json.Json;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * docker ps's {@code --filter}, on container states (docker inspect's shape): values of one key
 * match if any matches, different keys all must. Shared by {@code berth ps} and the daemon's
 * {@code GET /containers/json?filters=}.
 */
public final class ContainerFilter {
    private static final Set<String> KEYS = Set.of("id", "name", "label", "status", "exited", "ancestor",
        "network", "before", "since", "health");
    private static final Set<String> STATUSES = Set.of("created", "restarting", "running", "removing", "paused",
        "exited", "dead");
    private static final Set<String> HEALTH = Set.of("starting", "healthy", "unhealthy", "none");

    private final Map<String, List<String>> byKey;
    private final Map<String, Pattern> names = new LinkedHashMap<>();

    private ContainerFilter(Map<String, List<String>> byKey) {
        this.byKey = byKey;
    }

    /** From {@code key=value} strings, as given to {@code --filter}. */
    public static ContainerFilter parse(List<String> specs) throws EngineException {
        Map<String, List<String>> byKey = new LinkedHashMap<>();
        for (String spec : specs) {
            int eq = spec.indexOf('=');
            if (eq <= 0) {
                throw new EngineException.InvalidArgument("bad format of filter \"" + spec + "\": expected name=value");
            }
            byKey.computeIfAbsent(spec.substring(0, eq).toLowerCase(), k -> new java.util.ArrayList<>())
                .add(spec.substring(eq + 1));
        }
        return of(byKey);
    }

    /** From docker's JSON form, {@code {"status": ["running"]}} (older clients: {@code {"status": {"running": true}}}). */
    public static ContainerFilter of(Map<String, List<String>> byKey) throws EngineException {
        ContainerFilter f = new ContainerFilter(byKey);
        for (var e : byKey.entrySet()) {
            if (!KEYS.contains(e.getKey())) {
                throw new EngineException.InvalidArgument("invalid filter '" + e.getKey() + "': use one of "
                    + String.join(", ", new java.util.TreeSet<>(KEYS)));
            }
            for (String v : e.getValue()) {
                switch (e.getKey()) {
                    case "status" -> {
                        if (!STATUSES.contains(v)) {
                            throw new EngineException.InvalidArgument("invalid filter 'status=" + v + "': use one of "
                                + String.join(", ", new java.util.TreeSet<>(STATUSES)));
                        }
                    }
                    case "health" -> {
                        if (!HEALTH.contains(v)) {
                            throw new EngineException.InvalidArgument("Unrecognised filter value for health: " + v
                                + "; use one of none, starting, healthy, unhealthy");
                        }
                    }
                    case "exited" -> {
                        if (!v.matches("-?[0-9]+")) {
                            throw new EngineException.InvalidArgument("invalid filter 'exited=" + v + "': give an exit code");
                        }
                    }
                    case "name" -> {
                        try {
                            f.names.put(v, Pattern.compile(v));
                        } catch (PatternSyntaxException x) {
                            throw new EngineException.InvalidArgument("invalid filter 'name=" + v + "': "
                                + x.getDescription() + " (a regular expression)");
                        }
                    }
                    default -> { }
                }
            }
        }
        return f;
    }

    public boolean isEmpty() {
        return byKey.isEmpty();
    }

    /** Filters on states a plain ps leaves out (exited, created): docker then lists all. */
    public boolean needsAll() {
        return byKey.containsKey("exited") || byKey.containsKey("status") || byKey.containsKey("before")
            || byKey.containsKey("since");
    }

    /** {@code all} the containers, as ordered by {@link Engine#list}: before/since refer to them. */
    public boolean matches(Map<String, Object> c, List<Map<String, Object>> all) {
        for (var e : byKey.entrySet()) {
            boolean any = false;
            for (String v : e.getValue()) {
                if (one(e.getKey(), v, c, all)) {
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

    private boolean one(String key, String v, Map<String, Object> c, List<Map<String, Object>> all) {
        Map<String, Object> state = Json.map(c, "State");
        Map<String, Object> config = Json.map(c, "Config");
        String name = String.valueOf(c.get("Name"));
        return switch (key) {
            case "id" -> String.valueOf(c.get("Id")).startsWith(v);
            case "name" -> names.get(v).matcher(name.substring(1)).find() || names.get(v).matcher(name).find();
            case "label" -> label(config, v);
            case "status" -> state != null && v.equals(state.get("Status"));
            case "exited" -> state != null && "exited".equals(state.get("Status"))
                && String.valueOf(state.get("ExitCode")).equals(String.valueOf(Integer.parseInt(v)));
            case "ancestor" -> config != null && (v.equals(config.get("Image")) || v.equals(c.get("Image"))
                || String.valueOf(c.get("Image")).startsWith("sha256:" + v));
            case "network" -> networks(c).containsKey(v);
            case "health" -> v.equals(health(state));
            case "before", "since" -> relative(key, v, c, all);
            default -> false;
        };
    }

    /** docker's view of a container's health: its State.Health.Status, or "none" without a healthcheck. */
    private static String health(Map<String, Object> state) {
        Map<String, Object> h = state == null ? null : Json.map(state, "Health");
        return h == null || h.get("Status") == null ? "none" : String.valueOf(h.get("Status"));
    }

    private static boolean label(Map<String, Object> config, String v) {
        Map<String, Object> labels = config == null ? null : Json.map(config, "Labels");
        if (labels == null) {
            return false;
        }
        int eq = v.indexOf('=');
        return eq < 0 ? labels.containsKey(v) : v.substring(eq + 1).equals(labels.get(v.substring(0, eq)));
    }

    private static Map<String, Object> networks(Map<String, Object> c) {
        Map<String, Object> settings = Json.map(c, "NetworkSettings");
        Map<String, Object> nets = settings == null ? null : Json.map(settings, "Networks");
        return nets == null ? Map.of() : nets;
    }

    /** before=REF: created earlier than REF; since=REF: later. REF is a name or an id prefix. */
    private static boolean relative(String key, String ref, Map<String, Object> c, List<Map<String, Object>> all) {
        for (Map<String, Object> other : all) {
            String id = String.valueOf(other.get("Id"));
            if (id.startsWith(ref) || String.valueOf(other.get("Name")).equals("/" + ref)) {
                int cmp = String.valueOf(c.get("Created")).compareTo(String.valueOf(other.get("Created")));
                return key.equals("before") ? cmp < 0 : cmp > 0;
            }
        }
        return false;
    }
}
