package dev.berth.engine;

import dev.berth.net.Allocation;
import dev.berth.net.HostPorts;
import dev.berth.net.Ipam;
import dev.berth.net.NetException;
import dev.berth.net.Network;
import dev.berth.net.Networks;
import dev.berth.net.Peers;
import dev.berth.net.PublishedPort;
import dev.berth.net.Wiring;
import dev.berth.runtime.json.Json;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code berth network}: user-defined bridge networks, and running containers plugged into and
 * out of them. The store is {@link Networks} (ROOT/networks); which containers are on a network
 * is what {@link Ipam} handed out, narrowed to the containers that still run.
 */
public final class NetworkAdmin {
    /**
     * A file in the directory of a container that network connect plugged in: an auto-removed
     * container then frees its addresses without its state being read at exit.
     */
    static final String CONNECTED = "connected";

    private final Engine engine;
    private final Networks networks;

    NetworkAdmin(Engine engine) {
        this.engine = engine;
        this.networks = Networking.networks(engine.root());
    }

    /** docker network create: only the store changes; the bridge appears with its first container. */
    public Map<String, Object> create(String name, String driver, String subnet, String gateway, boolean internal,
        Map<String, String> labels) throws EngineException {
        return create(name, driver, subnet == null ? List.of() : List.of(subnet),
            gateway == null ? List.of() : List.of(gateway), false, internal, labels);
    }

    /**
     * docker network create with {@code --ipv6}: {@code subnets} and {@code gateways} hold at most
     * one of each family; an IPv6 subnet left out is picked from berth's ULA prefix.
     */
    public Map<String, Object> create(String name, String driver, List<String> subnets, List<String> gateways,
        boolean ipv6, boolean internal, Map<String, String> labels) throws EngineException {
        if (driver != null && !driver.equals("bridge")) {
            throw new EngineException.InvalidArgument("network driver " + driver + " is not supported: berth has"
                + " bridge networks only; leave out --driver");
        }
        try {
            Network n = networks.create(name, subnets, gateways, ipv6, internal, labels);
            Events.network(engine, n.id(), n.name(), "create", null);
            return n.toJson();
        } catch (NetException e) {
            throw Networking.map(e);
        }
    }

    /** docker network ls: every network with the containers on it, sorted by name. */
    public List<Map<String, Object>> list() throws EngineException {
        List<Map<String, Object>> out = new ArrayList<>();
        try {
            Map<String, String> names = engine.namesById();
            for (Network n : networks.list()) {
                out.add(withContainers(n, names));
            }
        } catch (NetException e) {
            throw Networking.map(e);
        }
        return out;
    }

    /** docker network inspect: by name, id or unique id prefix. */
    public Map<String, Object> inspect(String ref) throws EngineException {
        try {
            return withContainers(networks.get(ref), engine.namesById());
        } catch (NetException e) {
            throw Networking.map(e);
        }
    }

    /**
     * docker network rm: refused while a running container is on it; then its bridge, its
     * firewall elements and its files go.
     *
     * @return the network's name
     */
    public String remove(String ref) throws EngineException {
        try {
            Network n = networks.remove(ref, this::attached, Wiring::remove);
            Events.network(engine, n.id(), n.name(), "destroy", null);
            return n.name();
        } catch (NetException e) {
            throw Networking.map(e);
        }
    }

    /** docker network prune: every user-defined network without running containers. */
    public List<String> prune() throws EngineException {
        List<String> removed = new ArrayList<>();
        try {
            for (Network n : networks.prune(this::attached, Wiring::remove)) {
                Events.network(engine, n.id(), n.name(), "destroy", null);
                removed.add(n.name());
            }
        } catch (NetException e) {
            throw Networking.map(e);
        }
        return removed;
    }

    /**
     * docker network connect: one more interface ({@code ethN}) in a running container, with an
     * address on {@code network} ({@code ip}, or the next free one), and its name (and
     * {@code aliases}) known to the other containers there.
     */
    public void connect(String network, String container, String ip, List<String> aliases) throws EngineException {
        connect(network, container, ip, null, aliases);
    }

    /** As {@link #connect(String, String, String, List)}, with {@code ip6} (docker's --ip6) on a dual-stack network. */
    public void connect(String network, String container, String ip, String ip6, List<String> aliases)
        throws EngineException {
        String id = engine.resolve(container);
        try (var lock = engine.store().lock(id)) {
            Map<String, Object> s = running(id, container, "connect");
            Network n = networks.get(network);
            Map<String, Object> settings = Json.map(s, "NetworkSettings");
            Map<String, Object> endpoints = settings == null ? null : Json.map(settings, "Networks");
            if (endpoints != null && endpoints.containsKey(n.name())) {
                throw new EngineException.Conflict("endpoint with name " + Inspect.name(s) + " already exists in network "
                    + n.name() + ": the container is connected already");
            }
            checkMode(s, container);
            if (n.isDefault() && aliases != null && !aliases.isEmpty()) {
                throw new EngineException.InvalidArgument(Networking.ALIASES_ON_DEFAULT);
            }
            Path netns = Path.of("/proc/" + Inspect.pid(s) + "/ns/net");
            Files.write(engine.dir(id).resolve(CONNECTED), new byte[0]);
            Ipam ipam = new Ipam(networks);
            Allocation a = ipam.allocate(n.name(), id, ip, ip6);
            try {
                Wiring.attach(n, a, netns);
                new Peers(networks).join(n, new Peers.Peer(id, Inspect.name(s), aliases, a.address(),
                    engine.dir(id).resolve("hosts"), a.address6()));
                Networking.addEndpoint(s, n, a, aliases);
                engine.store().write(id, s, !Inspect.autoRemove(s));
                Events.network(engine, n.id(), n.name(), "connect", id);
            } catch (NetException | IOException | RuntimeException e) {
                try { // leave nothing half-made: no interface, name or address the state does not show
                    Wiring.detach(netns, a.address());
                    new Peers(networks).leave(n.name(), id);
                    ipam.release(n.name(), id);
                } catch (NetException suppressed) {
                    e.addSuppressed(suppressed);
                }
                throw e;
            }
        } catch (NetException e) {
            throw Networking.map(e);
        } catch (IOException e) {
            throw new EngineException.SystemFailure("cannot connect container " + container + ": " + e.getMessage(), e);
        }
    }

    /**
     * docker network disconnect: the container's interface on {@code network} goes, with its
     * address, its name on the network and, for the network it was started on, its published
     * ports. {@code force} also takes a stopped container's address back.
     */
    public void disconnect(String network, String container, boolean force) throws EngineException {
        String id = engine.resolve(container);
        try (var lock = engine.store().lock(id)) {
            Map<String, Object> s = engine.load(id);
            if (s == null) {
                throw new EngineException.NotFound("no such container: " + container);
            }
            Network n = networks.get(network);
            Map<String, Object> settings = Json.map(s, "NetworkSettings");
            Map<String, Object> endpoints = settings == null ? null : Json.map(settings, "Networks");
            Map<String, Object> endpoint = endpoints == null ? null : Json.map(endpoints, n.name());
            if (endpoint == null) {
                throw new EngineException.NotFound("container " + container + " is not connected to network "
                    + n.name() + "; see berth inspect " + container);
            }
            boolean running = Inspect.isRunning(s);
            if (!running && !force) {
                throw new EngineException.InvalidState("container " + container + " is not running: its address"
                    + " on " + n.name() + " is freed when it is removed; use disconnect -f to free it now");
            }
            if (running) {
                Wiring.detach(Path.of("/proc/" + Inspect.pid(s) + "/ns/net"), (String) endpoint.get("IPAddress"));
            }
            new Peers(networks).leave(n.name(), id);
            new Ipam(networks).release(n.name(), id);
            boolean primary = n.name().equals(Json.map(s, "HostConfig").get("NetworkMode"));
            if (primary && !new HostPorts(networks).release(id).isEmpty()) {
                Wiring.unpublish(id);
                settings.put("Ports", new LinkedHashMap<String, Object>());
            }
            Networking.removeEndpoint(s, n.name());
            engine.store().write(id, s, !Inspect.autoRemove(s));
            Events.network(engine, n.id(), n.name(), "disconnect", id);
        } catch (NetException e) {
            throw Networking.map(e);
        } catch (IOException e) {
            throw new EngineException.SystemFailure("cannot disconnect container " + container + ": " + e.getMessage(), e);
        }
    }

    /**
     * Puts back the bridges, ports of bridges and firewall elements of running containers (all
     * of them when {@code refs} is empty), after a firewall reload flushed the rule set or a
     * bridge was deleted, as podman network reload does.
     *
     * @return the ids of the containers that had a network to restore
     */
    public List<String> reload(List<String> refs) throws EngineException {
        List<String> ids = new ArrayList<>();
        if (refs.isEmpty()) {
            for (Map<String, Object> s : engine.list(false)) {
                ids.add((String) s.get("Id"));
            }
        } else {
            for (String ref : refs) {
                ids.add(engine.resolve(ref));
            }
        }
        List<String> done = new ArrayList<>();
        try {
            List<PublishedPort> published = new HostPorts(networks).list();
            for (String id : ids) {
                Map<String, Object> s = engine.load(id);
                Map<String, Object> settings = s == null ? null : Json.map(s, "NetworkSettings");
                if (settings == null || !Inspect.isRunning(s)) {
                    continue;
                }
                Path netns = Path.of("/proc/" + Inspect.pid(s) + "/ns/net");
                Object primary = Json.map(s, "HostConfig").get("NetworkMode");
                boolean any = false;
                for (Map.Entry<String, Object> e : Json.map(settings, "Networks").entrySet()) {
                    Network n;
                    try {
                        n = networks.get(e.getKey());
                    } catch (NetException.NotFound gone) {
                        continue;
                    }
                    List<PublishedPort> ports = new ArrayList<>();
                    if (e.getKey().equals(primary)) {
                        for (PublishedPort p : published) {
                            if (p.containerId().equals(id)) {
                                ports.add(p);
                            }
                        }
                    }
                    String address = (String) ((Map<?, ?>) e.getValue()).get("IPAddress");
                    any |= Wiring.restore(n, id, address, ports, netns);
                }
                if (any) {
                    done.add(id);
                }
            }
        } catch (NetException e) {
            throw Networking.map(e);
        }
        return done;
    }

    private Map<String, Object> running(String id, String ref, String what) throws EngineException {
        Map<String, Object> s = engine.load(id);
        if (s == null) {
            throw new EngineException.NotFound("no such container: " + ref);
        }
        if (!Inspect.isRunning(s)) {
            throw new EngineException.InvalidState("container " + ref + " is not running: berth can " + what
                + " running containers only (a stopped one never starts again)");
        }
        return s;
    }

    /** Only a network namespace of the container's own can take more interfaces. */
    private static void checkMode(Map<String, Object> s, String ref) throws EngineException {
        Object mode = Json.map(s, "HostConfig").get("NetworkMode");
        if (mode instanceof String m && (m.equals("host") || m.startsWith("/") || m.startsWith("container:"))) {
            throw new EngineException.InvalidState("container " + ref + " shares "
                + (m.equals("host") ? "the host's" : "another's") + " network namespace (--network " + m
                + "): it cannot be connected to a network; start it with a network of its own");
        }
        if (Pasta.isMode(String.valueOf(mode))) {
            throw new EngineException.InvalidState("container " + ref + " is on pasta (the host's network through"
                + " pasta): it cannot be connected to a bridge network; start it on a bridge network instead");
        }
    }

    /**
     * The running (or starting) containers holding an address on {@code n}: a container being
     * created has its directory before its state, so it counts until it is known to have exited.
     */
    private List<String> attached(Network n) throws NetException {
        List<String> out = new ArrayList<>();
        for (Allocation a : new Ipam(networks).list(n.name())) {
            Path dir = engine.dir(a.containerId());
            if (!Files.isDirectory(dir)) {
                continue;
            }
            Map<String, Object> s = engine.load(a.containerId());
            if (s == null || Inspect.isRunning(s)) {
                Object name = s == null ? null : s.get("Name");
                out.add(name instanceof String nm ? nm.substring(1) : a.containerId().substring(0, 12));
            }
        }
        return out;
    }

    private Map<String, Object> withContainers(Network n, Map<String, String> names) throws NetException {
        Map<String, Object> m = n.toJson();
        Map<String, Object> containers = new LinkedHashMap<>();
        for (Allocation a : new Ipam(networks).list(n.name())) {
            Map<String, Object> s = engine.load(a.containerId());
            if (s == null || !Inspect.isRunning(s)) {
                continue;
            }
            Map<String, Object> c = new LinkedHashMap<>();
            c.put("Name", names.getOrDefault(a.containerId(), ""));
            c.put("EndpointID", "");
            c.put("MacAddress", a.mac());
            c.put("IPv4Address", a.cidr());
            c.put("IPv6Address", a.cidr6());
            containers.put(a.containerId(), c);
        }
        m.put("Containers", containers);
        return m;
    }
}
