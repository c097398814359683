package dev.berth.engine;

import dev.berth.net.Allocation;
import dev.berth.net.HostPorts;
import dev.berth.net.HostsFile;
import dev.berth.net.Ipam;
import dev.berth.net.NetException;
import dev.berth.net.Network;
import dev.berth.net.Networks;
import dev.berth.net.PortSpec;
import dev.berth.net.PublishedPort;
import dev.berth.net.ResolvConf;
import dev.berth.net.Wiring;
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

    static Networks networks(Path root) {
        return new Networks(root.resolve("networks"));
    }

    static Plan reserve(Path root, String id, ContainerRequest r) throws EngineException {
        Networks networks = networks(root);
        try {
            Network n = r.network.equals(Networks.DEFAULT_NAME) ? networks.ensureDefault() : networks.get(r.network);
            List<PortSpec> specs = PortSpec.parseAll(r.publish);
            Allocation a = new Ipam(networks).allocate(n.name(), id, r.ip);
            try {
                return new Plan(n, a, new HostPorts(networks).publish(id, specs));
            } catch (NetException e) {
                new Ipam(networks).release(n.name(), id);
                throw e;
            }
        } catch (NetException e) {
            throw map(e);
        }
    }

    /** /etc/hosts with the container's address, and resolv.conf with --dns and friends. */
    static Map<String, String> etcFiles(Plan p, String hostname, ContainerRequest r) throws EngineException {
        try {
            Map<String, String> files = new LinkedHashMap<>();
            files.put("hosts", HostsFile.build(hostname, null, p.allocation().address(), List.of(),
                r.extraHosts, p.allocation().gateway()));
            files.put("resolv.conf", ResolvConf.build(ResolvConf.hostPath(), r.dns, r.dnsSearch, r.dnsOptions));
            return files;
        } catch (NetException e) {
            throw map(e);
        }
    }

    static void connect(Plan p, long pid) throws EngineException {
        try {
            Wiring.connect(p.network(), p.allocation(), p.ports(), Path.of("/proc/" + pid + "/ns/net"));
        } catch (NetException e) {
            throw map(e);
        }
    }

    /**
     * Frees a container's addresses and ports, if berth has ever had a network here; with
     * {@code firewall}, its published ports leave the firewall too (a bridge network's, not pasta's).
     */
    static void release(Path root, String id, boolean firewall) throws EngineException {
        Path dir = root.resolve("networks");
        if (!Files.isDirectory(dir)) {
            return;
        }
        Networks networks = new Networks(dir);
        try {
            new Ipam(networks).releaseAll(id);
            if (!new HostPorts(networks).release(id).isEmpty() && firewall) {
                Wiring.unpublish(id);
            }
        } catch (NetException e) {
            throw map(e);
        }
    }

    /** docker inspect's NetworkSettings for a container on a bridge network. */
    static Map<String, Object> settings(Plan p) {
        Allocation a = p.allocation();
        Map<String, Object> endpoint = new LinkedHashMap<>();
        endpoint.put("NetworkID", p.network().id());
        endpoint.put("Gateway", a.gateway());
        endpoint.put("IPAddress", a.address());
        endpoint.put("IPPrefixLen", a.prefixLength());
        endpoint.put("MacAddress", a.mac());
        Map<String, Object> networks = new LinkedHashMap<>();
        networks.put(p.network().name(), endpoint);
        Map<String, Object> s = new LinkedHashMap<>();
        s.put("Bridge", "");
        s.put("Gateway", a.gateway());
        s.put("IPAddress", a.address());
        s.put("IPPrefixLen", a.prefixLength());
        s.put("MacAddress", a.mac());
        s.put("Ports", ports(p.ports()));
        s.put("Networks", networks);
        return s;
    }

    /** docker's Ports: container port/protocol to the host bindings. */
    static Map<String, Object> ports(List<PublishedPort> published) {
        Map<String, Object> ports = new LinkedHashMap<>();
        for (PublishedPort port : published) {
            String key = port.containerPort() + "/" + port.protocol();
            @SuppressWarnings("unchecked")
            List<Object> bindings = (List<Object>) ports.computeIfAbsent(key, k -> new ArrayList<>());
            bindings.add(Map.of("HostIp", port.hostIp(), "HostPort", Integer.toString(port.hostPort())));
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
