package dev.berth.net;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Pieces of libnftables' JSON schema (libnftables-json(5)), as plain maps and lists for
 * berth's JSON codec. Names given by users only ever become JSON strings, never nft syntax.
 */
final class NftJson {
    static final Map<String, Object> ACCEPT = object("accept", null);
    static final Map<String, Object> DROP = object("drop", null);
    static final Map<String, Object> RETURN = object("return", null);
    static final Map<String, Object> MASQUERADE = object("masquerade", null);

    private NftJson() {}

    /** {@code {k1: v1, k2: v2, ...}} in this order. */
    static Map<String, Object> object(Object... keysAndValues) {
        Map<String, Object> m = new LinkedHashMap<>();
        for (int i = 0; i < keysAndValues.length; i += 2) {
            m.put((String) keysAndValues[i], keysAndValues[i + 1]);
        }
        return m;
    }

    /** {@code meta iifname}. */
    static Map<String, Object> meta(String key) {
        return object("meta", object("key", key));
    }

    /** {@code ip saddr}, {@code th dport}. */
    static Map<String, Object> payload(String protocol, String field) {
        return object("payload", object("protocol", protocol, "field", field));
    }

    /** {@code ct state}, {@code ct status}. */
    static Map<String, Object> ct(String key) {
        return object("ct", object("key", key));
    }

    /** {@code fib daddr type}. */
    static Map<String, Object> fibType(String flag) {
        return object("fib", object("result", "type", "flags", List.of(flag)));
    }

    /** {@code a . b . c}. */
    static Map<String, Object> concat(Object... parts) {
        return object("concat", List.of(parts));
    }

    static Map<String, Object> prefix(String address, int length) {
        return object("prefix", object("addr", address, "len", length));
    }

    /** {@code left OP right}; {@code right} {@code "@name"} is a set lookup. */
    static Map<String, Object> match(Object left, String op, Object right) {
        return object("match", object("op", op, "left", left, "right", right));
    }

    static Map<String, Object> is(Object left, Object right) {
        return match(left, "==", right);
    }

    static Map<String, Object> jump(String chain) {
        return object("jump", object("target", chain));
    }

    /** {@code dnat ip to KEY map @MAP}: address and port both come from the map. */
    static Map<String, Object> dnatByMap(String family, Object key, String map) {
        return object("dnat", object("family", family, "addr", object("map", object("key", key, "data", "@" + map))));
    }

    /** A command: {@code {"add": {"rule": {...}}}}. */
    static Map<String, Object> command(String verb, String kind, Map<String, Object> body) {
        return object(verb, object(kind, body));
    }

    /** A rule of {@code chain}, its statements in order. */
    static Map<String, Object> rule(String family, String table, String chain, Object... statements) {
        return object("family", family, "table", table, "chain", chain, "expr", new ArrayList<>(Arrays.asList(statements)));
    }
}
