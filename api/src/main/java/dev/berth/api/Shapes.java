package dev.berth.api;

import dev.berth.engine.HumanTime;
import dev.berth.engine.ImageAdmin;
import dev.berth.runtime.Timestamps;
import dev.berth.runtime.json.Json;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The engine's container document (already docker inspect's shape) as the API's types have it:
 * the few fields berth keeps as docker's flag text become docker's objects, and the list entry
 * of {@code GET /containers/json} is derived from it.
 */
final class Shapes {
    private Shapes() {}

    /** {@code GET /containers/{id}/json}: a copy, with HostConfig's Tmpfs, Devices and Ulimits typed. */
    @SuppressWarnings("unchecked")
    static Map<String, Object> inspect(Map<String, Object> state) {
        Map<String, Object> s;
        try { // a deep copy: the fields changed below may be shared with the caller
            s = (Map<String, Object>) Json.parse(Json.compact(state));
        } catch (dev.berth.runtime.json.JsonException e) {
            throw new IllegalStateException(e);
        }
        Map<String, Object> host = Json.map(s, "HostConfig");
        if (host != null) {
            if (host.get("Tmpfs") instanceof List<?> l) {
                Map<String, Object> tmpfs = new LinkedHashMap<>();
                for (Object o : l) {
                    String t = String.valueOf(o);
                    int colon = t.indexOf(':');
                    tmpfs.put(colon < 0 ? t : t.substring(0, colon), colon < 0 ? "" : t.substring(colon + 1));
                }
                host.put("Tmpfs", tmpfs);
            }
            if (host.get("Devices") instanceof List<?> l) {
                List<Object> devices = new ArrayList<>();
                for (Object o : l) {
                    if (!(o instanceof String d)) {
                        continue;
                    }
                    String[] p = d.split(":");
                    Map<String, Object> m = new LinkedHashMap<>();
                    m.put("PathOnHost", p[0]);
                    m.put("PathInContainer", p.length > 1 ? p[1] : p[0]);
                    m.put("CgroupPermissions", p.length > 2 ? p[2] : "rwm");
                    devices.add(m);
                }
                host.put("Devices", devices);
            }
            if (host.get("Ulimits") instanceof List<?> l) {
                List<Object> ulimits = new ArrayList<>();
                for (Object o : l) {
                    if (!(o instanceof String u) || u.indexOf('=') < 0) {
                        continue;
                    }
                    String[] kv = u.split("=", 2);
                    String[] sh = kv[1].split(":", 2);
                    Map<String, Object> m = new LinkedHashMap<>();
                    m.put("Name", kv[0]);
                    m.put("Soft", parse(sh[0]));
                    m.put("Hard", parse(sh.length > 1 ? sh[1] : sh[0]));
                    ulimits.add(m);
                }
                host.put("Ulimits", ulimits);
            }
        }
        s.putIfAbsent("NetworkSettings", networkSettings());
        return s;
    }

    private static long parse(String n) {
        try {
            return Long.parseLong(n.strip());
        } catch (NumberFormatException e) {
            return -1; // unlimited
        }
    }

    private static Map<String, Object> networkSettings() {
        Map<String, Object> n = new LinkedHashMap<>();
        n.put("Ports", new LinkedHashMap<>());
        n.put("Networks", new LinkedHashMap<>());
        return n;
    }

    /**
     * One entry of {@code GET /containers/json}: Image is what {@code images} shows (the
     * reference as given while it still names the container's image), ImageID the image's id.
     */
    static Map<String, Object> listEntry(Map<String, Object> s, long nowNanos, ImageAdmin.ListedImages images) {
        Map<String, Object> e = stableListEntry(s);
        e.put("Image", images.of(s));
        e.put("Status", HumanTime.status(Json.map(s, "State"), nowNanos));
        return e;
    }

    /**
     * The list entry without what changes while the state does not: Image (the image's names
     * change) and Status ("Up 5 minutes"), which come last ({@link ListRow}).
     */
    static Map<String, Object> stableListEntry(Map<String, Object> s) {
        Map<String, Object> st = Json.map(s, "State");
        Map<String, Object> config = Json.map(s, "Config");
        Map<String, Object> host = Json.map(s, "HostConfig");
        Map<String, Object> e = new LinkedHashMap<>();
        e.put("Id", s.get("Id"));
        e.put("Names", List.of(String.valueOf(s.get("Name"))));
        e.put("ImageID", s.get("Image") instanceof String id && id.startsWith("sha256:") ? id : "");
        StringBuilder cmd = new StringBuilder(String.valueOf(s.get("Path")));
        if (s.get("Args") instanceof List<?> args) {
            for (Object a : args) {
                cmd.append(' ').append(a);
            }
        }
        e.put("Command", cmd.toString());
        long created = Timestamps.parse(String.valueOf(s.get("Created")));
        e.put("Created", created < 0 ? 0 : created / 1_000_000_000L);
        e.put("Ports", ports(Json.map(s, "NetworkSettings")));
        e.put("Labels", config != null && config.get("Labels") != null ? config.get("Labels") : Map.of());
        e.put("State", st.get("Status"));
        Map<String, Object> hc = new LinkedHashMap<>();
        hc.put("NetworkMode", host == null ? "none" : host.get("NetworkMode"));
        e.put("HostConfig", hc);
        Map<String, Object> net = Json.map(s, "NetworkSettings");
        Map<String, Object> nets = new LinkedHashMap<>();
        nets.put("Networks", net != null && net.get("Networks") != null ? net.get("Networks") : Map.of());
        e.put("NetworkSettings", nets);
        e.put("Mounts", s.get("Mounts") != null ? s.get("Mounts") : List.of());
        return e;
    }

    /** NetworkSettings.Ports as the list's {@code [{IP, PrivatePort, PublicPort, Type}]}. */
    private static List<Object> ports(Map<String, Object> net) {
        List<Object> out = new ArrayList<>();
        Map<String, Object> ports = net == null ? null : Json.map(net, "Ports");
        if (ports == null) {
            return out;
        }
        for (Map.Entry<String, Object> e : ports.entrySet()) {
            String[] pp = e.getKey().split("/");
            int priv = (int) parse(pp[0]);
            String type = pp.length > 1 ? pp[1] : "tcp";
            if (!(e.getValue() instanceof List<?> bindings) || bindings.isEmpty()) {
                Map<String, Object> p = new LinkedHashMap<>();
                p.put("PrivatePort", priv);
                p.put("Type", type);
                out.add(p);
                continue;
            }
            for (Object b : bindings) {
                Map<?, ?> bm = (Map<?, ?>) b;
                Map<String, Object> p = new LinkedHashMap<>();
                p.put("IP", bm.get("HostIp"));
                p.put("PrivatePort", priv);
                p.put("PublicPort", (int) parse(String.valueOf(bm.get("HostPort"))));
                p.put("Type", type);
                out.add(p);
            }
        }
        return out;
    }
}
