package dev.berth.net;

import static dev.berth.net.NftJson.ACCEPT;
import static dev.berth.net.NftJson.DROP;
import static dev.berth.net.NftJson.MASQUERADE;
import static dev.berth.net.NftJson.RETURN;
import static dev.berth.net.NftJson.command;
import static dev.berth.net.NftJson.concat;
import static dev.berth.net.NftJson.ct;
import static dev.berth.net.NftJson.dnatByMap;
import static dev.berth.net.NftJson.fibType;
import static dev.berth.net.NftJson.is;
import static dev.berth.net.NftJson.jump;
import static dev.berth.net.NftJson.match;
import static dev.berth.net.NftJson.meta;
import static dev.berth.net.NftJson.object;
import static dev.berth.net.NftJson.payload;
import static dev.berth.net.NftJson.prefix;

import dev.berth.runtime.json.Json;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The layout of {@code table ip berth}, and of {@code table ip6 berth} for dual-stack networks
 * (docs/networking.md, "Firewall"): a fixed set of chains
 * and rules that never mention a network or a container, and sets and maps whose elements do,
 * each element commented with its owner ({@code network NAME}, {@code container ID}). Adding or
 * removing a network or a container's ports therefore only adds or deletes elements, in one
 * transaction, and nothing ever has to find a rule by its position.
 */
final class FirewallTable {
    static final String TABLE = "berth";

    static final String BRIDGES = "bridges";
    static final String INTRA = "intra";
    static final String INTERNAL = "internal";
    static final String SUBNETS = "subnets";
    static final String OUTBOUND = "outbound";
    static final String PORTS = "ports";
    static final String HOST_IP_PORTS = "host_ip_ports";

    private static final String FORWARD = "forward";
    private static final String PREROUTING = "prerouting";
    private static final String OUTPUT = "output";
    private static final String PUBLISHED = "published";
    private static final String POSTROUTING = "postrouting";

    /** The sets and maps of the layout. */
    static final List<String> SETS = List.of(BRIDGES, INTRA, INTERNAL, SUBNETS, OUTBOUND, PORTS, HOST_IP_PORTS);
    /** The chains of the layout, in the order they are made. */
    static final List<String> CHAINS = List.of(FORWARD, PREROUTING, OUTPUT, PUBLISHED, POSTROUTING);

    /** {@code table ip berth}: every network's IPv4 side. */
    static final FirewallTable IP = new FirewallTable("ip");
    /** {@code table ip6 berth}: the IPv6 side of dual-stack networks. */
    static final FirewallTable IP6 = new FirewallTable("ip6");
    /** {@link #layout} of the IPv4 table. */
    static final String LAYOUT = IP.layout;

    /** {@code ip} or {@code ip6}: the table's family, and the payload protocol of its addresses. */
    final String family;
    /** {@code ipv4_addr} or {@code ipv6_addr}. */
    private final String addrType;

    /**
     * The two maps of published ports, in nft's syntax: libnftables 1.0.6 (Debian 12) cannot
     * declare a map whose data is a concatenation ({@code ipv4_addr . inet_service}) in JSON.
     * Constant text, so nothing a user gave is ever parsed as nft syntax; made when missing,
     * before the change that needs them ({@code add} leaves existing maps and their elements).
     */
    final String maps;

    /**
     * The comment of every rule: {@code berth layout} and a hash of the rules themselves. A table
     * whose chains hold exactly the expected number of rules, all with this comment, is laid out
     * as this berth would lay it out, and a change only adds or deletes elements; anything else
     * (a chain or rule missing or added by hand, rules of an older berth) makes the next change
     * replace the rules. So the common change flushes no chain: flushed rules are freed after an
     * RCU grace period, and closing the netfilter socket waits for that (~20 ms here).
     */
    final String layout;
    /** How many rules each chain holds. */
    final Map<String, Integer> rules;

    private FirewallTable(String family) {
        this.family = family;
        this.addrType = family.equals("ip") ? "ipv4_addr" : "ipv6_addr";
        this.maps = "add table " + family + " berth\n"
            + "add map " + family + " berth ports { type inet_proto . inet_service : " + addrType + " . inet_service;"
            + " comment \"published on every address of the host\"; }\n"
            + "add map " + family + " berth host_ip_ports { type " + addrType + " . inet_proto . inet_service : "
            + addrType + " . inet_service; comment \"published on one address of the host\"; }\n";
        List<Object> all = rules();
        this.layout = "berth layout " + Integer.toHexString(Json.compact(Map.of("rules", all)).hashCode());
        Map<String, Integer> counts = new LinkedHashMap<>();
        for (String chain : CHAINS) {
            counts.put(chain, 0);
        }
        for (Object r : all) {
            String chain = (String) ruleBody(r).get("chain");
            counts.put(chain, counts.get(chain) + 1);
        }
        this.rules = Map.copyOf(counts);
    }

    /** {@code table ip berth}, as messages name it. */
    String describe() {
        return "table " + family + " " + TABLE;
    }

    /**
     * Commands (JSON) that make the table, its sets and its chains if they are missing (add is a no-op
     * for what exists, so set elements stay) and replace the rules of every chain with the
     * current ones (flush, then add, in the same transaction: no packet sees a half-made chain),
     * each commented {@link #layout}.
     */
    List<Object> skeleton() {
        List<Object> c = new ArrayList<>();
        c.add(command("add", "table", object("family", family, "name", TABLE)));
        // every berth bridge (of this family)
        c.add(set(BRIDGES, "ifname", false));
        // BRIDGE . BRIDGE: traffic that stays on its bridge
        c.add(set(INTRA, List.of("ifname", "ifname"), false));
        // the bridges of --internal networks: no traffic in or out
        c.add(set(INTERNAL, "ifname", false));
        // SUBNET . BRIDGE of every network
        c.add(set(SUBNETS, List.of(addrType, "ifname"), true));
        // the subnets masqueraded on their way out (networks that are not --internal)
        c.add(set(OUTBOUND, addrType, true));
        // the maps are made by maps: their data is a concatenation

        c.add(baseChain(FORWARD, "filter", "forward", 0));
        c.add(baseChain(PREROUTING, "nat", "prerouting", -100));
        c.add(baseChain(OUTPUT, "nat", "output", -100));
        c.add(command("add", "chain", object("family", family, "table", TABLE, "name", PUBLISHED)));
        c.add(baseChain(POSTROUTING, "nat", "postrouting", 100));
        for (String chain : CHAINS) {
            c.add(command("flush", "chain", object("family", family, "table", TABLE, "name", chain)));
        }
        for (Object r : rules()) {
            ruleBody(r).put("comment", layout);
            c.add(r);
        }
        return c;
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> ruleBody(Object addRule) {
        return (Map<String, Object>) ((Map<String, Object>) ((Map<String, Object>) addRule).get("add")).get("rule");
    }

    /** The rules of every chain, in order, without their comment. */
    private List<Object> rules() {
        List<Object> c = new ArrayList<>();
        boolean v4 = family.equals("ip");
        Object iif = meta("iifname");
        Object oif = meta("oifname");
        Object saddr = payload(family, "saddr");
        // iifname . oifname @intra accept: within one bridge (seen here only with br_netfilter)
        c.add(rule(FORWARD, is(concat(iif, oif), "@" + INTRA), ACCEPT));
        // iifname @internal drop; oifname @internal drop: --internal networks stay inside
        c.add(rule(FORWARD, is(iif, "@" + INTERNAL), DROP));
        c.add(rule(FORWARD, is(oif, "@" + INTERNAL), DROP));
        // oifname @bridges ct status dnat accept: published ports, from anywhere
        c.add(rule(FORWARD, is(oif, "@" + BRIDGES), match(ct("status"), "in", "dnat"), ACCEPT));
        // oifname @bridges ct state established,related accept: replies
        c.add(rule(FORWARD, is(oif, "@" + BRIDGES), match(ct("state"), "in", List.of("established", "related")), ACCEPT));
        // iifname @bridges oifname @bridges drop: one berth network never reaches another
        c.add(rule(FORWARD, is(iif, "@" + BRIDGES), is(oif, "@" + BRIDGES), DROP));
        // oifname @bridges drop: nothing else from outside reaches a container
        c.add(rule(FORWARD, is(oif, "@" + BRIDGES), DROP));
        // iifname @bridges accept: containers go out
        c.add(rule(FORWARD, is(iif, "@" + BRIDGES), ACCEPT));

        // fib daddr type local jump published: packets to an address of the host, from
        // outside (prerouting) and from the host itself (output)
        c.add(rule(PREROUTING, is(fibType("daddr"), "local"), jump(PUBLISHED)));
        if (v4) {
            c.add(rule(OUTPUT, is(fibType("daddr"), "local"), jump(PUBLISHED)));
        } else {
            // ip6 daddr != ::1 fib daddr type local jump published: IPv6 has no route_localnet,
            // the kernel drops a packet to or from ::1 that arrives on a bridge, so a connection
            // to [::1]:PORT is refused at once instead of hanging (docs/networking.md, "IPv6")
            c.add(rule(OUTPUT, match(payload(family, "daddr"), "!=", "::1"), is(fibType("daddr"), "local"), jump(PUBLISHED)));
        }
        // dnat ip to ip daddr . meta l4proto . th dport map @host_ip_ports
        c.add(rule(PUBLISHED, dnatByMap(family, concat(payload(family, "daddr"), meta("l4proto"), payload("th", "dport")),
            HOST_IP_PORTS)));
        // dnat ip to meta l4proto . th dport map @ports
        c.add(rule(PUBLISHED, dnatByMap(family, concat(meta("l4proto"), payload("th", "dport")), PORTS)));

        // ct status dnat ip saddr . oifname @subnets masquerade: a container reaching a
        // published port on its own bridge (hairpin) must see the answer come from the host
        c.add(rule(POSTROUTING, match(ct("status"), "in", "dnat"), is(concat(saddr, oif), "@" + SUBNETS), MASQUERADE));
        // ip saddr . oifname @subnets return: on its own bridge, a container keeps its address
        c.add(rule(POSTROUTING, is(concat(saddr, oif), "@" + SUBNETS), RETURN));
        // ip saddr @outbound masquerade: leaving the host, containers take its address
        c.add(rule(POSTROUTING, is(saddr, "@" + OUTBOUND), MASQUERADE));
        if (v4) {
            // ip saddr 127.0.0.0/8 oifname @bridges masquerade: the host's 127.0.0.1 reaching a
            // published port (with route_localnet=1 on the bridge), as docker without its proxy
            c.add(rule(POSTROUTING, is(saddr, prefix("127.0.0.0", 8)), is(oif, "@" + BRIDGES), MASQUERADE));
        }
        return c;
    }

    /** {@code add element FAMILY berth SET { KEY comment "COMMENT" }}. */
    Map<String, Object> addElement(String set, Object key, String comment) {
        return element("add", set, object("elem", object("val", key, "comment", comment)));
    }

    /** {@code add element FAMILY berth MAP { KEY comment "COMMENT" : DATA }}. */
    Map<String, Object> addMapElement(String map, Object key, Object data, String comment) {
        return element("add", map, List.of(object("elem", object("val", key, "comment", comment)), data));
    }

    /** {@code delete element FAMILY berth SET { KEY }}. */
    Map<String, Object> deleteElement(String set, Object key) {
        return element("delete", set, key);
    }

    private Map<String, Object> element(String verb, String set, Object elem) {
        return command(verb, "element", object("family", family, "table", TABLE, "name", set, "elem", List.of(elem)));
    }

    private Map<String, Object> set(String name, Object type, boolean interval) {
        Map<String, Object> body = object("family", family, "table", TABLE, "name", name, "type", type);
        if (interval) {
            body.put("flags", List.of("interval"));
        }
        return command("add", "set", body);
    }

    private Map<String, Object> baseChain(String name, String type, String hook, int priority) {
        return command("add", "chain", object("family", family, "table", TABLE, "name", name,
            "type", type, "hook", hook, "prio", priority, "policy", "accept"));
    }

    private Map<String, Object> rule(String chain, Object... statements) {
        return command("add", "rule", NftJson.rule(family, TABLE, chain, statements));
    }
}
