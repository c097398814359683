package dev.berth.api;

import dev.berth.api.http.Exchange;
import dev.berth.api.http.HttpException;
import dev.berth.engine.Engine;
import dev.berth.engine.NetworkAdmin;
import dev.berth.runtime.json.Json;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The {@code /networks} endpoints, over the engine's bridge networks ({@link NetworkAdmin}, the
 * CLI's {@code berth network}). berth's networks are bridges; {@code host} and {@code none} are
 * network modes of a container, not networks, so they are not listed.
 */
final class NetworkEndpoints {
    private final Engine engine;

    NetworkEndpoints(Engine engine) {
        this.engine = engine;
    }

    void routes(Routes r) {
        r.get("/networks", (x, p) -> list(x));
        r.post("/networks/create", (x, p) -> create(x));
        r.post("/networks/prune", (x, p) -> {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("NetworksDeleted", engine.networks().prune());
            x.json(200, m);
        });
        r.get("/networks/{id}", (x, p) -> x.json(200, engine.networks().inspect(p.get("id"))));
        r.delete("/networks/{id}", (x, p) -> {
            engine.networks().remove(p.get("id"));
            x.respond(204, null, new byte[0]);
        });
        r.post("/networks/{id}/connect", (x, p) -> connect(x, p.get("id")));
        r.post("/networks/{id}/disconnect", (x, p) -> disconnect(x, p.get("id")));
    }

    /** docker's filters: name (a part), id (a prefix), driver, label (KEY or KEY=VALUE), type (custom or builtin). */
    private void list(Exchange x) throws Exception {
        Map<String, List<String>> filters = Filters.byKey(x.request().query("filters"));
        for (String k : filters.keySet()) {
            if (!List.of("name", "id", "driver", "label", "type").contains(k)) {
                throw new HttpException(400, "invalid filter '" + k + "'");
            }
        }
        List<Object> out = new ArrayList<>();
        for (Map<String, Object> n : engine.networks().list()) {
            if (matches(n, filters)) {
                out.add(n);
            }
        }
        x.json(200, out);
    }

    private static boolean matches(Map<String, Object> n, Map<String, List<String>> filters) {
        for (Map.Entry<String, List<String>> f : filters.entrySet()) {
            boolean any = false;
            for (String v : f.getValue()) {
                any |= switch (f.getKey()) {
                    case "name" -> String.valueOf(n.get("Name")).contains(v);
                    case "id" -> String.valueOf(n.get("Id")).startsWith(v);
                    case "driver" -> v.equals(n.get("Driver"));
                    case "type" -> v.equals("bridge".equals(n.get("Name")) ? "builtin" : "custom");
                    default -> {
                        Map<String, Object> labels = Json.map(n, "Labels");
                        int eq = v.indexOf('=');
                        String key = eq < 0 ? v : v.substring(0, eq);
                        yield labels != null && labels.containsKey(key)
                            && (eq < 0 || String.valueOf(labels.get(key)).equals(v.substring(eq + 1)));
                    }
                };
            }
            if (!any) {
                return false;
            }
        }
        return true;
    }

    private void create(Exchange x) throws Exception {
        Body b = new Body(Containers.jsonBody(x), "");
        String id;
        try {
            String name = b.str("Name");
            if (name == null || name.isEmpty()) {
                throw new BadRequest("network name cannot be empty: give Name");
            }
            List<String> subnets = new java.util.ArrayList<>();
            List<String> gateways = new java.util.ArrayList<>();
            for (Body config : b.object("IPAM").objects("Config")) {
                String subnet = empty(config.str("Subnet"));
                String gateway = empty(config.str("Gateway"));
                if (subnet == null && gateway != null) {
                    throw new BadRequest("IPAM config with Gateway " + gateway + " has no Subnet: give the subnet it is in");
                }
                if (subnet != null) {
                    subnets.add(subnet);
                }
                if (gateway != null) {
                    gateways.add(gateway);
                }
            }
            String driver = empty(b.str("Driver"));
            id = (String) engine.networks().create(name, driver, subnets, gateways, b.bool("EnableIPv6"),
                b.bool("Internal"), b.strMap("Labels")).get("Id");
        } catch (BadRequest e) {
            throw new HttpException(400, e.getMessage());
        }
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("Id", id);
        out.put("Warning", "");
        x.json(201, out);
    }

    private void connect(Exchange x, String network) throws Exception {
        Body b = new Body(Containers.jsonBody(x), "");
        try {
            String container = b.str("Container");
            if (container == null || container.isEmpty()) {
                throw new BadRequest("give the Container to connect");
            }
            Body endpoint = b.object("EndpointConfig");
            String ip = empty(endpoint.object("IPAMConfig").str("IPv4Address"));
            String ip6 = empty(endpoint.object("IPAMConfig").str("IPv6Address"));
            engine.networks().connect(network, container, ip, ip6, endpoint.strings("Aliases"));
        } catch (BadRequest e) {
            throw new HttpException(400, e.getMessage());
        }
        x.respond(200, null, new byte[0]);
    }

    private void disconnect(Exchange x, String network) throws Exception {
        Body b = new Body(Containers.jsonBody(x), "");
        try {
            String container = b.str("Container");
            if (container == null || container.isEmpty()) {
                throw new BadRequest("give the Container to disconnect");
            }
            engine.networks().disconnect(network, container, b.bool("Force"));
        } catch (BadRequest e) {
            throw new HttpException(400, e.getMessage());
        }
        x.respond(200, null, new byte[0]);
    }

    private static String empty(String s) {
        return s == null || s.isEmpty() ? null : s;
    }
}
