package dev.berth.net;

import static dev.berth.net.FirewallTable.BRIDGES;
import static dev.berth.net.FirewallTable.HOST_IP_PORTS;
import static dev.berth.net.FirewallTable.INTERNAL;
import static dev.berth.net.FirewallTable.INTRA;
import static dev.berth.net.FirewallTable.OUTBOUND;
import static dev.berth.net.FirewallTable.PORTS;
import static dev.berth.net.FirewallTable.SUBNETS;
import static dev.berth.net.NftJson.concat;
import static dev.berth.net.NftJson.prefix;

import dev.berth.linux.InNetns;
import dev.berth.linux.nft.Nft;
import dev.berth.linux.nft.NftException;
import dev.berth.runtime.json.Json;
import dev.berth.runtime.json.JsonException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;

/**
 * berth's NAT and filter rules for its bridge networks, docker's model over nftables: one table
 * of berth's own, {@code table ip berth}, that nothing else writes and that berth never leaves
 * (other tables and the ruleset are never touched), and {@code table ip6 berth}, laid out the same
 * way, for the IPv6 side of dual-stack networks ({@link #ipv6()}). Every change is one transaction; applying
 * the same change twice leaves the same table. See docs/networking.md, "Firewall".
 *
 * <p>The table holds no per-network or per-container rules: networks and published ports are
 * elements of its sets and maps, each commented with its owner ({@code network NAME},
 * {@code container ID}), so a container that crashed leaves elements that {@link #published()}
 * still finds and {@link #unpublish} removes.
 */
public final class Firewall implements AutoCloseable {
    private static final int ATTEMPTS = 5;

    private final Nft nft;
    private final Path netns;
    private final FirewallTable table;
    /** False for the {@link #ipv6()} view, which leaves the context to the firewall it came from. */
    private final boolean owner;

    private Firewall(Nft nft, Path netns, FirewallTable table, boolean owner) {
        this.nft = nft;
        this.netns = netns;
        this.table = table;
        this.owner = owner;
    }

    /**
     * The same firewall's {@code table ip6 berth}, over the same libnftables context (closing it
     * does nothing; close this one). Its addresses, subnets and host addresses are IPv6.
     */
    public Firewall ipv6() {
        return new Firewall(nft, netns, FirewallTable.IP6, false);
    }

    /** The firewall of the caller's network namespace (the host's, for the engine). */
    public static Firewall open() throws NetException.SystemFailure {
        return open(null);
    }

    /**
     * The firewall of another network namespace ({@code /proc/PID/ns/net}, {@code /run/netns/NAME}).
     *
     * @throws NetException.SystemFailure when libnftables is missing or the namespace cannot be entered
     */
    public static Firewall open(Path netns) throws NetException.SystemFailure {
        try {
            return new Firewall(netns == null ? Nft.open() : Nft.open(netns), netns, FirewallTable.IP, true);
        } catch (IOException e) {
            throw new NetException.SystemFailure(e.getMessage(), e);
        }
    }

    /**
     * Adds (or replaces) the rules of a bridge network: its containers reach outside through the
     * host's address (unless {@code internal}: then nothing goes in or out), and no other berth
     * network reaches it. Also turns on what docker turns on for a bridge:
     * {@code net.ipv4.ip_forward=1} and {@code net.ipv4.conf.BRIDGE.route_localnet=1} (the host's
     * 127.0.0.1 reaching published ports). The bridge must exist.
     *
     * <p>In the {@link #ipv6()} table: {@code net.ipv6.conf.all.forwarding=1} instead, first
     * setting {@code accept_ra=2} on every interface that accepts router advertisements
     * ({@code accept_ra=1}), since forwarding makes the kernel ignore them at 1 and drop the
     * routes learnt from them.
     *
     * @param subnet the network's subnet of this table's family, {@code 172.18.0.0/16} or {@code fd00:1::/64}
     * @throws NetException.InvalidArgument for a bad name, bridge name or subnet
     * @throws NetException.NotFound when the bridge does not exist
     * @throws NetException.Conflict when another network has the bridge or an overlapping subnet
     * @throws NetException.SystemFailure when the kernel refuses the change
     */
    public synchronized void addNetwork(String name, String bridge, String subnet, boolean internal) throws NetException {
        checkName("network name", name);
        checkBridge(bridge);
        boolean v6 = table == FirewallTable.IP6;
        Subnet net = v6 ? null : Subnet.parse(subnet);
        Subnet6 net6 = v6 ? Subnet6.parse(subnet) : null;
        String cidr = v6 ? net6.toString() : net.toString();
        if (v6) {
            sysctls6(bridge);
        } else {
            sysctls(bridge);
        }
        String owner = FirewallState.NETWORK + name;
        apply("add network " + name, true, state -> {
            for (FirewallState.Network other : state.networks().values()) {
                if (other.name().equals(name)) {
                    continue;
                }
                if (other.bridge().equals(bridge)) {
                    throw new NetException.Conflict("bridge " + bridge + " already belongs to network " + other.name()
                        + ": remove that network first or use another bridge");
                }
                if (v6 ? other.subnet6() != null && other.subnet6().overlaps(net6)
                    : other.subnet() != null && other.subnet().overlaps(net)) {
                    throw new NetException.Conflict("subnet " + cidr + " overlaps " + (v6 ? other.subnet6() : other.subnet())
                        + " of network " + other.name() + ": choose another subnet");
                }
            }
            List<FirewallState.Element> owned = state.owned(owner);
            FirewallState.Network have = state.networks().get(name);
            // fields compared one by one: a record's equals is bootstrapped at run time (~ms cold)
            if (owned.size() == 4 && have != null && have.bridge().equals(bridge) && have.internal() == internal
                && (v6 ? net6.equals(have.subnet6())
                    : have.subnet() != null && have.subnet().base() == net.base() && have.subnet().prefix() == net.prefix())) {
                return List.of(); // there already, as wanted: the common case, a second container
            }
            Object prefix = v6 ? prefix(net6.base().toString(), net6.prefix()) : prefix(Inet4.format(net.base()), net.prefix());
            List<Object> c = new ArrayList<>();
            delete(c, owned);
            c.add(table.addElement(BRIDGES, bridge, owner));
            c.add(table.addElement(INTRA, concat(bridge, bridge), owner));
            c.add(table.addElement(SUBNETS, concat(prefix, bridge), owner));
            c.add(internal ? table.addElement(INTERNAL, bridge, owner) : table.addElement(OUTBOUND, prefix, owner));
            return c;
        });
    }

    /** Removes a network's rules; nothing when it has none. Published ports are not touched. */
    public synchronized void removeNetwork(String name) throws NetException {
        checkName("network name", name);
        removeOwned("remove network " + name, FirewallState.NETWORK + name);
    }

    /**
     * Publishes a container's ports: {@code ports} replace whatever the container had published
     * (an empty list removes them). Traffic to a published port is sent to
     * {@code containerIp:containerPort}, from other hosts and from the host itself.
     *
     * @throws NetException.InvalidArgument for a bad id or address, or a host port given twice
     * @throws NetException.Conflict when another container has published one of the host ports
     * @throws NetException.SystemFailure when the kernel refuses the change
     */
    public synchronized void publish(String containerId, String containerIp, List<PortMapping> ports) throws NetException {
        checkName("container id", containerId);
        boolean v6 = table == FirewallTable.IP6;
        if (containerIp == null || !(v6 ? Ip6.valid(containerIp) : Inet4.valid(containerIp))) {
            throw new NetException.InvalidArgument("container address " + containerIp + " is not an IPv"
                + (v6 ? "6" : "4") + " address");
        }
        String ip = v6 ? Ip6.parse(containerIp).toString() : Inet4.format(Inet4.parse(containerIp));
        List<PortMapping> wanted = List.copyOf(ports);
        for (PortMapping m : wanted) {
            if (!m.anyHostIp() && m.ipv6() != v6) {
                throw new NetException.InvalidArgument("host address " + m.hostIp() + " is not an IPv" + (v6 ? "6" : "4")
                    + " address: publish it in the IPv" + (v6 ? "4" : "6") + " table");
            }
        }
        for (int i = 0; i < wanted.size(); i++) {
            for (int j = 0; j < i; j++) {
                if (clash(wanted.get(i), wanted.get(j))) {
                    throw new NetException.InvalidArgument("host port " + host(wanted.get(i)) + " is published twice ("
                        + wanted.get(j) + " and " + wanted.get(i) + "): publish each host port once");
                }
            }
        }
        String owner = FirewallState.CONTAINER + containerId;
        apply("publish ports of container " + containerId, true, state -> {
            for (FirewallState.Published p : state.published(any())) {
                for (PortMapping m : wanted) {
                    if (!p.containerId().equals(containerId) && clash(m, p.mapping())) {
                        throw new NetException.Conflict("host port " + host(m) + " is already published by container "
                            + p.containerId() + " (" + p.mapping() + "): choose another host port");
                    }
                }
            }
            List<Object> c = new ArrayList<>();
            delete(c, state.owned(owner));
            for (PortMapping m : wanted) {
                Object to = concat(ip, m.containerPort());
                if (m.anyHostIp()) {
                    c.add(table.addMapElement(PORTS, concat(m.protocol(), m.hostPort()), to, owner));
                } else {
                    c.add(table.addMapElement(HOST_IP_PORTS, concat(m.hostIp(), m.protocol(), m.hostPort()), to, owner));
                }
            }
            return c;
        });
    }

    /** Removes every port the container published (also after it crashed); nothing when none. */
    public synchronized void unpublish(String containerId) throws NetException {
        checkName("container id", containerId);
        removeOwned("unpublish ports of container " + containerId, FirewallState.CONTAINER + containerId);
    }

    /** The ports a container has published, ordered by container port (what {@code berth port} shows). */
    public synchronized List<PortMapping> published(String containerId) throws NetException {
        List<PortMapping> out = published().get(containerId);
        return out == null ? List.of() : out;
    }

    /** Every container with published ports, running or not, with its ports. */
    public synchronized Map<String, List<PortMapping>> published() throws NetException {
        Map<String, List<PortMapping>> out = new TreeMap<>();
        for (FirewallState.Published p : read().published(any())) {
            out.computeIfAbsent(p.containerId(), k -> new ArrayList<>()).add(p.mapping());
        }
        Comparator<PortMapping> order = Comparator.comparingInt(PortMapping::containerPort)
            .thenComparing(PortMapping::protocol).thenComparing(PortMapping::hostIp).thenComparingInt(PortMapping::hostPort);
        for (List<PortMapping> list : out.values()) {
            list.sort(order);
        }
        return out;
    }

    /** The names of the networks that have rules. */
    public synchronized List<String> networks() throws NetException {
        return List.copyOf(new TreeMap<>(read().networks()).keySet());
    }

    @Override
    public void close() {
        if (owner) {
            nft.close();
        }
    }

    /** The wildcard host address of this table's family. */
    private String any() {
        return table == FirewallTable.IP6 ? PortMapping.ANY6 : PortMapping.ANY;
    }

    private interface Change {
        /** The elements to delete and add. */
        List<Object> commands(FirewallState state) throws NetException;
    }

    /**
     * Reads the table, computes the change from it and sends it as one transaction. Another
     * berth process may change the table in between; the kernel then refuses the transaction
     * (an element to delete is gone, one to add exists), and it is computed again. With
     * {@code build}, a table that is not laid out as {@link FirewallTable#skeleton} makes it
     * gets its chains and rules (again) in the same transaction.
     */
    private void apply(String what, boolean build, Change change) throws NetException {
        for (int attempt = 1; ; attempt++) {
            FirewallState state = read();
            List<Object> elements = change.commands(state);
            boolean lay = build && !state.laidOut(table);
            if (elements.isEmpty() && !lay) {
                return;
            }
            List<Object> commands = lay ? table.skeleton() : new ArrayList<>();
            commands.addAll(elements);
            try {
                if (!state.sets.contains(PORTS) || !state.sets.contains(HOST_IP_PORTS)) {
                    nft.run(table.maps);
                }
                nft.runJson(Json.compact(Map.of("nftables", commands)));
                return;
            } catch (NftException e) {
                boolean raced = e.getMessage().contains("No such file or directory") || e.getMessage().contains("File exists");
                if (!raced || attempt == ATTEMPTS) {
                    throw new NetException.SystemFailure("cannot " + what + where() + ": " + e.getMessage(), e);
                }
            }
        }
    }

    private void removeOwned(String what, String owner) throws NetException {
        apply(what, false, state -> {
            List<Object> c = new ArrayList<>();
            delete(c, state.owned(owner));
            return c;
        });
    }

    private void delete(List<Object> commands, List<FirewallState.Element> elements) {
        for (FirewallState.Element e : elements) {
            commands.add(table.deleteElement(e.set(), e.key()));
        }
    }

    private FirewallState read() throws NetException {
        String json;
        try {
            json = nft.runJson("{\"nftables\":[{\"list\":{\"table\":{\"family\":\"" + table.family
                + "\",\"name\":\"berth\"}}}]}");
        } catch (NftException e) {
            if (e.getMessage().contains("No such file or directory")) {
                return FirewallState.empty();
            }
            throw new NetException.SystemFailure("cannot read " + table.describe() + where() + ": " + e.getMessage(), e);
        }
        try {
            return FirewallState.parse(json);
        } catch (JsonException e) {
            throw new NetException.SystemFailure("libnftables listed " + table.describe() + " as bad JSON (" + e.getMessage() + ")", e);
        }
    }

    /** Two mappings want the same host port: same protocol and port, and an address in common. */
    private static boolean clash(PortMapping a, PortMapping b) {
        return a.hostPort() == b.hostPort() && a.protocol().equals(b.protocol())
            && (a.anyHostIp() || b.anyHostIp() || a.hostIp().equals(b.hostIp()));
    }

    private static String host(PortMapping m) {
        return m.hostIp() + ":" + m.hostPort() + "/" + m.protocol();
    }

    private void sysctls(String bridge) throws NetException {
        Callable<Void> write = () -> {
            Path conf = Path.of("/proc/sys/net/ipv4/conf", bridge);
            if (!Files.isDirectory(conf)) {
                throw new NetException.NotFound("bridge " + bridge + " does not exist" + where()
                    + ": create it before adding its network's firewall rules");
            }
            Files.writeString(conf.resolve("route_localnet"), "1\n");
            // a container's router advertisement must never configure the host (CVE-2020-13401)
            Path ra = Path.of("/proc/sys/net/ipv6/conf", bridge, "accept_ra");
            if (Files.exists(ra)) {
                Files.writeString(ra, "0\n");
            }
            Files.writeString(Path.of("/proc/sys/net/ipv4/ip_forward"), "1\n");
            return null;
        };
        inNamespace(write, "cannot set the sysctls of bridge " + bridge);
    }

    /** Runs {@code write} in the firewall's network namespace; its failures as one SystemFailure saying {@code what}. */
    private void inNamespace(Callable<Void> write, String what) throws NetException {
        try {
            if (netns == null) {
                write.call();
            } else {
                InNetns.call(netns, write);
            }
        } catch (NetException | RuntimeException e) {
            throw e;
        } catch (Exception e) {
            throw new NetException.SystemFailure(what + where() + ": " + e.getMessage(), e);
        }
    }

    /**
     * IPv6 forwarding, which is one switch for the namespace ({@code conf/all}; the per-interface
     * ones only make an interface a router or a host). Turning it on makes the kernel ignore
     * router advertisements on interfaces at {@code accept_ra=1} and drop the default routes it
     * learnt from them, which would cut a host configured by SLAAC off: the interfaces that have
     * routes learnt from advertisements now get {@code accept_ra=2} first (accept them even when
     * forwarding), which keeps what they do. No other interface is touched (an interface at 2
     * would take a container's advertisement, were it a bridge of containers).
     */
    private void sysctls6(String bridge) throws NetException {
        Callable<Void> write = () -> {
            Path conf = Path.of("/proc/sys/net/ipv6/conf");
            if (!Files.isDirectory(conf.resolve(bridge))) {
                throw new NetException.NotFound("bridge " + bridge + " does not exist or has IPv6 off" + where()
                    + ": create it before adding its network's firewall rules");
            }
            Path all = conf.resolve("all").resolve("forwarding");
            if (dev.berth.linux.Procs.sysctl(all).strip().equals("1")) {
                return null;
            }
            for (String link : HostRoutes.learnt(Path.of("/proc/net/ipv6_route"))) {
                Path ra = conf.resolve(link).resolve("accept_ra");
                if (Files.isRegularFile(ra) && dev.berth.linux.Procs.sysctl(ra).strip().equals("1")) {
                    Files.writeString(ra, "2\n");
                }
            }
            Files.writeString(all, "1\n");
            return null;
        };
        inNamespace(write, "cannot turn IPv6 forwarding on for bridge " + bridge);
    }

    private String where() {
        return netns == null ? "" : " in " + netns;
    }

    /** Names become element comments: docker's rule for names, and short enough for a comment. */
    private static void checkName(String what, String name) throws NetException.InvalidArgument {
        boolean ok = name != null && !name.isEmpty() && name.length() <= 100 && Character.isLetterOrDigit(name.charAt(0));
        for (int i = 0; ok && i < name.length(); i++) {
            char c = name.charAt(i);
            ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '.' || c == '-';
        }
        if (!ok) {
            throw new NetException.InvalidArgument(what + " " + name
                + " is not valid: use 1-100 of a-z A-Z 0-9 _ . -, starting with a letter or digit");
        }
    }

    /** The kernel's rule for interface names (dev_valid_name). */
    private static void checkBridge(String bridge) throws NetException.InvalidArgument {
        boolean ok = bridge != null && !bridge.isEmpty() && bridge.length() <= 15 && !bridge.equals(".") && !bridge.equals("..");
        for (int i = 0; ok && i < bridge.length(); i++) {
            char c = bridge.charAt(i);
            ok = c != '/' && c != ':' && !Character.isWhitespace(c);
        }
        if (!ok) {
            throw new NetException.InvalidArgument("bridge name " + bridge + " is not an interface name: use 1-15 characters without / : or spaces");
        }
    }
}
