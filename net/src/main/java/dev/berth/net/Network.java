package dev.berth.net;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A network definition as stored in {@code DIR/NAME.json}, in the shape of
 * {@code docker network inspect} (without Containers, which are the engine's to fill in).
 *
 * @param bridge  the Linux bridge device: {@code berth0} for the default network, docker's
 *                {@code br-<first 12 hex of the id>} for the others
 * @param created RFC 3339 UTC time
 * @param subnet6  the IPv6 subnet of a dual-stack network (docker's {@code --ipv6}), else null
 * @param gateway6 its gateway, the bridge's IPv6 address; null with {@code subnet6}
 */
public record Network(String name, String id, String driver, String bridge, Subnet subnet, int gateway,
                      boolean internal, Map<String, String> labels, String created, Subnet6 subnet6, Ip6 gateway6) {
    public static final String BRIDGE_NAME_OPTION = "com.docker.network.bridge.name";
    static final String DEFAULT_BRIDGE_OPTION = "com.docker.network.bridge.default_bridge";
    static final String FIX = "repair it by hand, or remove it (the network is then gone: recreate it with"
        + " berth network create)";

    public Network {
        labels = Map.copyOf(labels);
        if ((subnet6 == null) != (gateway6 == null)) {
            throw new IllegalArgumentException("an IPv6 subnet needs its gateway");
        }
    }

    /** An IPv4-only network. */
    public Network(String name, String id, String driver, String bridge, Subnet subnet, int gateway, boolean internal,
                   Map<String, String> labels, String created) {
        this(name, id, driver, bridge, subnet, gateway, internal, labels, created, null, null);
    }

    /** docker's EnableIPv6: whether containers get an IPv6 address, route and rules too. */
    public boolean ipv6() {
        return subnet6 != null;
    }

    public String gatewayAddress() {
        return Inet4.format(gateway);
    }

    /** Whether this is the default network, {@code bridge}. */
    public boolean isDefault() {
        return name.equals(Networks.DEFAULT_NAME);
    }

    /** docker's inspect object (labels sorted, as docker prints them). */
    public Map<String, Object> toJson() {
        Map<String, Object> ipamConfig = new LinkedHashMap<>();
        ipamConfig.put("Subnet", subnet.toString());
        ipamConfig.put("Gateway", gatewayAddress());
        Map<String, Object> ipam = new LinkedHashMap<>();
        ipam.put("Driver", "default");
        ipam.put("Options", new LinkedHashMap<String, Object>());
        List<Object> configs = new ArrayList<>();
        configs.add(ipamConfig);
        if (subnet6 != null) {
            Map<String, Object> v6 = new LinkedHashMap<>();
            v6.put("Subnet", subnet6.toString());
            v6.put("Gateway", gateway6.toString());
            configs.add(v6);
        }
        ipam.put("Config", configs);
        Map<String, Object> options = new LinkedHashMap<>();
        options.put(BRIDGE_NAME_OPTION, bridge);
        if (isDefault()) {
            options.put(DEFAULT_BRIDGE_OPTION, "true");
        }
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("Name", name);
        m.put("Id", id);
        m.put("Created", created);
        m.put("Scope", "local");
        m.put("Driver", driver);
        m.put("EnableIPv6", subnet6 != null);
        m.put("IPAM", ipam);
        m.put("Internal", internal);
        m.put("Attachable", false);
        m.put("Ingress", false);
        m.put("Options", options);
        List<String> keys = new ArrayList<>(labels.keySet());
        keys.sort(null);
        Map<String, Object> l = new LinkedHashMap<>();
        for (String k : keys) {
            l.put(k, labels.get(k));
        }
        m.put("Labels", l);
        return m;
    }

    /** Reads what {@link #toJson} wrote; anything else is a corrupt file, named in the error. */
    static Network fromJson(Map<String, Object> m, Path file) throws NetException {
        String fix = FIX;
        try {
            String name = StateFiles.string(m, "Name", file, fix);
            String id = StateFiles.string(m, "Id", file, fix);
            String driver = StateFiles.string(m, "Driver", file, fix);
            String created = StateFiles.string(m, "Created", file, fix);
            Map<String, Object> ipam = StateFiles.object(m, "IPAM", file, fix);
            if (!(ipam.get("Config") instanceof List<?> configs) || configs.isEmpty() || configs.size() > 2
                || !(configs.get(0) instanceof Map<?, ?> config)
                || !(config.get("Subnet") instanceof String subnet)
                || !(config.get("Gateway") instanceof String gateway)) {
                throw StateFiles.corrupt(file, "no IPAM.Config with one Subnet and Gateway", fix, null);
            }
            Subnet6 s6 = null;
            Ip6 gw6 = null;
            if (configs.size() == 2) {
                if (!(configs.get(1) instanceof Map<?, ?> c6) || !(c6.get("Subnet") instanceof String subnet6)
                    || !(c6.get("Gateway") instanceof String gateway6)) {
                    throw StateFiles.corrupt(file, "the second IPAM.Config has no Subnet and Gateway", fix, null);
                }
                s6 = Subnet6.parse(subnet6);
                gw6 = Ip6.parse(gateway6);
                if (!s6.contains(gw6)) {
                    throw StateFiles.corrupt(file, "gateway " + gateway6 + " outside " + subnet6, fix, null);
                }
            }
            if (!Boolean.valueOf(s6 != null).equals(m.get("EnableIPv6"))) {
                throw StateFiles.corrupt(file, "EnableIPv6 does not match the IPAM.Config", fix, null);
            }
            Map<String, Object> options = StateFiles.object(m, "Options", file, fix);
            String bridge = StateFiles.string(options, BRIDGE_NAME_OPTION, file, fix);
            if (!(m.get("Internal") instanceof Boolean internal)) {
                throw StateFiles.corrupt(file, "no boolean member \"Internal\"", fix, null);
            }
            Map<String, String> labels = new LinkedHashMap<>();
            Map<String, Object> l = StateFiles.object(m, "Labels", file, fix);
            for (Map.Entry<String, Object> e : l.entrySet()) {
                if (!(e.getValue() instanceof String v)) {
                    throw StateFiles.corrupt(file, "label " + e.getKey() + " is not a string", fix, null);
                }
                labels.put(e.getKey(), v);
            }
            if (!file.getFileName().toString().equals(name + ".json")) {
                throw StateFiles.corrupt(file, "it holds network " + name, fix, null);
            }
            if (!Networks.isId(id)) {
                throw StateFiles.corrupt(file, "the id is not 64 hex digits", fix, null);
            }
            Subnet s = Subnet.parse(subnet);
            int gw = Inet4.parse(gateway);
            if (!s.contains(gw)) {
                throw StateFiles.corrupt(file, "gateway " + gateway + " outside " + subnet, fix, null);
            }
            return new Network(name, id, driver, bridge, s, gw, internal, labels, created, s6, gw6);
        } catch (NetException.InvalidArgument | IllegalArgumentException e) {
            throw StateFiles.corrupt(file, e.getMessage(), fix, e);
        }
    }
}
