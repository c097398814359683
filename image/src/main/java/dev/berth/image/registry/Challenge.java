package dev.berth.image.registry;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * One {@code WWW-Authenticate} challenge (RFC 7235): a scheme ({@code bearer} or {@code basic},
 * lower-cased) and its parameters, e.g. {@code Bearer realm="https://auth.docker.io/token",
 * service="registry.docker.io",scope="repository:library/busybox:pull"}.
 */
public record Challenge(String scheme, Map<String, String> params) {
    public String param(String name) {
        return params.get(name);
    }

    /** The first Bearer challenge among the headers, else the first Basic one, else null. */
    public static Challenge pick(List<String> headers) {
        Challenge basic = null;
        for (String h : headers) {
            Challenge c = parse(h);
            if (c == null) {
                continue;
            }
            if (c.scheme.equals("bearer")) {
                return c;
            }
            if (c.scheme.equals("basic") && basic == null) {
                basic = c;
            }
        }
        return basic;
    }

    /** Parses one header value; null when it has no scheme. */
    public static Challenge parse(String header) {
        String h = header.strip();
        int sp = 0;
        while (sp < h.length() && h.charAt(sp) != ' ' && h.charAt(sp) != '\t') {
            sp++;
        }
        if (sp == 0) {
            return null;
        }
        String scheme = h.substring(0, sp).toLowerCase(Locale.ROOT);
        Map<String, String> params = new LinkedHashMap<>();
        int i = sp;
        int n = h.length();
        while (i < n) {
            while (i < n && (h.charAt(i) == ' ' || h.charAt(i) == '\t' || h.charAt(i) == ',')) {
                i++;
            }
            int keyStart = i;
            while (i < n && h.charAt(i) != '=' && h.charAt(i) != ',' && h.charAt(i) != ' ') {
                i++;
            }
            String key = h.substring(keyStart, i).toLowerCase(Locale.ROOT);
            while (i < n && h.charAt(i) == ' ') {
                i++;
            }
            if (i >= n || h.charAt(i) != '=') {
                continue; // a token68 or a bare word: not used by registries
            }
            i++;
            while (i < n && h.charAt(i) == ' ') {
                i++;
            }
            StringBuilder v = new StringBuilder();
            if (i < n && h.charAt(i) == '"') {
                i++;
                while (i < n && h.charAt(i) != '"') {
                    char c = h.charAt(i);
                    if (c == '\\' && i + 1 < n) {
                        c = h.charAt(++i);
                    }
                    v.append(c);
                    i++;
                }
                i++; // the closing quote
            } else {
                while (i < n && h.charAt(i) != ',') {
                    v.append(h.charAt(i));
                    i++;
                }
            }
            if (!key.isEmpty()) {
                params.put(key, v.toString().strip());
            }
        }
        return new Challenge(scheme, params);
    }
}
