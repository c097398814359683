package dev.berth.api;

import dev.berth.api.http.Exchange;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The API's route table: a method and a path pattern per endpoint. A pattern's segments are
 * literals, {@code {name}} (one segment) or one {@code {name*}} (one or more segments, for image
 * names such as {@code localhost:5000/team/app}, which docker's router matches the same way).
 * GET routes also answer HEAD unless a HEAD route of the same path is registered.
 */
final class Routes {
    @FunctionalInterface
    interface Handler {
        void handle(Exchange x, Params p) throws Exception;
    }

    /** The values of a matched pattern's variables. */
    record Params(Map<String, String> values) {
        String get(String name) {
            return values.get(name);
        }
    }

    private record Route(String method, String[] pattern, Handler handler) { }

    private final List<Route> routes = new ArrayList<>();

    void get(String pattern, Handler h) {
        add("GET", pattern, h);
    }

    void head(String pattern, Handler h) {
        add("HEAD", pattern, h);
    }

    void post(String pattern, Handler h) {
        add("POST", pattern, h);
    }

    void put(String pattern, Handler h) {
        add("PUT", pattern, h);
    }

    void delete(String pattern, Handler h) {
        add("DELETE", pattern, h);
    }

    private void add(String method, String pattern, Handler h) {
        routes.add(new Route(method, pattern.substring(1).split("/", -1), h));
    }

    /** Runs the handler of the first route that matches; false when none does. */
    boolean dispatch(Exchange x, String method, String path) throws Exception {
        String[] segments = path.substring(1).split("/", -1);
        Route fallback = null;
        Map<String, String> fallbackValues = null;
        for (Route r : routes) {
            Map<String, String> values = match(r.pattern, segments);
            if (values == null) {
                continue;
            }
            if (r.method.equals(method)) {
                r.handler.handle(x, new Params(values));
                return true;
            }
            if (fallback == null && method.equals("HEAD") && r.method.equals("GET")) {
                fallback = r;
                fallbackValues = values;
            }
        }
        if (fallback != null) {
            fallback.handler.handle(x, new Params(fallbackValues));
            return true;
        }
        return false;
    }

    /** The variables of a pattern that matches these segments, or null. */
    static Map<String, String> match(String[] pattern, String[] segments) {
        int star = -1;
        for (int i = 0; i < pattern.length; i++) {
            if (pattern[i].endsWith("*}")) {
                star = i;
            }
        }
        if (star < 0 ? segments.length != pattern.length : segments.length < pattern.length) {
            return null;
        }
        Map<String, String> values = new LinkedHashMap<>();
        int tail = pattern.length - star - 1;
        for (int i = 0; i < pattern.length; i++) {
            if (i == star) {
                String joined = String.join("/", List.of(segments).subList(i, segments.length - tail));
                if (joined.isEmpty()) {
                    return null;
                }
                values.put(pattern[i].substring(1, pattern[i].length() - 2), joined);
                continue;
            }
            String s = segments[star >= 0 && i > star ? segments.length - (pattern.length - i) : i];
            if (!bind(pattern[i], s, values)) {
                return null;
            }
        }
        return values;
    }

    private static boolean bind(String p, String s, Map<String, String> values) {
        if (p.startsWith("{")) {
            if (s.isEmpty()) {
                return false;
            }
            values.put(p.substring(1, p.length() - 1), s);
            return true;
        }
        return p.equals(s);
    }
}
