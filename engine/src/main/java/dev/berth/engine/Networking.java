package dev.berth.engine;

import dev.berth.linux.netlink.NetlinkTransport;
import dev.berth.net.Allocation;
import dev.berth.net.HostPorts;
import dev.berth.net.HostsFile;
import dev.berth.net.Ipam;
import dev.berth.net.NetException;
import dev.berth.net.Network;
import dev.berth.net.Networks;
import dev.berth.net.Peers;
import dev.berth.net.PortSpec;
import dev.berth.net.PublishedPort;
import dev.berth.net.ResolvConf;
import dev.berth.net.Wiring;
import dev.berth.runtime.stage.StageSession;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A container's place on a bridge network: {@link #reserve} takes its address and host ports
 * before it exists, {@link #connect} wires it up once its network namespace does, and
 * {@link #release} frees what it held when it goes. Only containers with a network load this.
 */
final class Networking {
    /** What a container holds on its network. */
    record Plan(Network network, Allocation allocation, List<PublishedPort> ports) {}

    private Networking() {}

    /** Links libnftables' native calls in the background, while the container is made (for published ports). */
    static void prepare() {
        Wiring.prepare();
    }

    /**
     * The store under ROOT/networks. {@code $BERTH_BRIDGE_SUBNET} (docker's --bip) is the default
     * network's subnet when it is first made, for hosts where berth's pick would not do.
     */
    /** docker's refusal: the default bridge has no names, so an alias there would do nothing. */
    static final String ALIASES_ON_DEFAULT = "network-scoped aliases are supported only on user-defined networks:"
        + " drop the alias, or create a network (berth network create NAME) and use --network NAME";

    static Networks networks(Path root) {
        String bip = System.getenv("BERTH_BRIDGE_SUBNET");
        Networks.Config config = Networks.Config.defaults();
        if (bip != null && !bip.isBlank()) {
            config = new Networks.Config(bip.strip(), config.pool(), config.routes());
        }
        // docker's daemon --ipv6 and --fixed-cidr-v6, for the default network when it is made
        String v6 = System.getenv("BERTH_BRIDGE_IPV6");
        String subnet6 = System.getenv("BERTH_BRIDGE_SUBNET6");
        boolean on = v6 != null && (v6.equals("1") || v6.equalsIgnoreCase("true"));
        if (on || (subnet6 != null && !subnet6.isBlank())) {
            config = config.withDefaultIpv6(subnet6 == null || subnet6.isBlank() ? null : subnet6.strip());
        }
        return new Networks(root.resolve("networks"), config);
    }

    /** {@code expose}: the image's ExposedPorts and --expose, which -P publishes. */
    static Plan reserve(Path root, String id, ContainerRequest r, List<String> expose) throws EngineException {
        Networks networks = networks(root);
        try {
            Network n = r.network.equals(Networks.DEFAULT_NAME) ? networks.ensureDefault() : networks.get(r.network);
            dev.berth.runtime.Trace.mark("network read");
            if (n.isDefault() && !r.networkAliases.isEmpty()) {
                throw new EngineException.InvalidArgument(ALIASES_ON_DEFAULT);
            }
            List<PortSpec> specs = PortSpec.parseAll(r.publish);
            if (r.publishAll) {
                specs = PortSpec.publishAll(expose, specs);
            }
            if (!n.ipv6()) {
                for (PortSpec s : specs) {
                    if (s.hostIp().indexOf(':') >= 0 && !s.hostIp().equals("::")) {
                        throw new EngineException.InvalidArgument("-p " + s.hostIp() + ":" + s.hostPort() + " publishes on"
                            + " an IPv6 address, but network " + n.name() + " has no IPv6 (berth has no proxy to carry it"
                            + " to an IPv4 container); use a network made with --ipv6, or an IPv4 host address");
                    }
                }
            }
            // what a container that crashed still holds is taken back when it is wanted
            java.util.function.Predicate<String> alive = c -> Files.isDirectory(root.resolve("containers").resolve(c));
            Allocation a = new Ipam(networks, alive).allocate(n.name(), id, r.ip, r.ip6);
            dev.berth.runtime.Trace.mark("address allocated");
            try {
                HostPorts hostPorts = new HostPorts(networks, alive);
                List<PublishedPort> ports = hostPorts.publish(id, specs);
                for (String dead : hostPorts.reclaimed()) {
                    Wiring.unpublish(dead);
                }
                return new Plan(n, a, ports);
            } catch (NetException e) {
                new Ipam(networks).release(n.name(), id);
                throw e;
            }
        } catch (NetException e) {
            throw map(e);
        }
    }

    /**
     * /etc/hosts with the container's address (and on a user-defined network its name and
     * aliases, as the others see them), and resolv.conf with --dns and friends.
     */
    static Map<String, String> etcFiles(Plan p, String hostname, String name, ContainerRequest r)
        throws EngineException {
        List<String> names = new ArrayList<>();
        if (!p.network().isDefault()) {
            names.add(name);
            names.addAll(r.networkAliases);
        }
        try {
            Map<String, String> files = new LinkedHashMap<>();
            files.put("hosts", HostsFile.build(hostname, null, p.allocation().address(), p.allocation().address6(), names,
                r.extraHosts, p.allocation().gateway()));
            files.put("resolv.conf", ResolvConf.build(ResolvConf.hostPath(), r.dns, r.dnsSearch, r.dnsOptions,
                p.network().ipv6()));
            return files;
        } catch (NetException e) {
            throw map(e);
        }
    }

    /** A renamed container: the others on its user-defined networks resolve the new name, not the old. */
    static void renamed(Path root, String id, String name) throws EngineException {
        try {
            new Peers(networks(root)).rename(id, name);
        } catch (NetException e) {
            throw map(e);
        }
    }

    /** Makes the container's name and aliases known on a user-defined network, and theirs to it. */
    static void join(Path root, Plan p, String id, String name, List<String> aliases, Path hosts)
        throws EngineException {
        try {
            new Peers(networks(root)).join(p.network(), new Peers.Peer(id, name, aliases, p.allocation().address(), hosts,
                p.allocation().address6()));
        } catch (NetException e) {
            throw map(e);
        }
    }

    /**
     * Wires the new container whose first process is {@code pid} through its monitor's netlink
     * sockets ({@code session}, before its start): the JVM makes no system call for it, so a cold
     * one links no downcall (docs/networking.md).
     */
    static void connect(Path root, Plan p, long pid, StageSession session) throws EngineException {
        Wiring.Sockets sockets = new Wiring.Sockets() {
            @Override
            public NetlinkTransport host(int protocol) {
                return session.netlink(false, protocol);
            }

            @Override
            public NetlinkTransport container(int protocol) {
                return session.netlink(true, protocol);
            }
        };
        try {
            Wiring.connect(p.network(), p.allocation(), p.ports(), pid, sockets, networks(root).firewallMemos());
        } catch (NetException e) {
            throw map(e);
        }
    }

    /**
     * Frees a container's addresses, names and ports, if berth has ever had a network here; with
     * {@code firewall}, its published ports leave the firewall too (a bridge network's, not pasta's).
     */
    static void release(Path root, String id, boolean firewall) throws EngineException {
        if (!Files.isDirectory(root.resolve("networks"))) {
            return;
        }
        Networks networks = networks(root);
        try {
            new Peers(networks).leaveAll(id);
            dev.berth.runtime.Trace.mark("peers left");
            new Ipam(networks).releaseAll(id);
            dev.berth.runtime.Trace.mark("addresses released");
            if (!new HostPorts(networks).release(id).isEmpty() && firewall) {
                Wiring.unpublish(id);
            }
        } catch (NetException e) {
            throw map(e);
        }
    }

    /** docker inspect's NetworkSettings for a container on a bridge network. */
    static Map<String, Object> settings(Plan p, List<String> aliases) {
        Allocation a = p.allocation();
        Map<String, Object> networks = new LinkedHashMap<>();
        networks.put(p.network().name(), endpoint(p.network(), a, aliases));
        Map<String, Object> s = new LinkedHashMap<>();
        s.put("Bridge", "");
        s.put("Gateway", a.gateway());
        s.put("IPAddress", a.address());
        s.put("IPPrefixLen", a.prefixLength());
        s.put("IPv6Gateway", a.gateway6() == null ? "" : a.gateway6());
        s.put("GlobalIPv6Address", a.address6() == null ? "" : a.address6());
        s.put("GlobalIPv6PrefixLen", a.prefixLength6());
        s.put("MacAddress", a.mac());
        s.put("Ports", ports(p.ports(), p.network().ipv6()));
        s.put("Networks", networks);
        return s;
    }

    /** Config.ExposedPorts for --expose values: {@code {"80/tcp": {}}}, ranges one key per port. */
    static Map<String, Object> exposed(List<String> expose) throws EngineException {
        Map<String, Object> out = new LinkedHashMap<>();
        try {
            for (String e : expose) {
                for (PortSpec p : PortSpec.publishAll(List.of(e), List.of())) {
                    out.put(p.containerPort() + "/" + p.protocol(), new LinkedHashMap<String, Object>());
                }
            }
        } catch (NetException e) {
            throw map(e);
        }
        return out;
    }

    /** docker's EndpointSettings, one per network in NetworkSettings.Networks. */
    static Map<String, Object> endpoint(Network n, Allocation a, List<String> aliases) {
        Map<String, Object> endpoint = new LinkedHashMap<>();
        endpoint.put("Aliases", aliases == null ? List.of() : List.copyOf(aliases));
        endpoint.put("NetworkID", n.id());
        endpoint.put("Gateway", a.gateway());
        endpoint.put("IPAddress", a.address());
        endpoint.put("IPPrefixLen", a.prefixLength());
        endpoint.put("IPv6Gateway", a.gateway6() == null ? "" : a.gateway6());
        endpoint.put("GlobalIPv6Address", a.address6() == null ? "" : a.address6());
        endpoint.put("GlobalIPv6PrefixLen", a.prefixLength6());
        endpoint.put("MacAddress", a.mac());
        return endpoint;
    }

    /** A network connected later (docker network connect), in the container's state. */
    static void addEndpoint(Map<String, Object> state, Network n, Allocation a, List<String> aliases) {
        @SuppressWarnings("unchecked")
        Map<String, Object> settings = (Map<String, Object>) state.computeIfAbsent("NetworkSettings", k -> {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("Bridge", "");
            m.put("Ports", new LinkedHashMap<String, Object>());
            m.put("Networks", new LinkedHashMap<String, Object>());
            return m;
        });
        @SuppressWarnings("unchecked")
        Map<String, Object> endpoints = (Map<String, Object>) settings.computeIfAbsent("Networks",
            k -> new LinkedHashMap<String, Object>());
        endpoints.put(n.name(), endpoint(n, a, aliases));
    }

    /** A network disconnected: out of NetworkSettings.Networks, and out of the top-level fields if it was there. */
    static void removeEndpoint(Map<String, Object> state, String network) {
        Map<String, Object> settings = dev.berth.runtime.json.Json.map(state, "NetworkSettings");
        Map<String, Object> endpoints = dev.berth.runtime.json.Json.map(settings, "Networks");
        Object gone = endpoints.remove(network);
        if (gone instanceof Map<?, ?> e && e.get("IPAddress") != null && e.get("IPAddress").equals(settings.get("IPAddress"))) {
            for (String k : List.of("Gateway", "IPAddress", "MacAddress", "IPv6Gateway", "GlobalIPv6Address")) {
                settings.put(k, "");
            }
            settings.put("IPPrefixLen", 0);
            settings.put("GlobalIPv6PrefixLen", 0);
        }
    }

    /** docker's Ports: container port/protocol to the host bindings. */
    static Map<String, Object> ports(List<PublishedPort> published) {
        return ports(published, false);
    }

    /**
     * As {@link #ports(List)}; with {@code ipv6} (a dual-stack network) a port published on every
     * address shows as docker shows it there, once on {@code 0.0.0.0} and once on {@code ::}.
     */
    static Map<String, Object> ports(List<PublishedPort> published, boolean ipv6) {
        Map<String, Object> ports = new LinkedHashMap<>();
        for (PublishedPort port : published) {
            String key = port.containerPort() + "/" + port.protocol();
            @SuppressWarnings("unchecked")
            List<Object> bindings = (List<Object>) ports.computeIfAbsent(key, k -> new ArrayList<>());
            String hostPort = Integer.toString(port.hostPort());
            if (ipv6 && port.hostIp().isEmpty()) {
                bindings.add(Map.of("HostIp", "0.0.0.0", "HostPort", hostPort));
                bindings.add(Map.of("HostIp", "::", "HostPort", hostPort));
            } else {
                bindings.add(Map.of("HostIp", port.hostIp(), "HostPort", hostPort));
            }
        }
        return ports;
    }

    static EngineException map(NetException e) {
        return switch (e) {
            case NetException.NotFound n -> new EngineException.NotFound(n.getMessage());
            case NetException.Conflict c -> new EngineException.Conflict(c.getMessage());
            case NetException.InvalidArgument i -> new EngineException.InvalidArgument(i.getMessage());
            case NetException.CorruptState c -> new EngineException.SystemFailure(c.getMessage(), c);
            case NetException.SystemFailure f -> new EngineException.SystemFailure(f.getMessage(), f);
        };
    }
}
