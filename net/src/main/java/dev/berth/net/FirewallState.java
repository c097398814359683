package dev.berth.net;

import dev.berth.runtime.json.Json;
import dev.berth.runtime.json.JsonException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The elements of {@code table ip berth} as read back ({@code list table}, JSON), each with the
 * owner its comment names. What berth knows of a network or a published port is read from
 * here, so leftovers of a crashed container are found the same way as live ones.
 */
final class FirewallState {
    static final String NETWORK = "network ";
    static final String CONTAINER = "container ";

    /** One element: its key as the JSON schema writes it (reusable in a delete), its map data. */
    record Element(String set, Object key, Object data, String comment) {}

    /** A network's elements: {@code subnet} in the IPv4 table, {@code subnet6} in the IPv6 one. */
    record Network(String name, String bridge, Subnet subnet, Subnet6 subnet6, boolean internal) {}

    record Published(String containerId, String containerIp, PortMapping mapping) {}

    final List<Element> elements;
    /** The names of the sets and maps that exist, with elements or without. */
    final Set<String> sets;
    /** Every chain that exists, with the comments of its rules in order (null for a rule without). */
    final Map<String, List<String>> chains;

    private FirewallState(List<Element> elements, Set<String> sets, Map<String, List<String>> chains) {
        this.elements = elements;
        this.sets = sets;
        this.chains = chains;
    }

    static FirewallState empty() {
        return new FirewallState(List.of(), Set.of(), Map.of());
    }

    /**
     * True when the table has every set and map, and every chain holds the expected number of
     * rules, each commented {@link FirewallTable#LAYOUT}: what this berth's rules would make.
     */
    boolean laidOut(FirewallTable table) {
        if (!sets.containsAll(FirewallTable.SETS) || chains.size() != FirewallTable.CHAINS.size()) {
            return false;
        }
        for (String chain : FirewallTable.CHAINS) {
            List<String> comments = chains.get(chain);
            if (comments == null || comments.size() != table.rules.get(chain)) {
                return false;
            }
            for (String c : comments) {
                if (!table.layout.equals(c)) {
                    return false;
                }
            }
        }
        return true;
    }

    static FirewallState parse(String json) throws JsonException {
        List<Element> elements = new ArrayList<>();
        Set<String> sets = new HashSet<>();
        Map<String, List<String>> chains = new HashMap<>();
        Object items = Json.parseObject(json).get("nftables");
        if (items instanceof List<?> list) {
            for (Object item : list) {
                if (item instanceof Map<?, ?> m) {
                    if (m.get("chain") instanceof Map<?, ?> c && c.get("name") instanceof String name) {
                        chains.putIfAbsent(name, new ArrayList<>());
                    }
                    if (m.get("rule") instanceof Map<?, ?> r && r.get("chain") instanceof String chain) {
                        List<String> comments = chains.get(chain);
                        if (comments == null) {
                            comments = new ArrayList<>();
                            chains.put(chain, comments);
                        }
                        comments.add(r.get("comment") instanceof String c ? c : null);
                    }
                    Object set = m.get("set") != null ? m.get("set") : m.get("map");
                    if (set instanceof Map<?, ?> s && s.get("name") instanceof String name) {
                        sets.add(name);
                    }
                    if (set instanceof Map<?, ?> s && s.get("elem") instanceof List<?> elems) {
                        for (Object e : elems) {
                            elements.add(element((String) s.get("name"), e));
                        }
                    }
                }
            }
        }
        return new FirewallState(elements, sets, chains);
    }

    /** {@code KEY}, {@code {"elem": {"val": KEY, "comment": ...}}} or, in a map, {@code [either, DATA]}. */
    private static Element element(String set, Object e) {
        Object data = null;
        if (e instanceof List<?> pair && pair.size() == 2) {
            e = pair.get(0);
            data = pair.get(1);
        }
        if (e instanceof Map<?, ?> m && m.get("elem") instanceof Map<?, ?> inner) {
            Object comment = inner.get("comment");
            return new Element(set, inner.get("val"), data, comment instanceof String c ? c : null);
        }
        return new Element(set, e, data, null);
    }

    /** The elements whose comment is {@code owner}, e.g. {@code container ID}. */
    List<Element> owned(String owner) {
        List<Element> out = new ArrayList<>();
        for (Element e : elements) {
            if (owner.equals(e.comment())) {
                out.add(e);
            }
        }
        return out;
    }

    /** The networks, by name, as their elements describe them. */
    Map<String, Network> networks() {
        Map<String, String> bridges = new LinkedHashMap<>();
        Map<String, Subnet> subnets = new LinkedHashMap<>();
        Map<String, Subnet6> subnets6 = new LinkedHashMap<>();
        Map<String, Boolean> internal = new LinkedHashMap<>();
        for (Element e : elements) {
            if (e.comment() == null || !e.comment().startsWith(NETWORK)) {
                continue;
            }
            String name = e.comment().substring(NETWORK.length());
            if (e.set().equals(FirewallTable.BRIDGES) && e.key() instanceof String bridge) {
                bridges.put(name, bridge);
            } else if (e.set().equals(FirewallTable.SUBNETS)) {
                List<?> parts = concat(e.key());
                if (parts.size() == 2) {
                    subnets.put(name, subnet(parts.get(0)));
                    subnets6.put(name, subnet6(parts.get(0)));
                }
            } else if (e.set().equals(FirewallTable.INTERNAL)) {
                internal.put(name, true);
            }
        }
        Map<String, Network> out = new LinkedHashMap<>();
        for (Map.Entry<String, String> b : bridges.entrySet()) {
            String name = b.getKey();
            out.put(name, new Network(name, b.getValue(), subnets.get(name), subnets6.get(name), internal.containsKey(name)));
        }
        return out;
    }

    /** Every published port, in the order of the table ({@code any}: the table's wildcard address). */
    List<Published> published(String any) {
        List<Published> out = new ArrayList<>();
        for (Element e : elements) {
            boolean anyIp = e.set().equals(FirewallTable.PORTS);
            if (!anyIp && !e.set().equals(FirewallTable.HOST_IP_PORTS)) {
                continue;
            }
            String owner = e.comment() != null && e.comment().startsWith(CONTAINER)
                ? e.comment().substring(CONTAINER.length()) : "";
            List<?> key = concat(e.key());
            List<?> to = concat(e.data());
            int at = anyIp ? 0 : 1;
            if (key.size() != at + 2 || to.size() != 2) {
                continue;
            }
            String hostIp = anyIp ? any : (String) key.get(0);
            PortMapping mapping = new PortMapping(hostIp, number(key.get(at + 1)), number(to.get(1)), protocol(key.get(at)));
            out.add(new Published(owner, (String) to.get(0), mapping));
        }
        return out;
    }

    private static List<?> concat(Object value) {
        if (value instanceof Map<?, ?> m && m.get("concat") instanceof List<?> parts) {
            return parts;
        }
        return List.of();
    }

    /** {@code {"prefix": {"addr": A, "len": N}}}, or a bare address for a /32; null when neither. */
    private static Subnet subnet(Object value) {
        try {
            if (value instanceof Map<?, ?> m && m.get("prefix") instanceof Map<?, ?> p) {
                return Subnet.parse(p.get("addr") + "/" + p.get("len"));
            }
            return Subnet.parse(value + "/32");
        } catch (NetException.InvalidArgument e) {
            return null;
        }
    }

    /** As {@link #subnet}, for the IPv6 table. */
    private static Subnet6 subnet6(Object value) {
        try {
            if (value instanceof Map<?, ?> m && m.get("prefix") instanceof Map<?, ?> p) {
                return Subnet6.parse(p.get("addr") + "/" + p.get("len"));
            }
            return Subnet6.parse(value + "/128");
        } catch (NetException.InvalidArgument e) {
            return null;
        }
    }

    private static int number(Object value) {
        return value instanceof Number n ? n.intValue() : Integer.parseInt(String.valueOf(value));
    }

    /** {@code "tcp"}, or the protocol's number where nft prints one. */
    private static String protocol(Object value) {
        if (value instanceof Number n) {
            return n.intValue() == 6 ? "tcp" : n.intValue() == 17 ? "udp" : String.valueOf(n);
        }
        return String.valueOf(value);
    }
}
