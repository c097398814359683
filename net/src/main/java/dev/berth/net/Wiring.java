package dev.berth.net;

import dev.berth.linux.ErrnoException;
import dev.berth.linux.InNetns;
import dev.berth.linux.netlink.Address;
import dev.berth.linux.netlink.Link;
import dev.berth.linux.netlink.NetlinkTransport;
import dev.berth.linux.netlink.Rtnl;
import dev.berth.linux.nft.Nft;
import dev.berth.runtime.Trace;
import java.io.IOException;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The kernel side of a bridge network, over rtnetlink: the bridge with its gateway address, and
 * per container a veth pair whose inner end is made directly in the container's network
 * namespace as {@code eth0} (moving a link between namespaces costs the kernel ~20 ms), with
 * docker's MAC, the address and a default route via the bridge. The pair dies with the
 * container's namespace, so nothing here removes it.
 */
public final class Wiring {
    private static final int EEXIST = 17;

    private Wiring() {}

    /**
     * Starts linking, on a thread of its own, the native calls of libnftables that publishing
     * ports needs: on a cold JVM that takes ~20 ms, which a caller that knows ports are coming can
     * overlap with the container's creation (the rest of a new container's wiring goes through its
     * stage, with no native call of this JVM's). Once per JVM; nothing changes in any network
     * namespace.
     */
    public static void prepare() {
        synchronized (Wiring.class) {
            if (prepared) {
                return;
            }
            prepared = true;
        }
        Thread.ofPlatform().name("berth-net-prepare").daemon().start(new Prepare());
    }

    private static boolean prepared;

    /**
     * The ids of the networks whose firewall elements this process has put in place (or found
     * there). A long-lived process (the library, a daemon) reads the table for the first container
     * of a network only, as docker sets a network's rules up once: ~1.3 ms less per start. A
     * rule set flushed behind its back is put back by {@code berth network reload} ({@link
     * #restore}, which always reads), as docker's are by a restart. A network made again gets a
     * new id, so it is never taken for the old one.
     */
    private static final Set<String> FIREWALLED = new HashSet<>();

    /** A class, not a lambda: no bootstrap on a cold start. */
    private static final class Prepare implements Runnable {
        @Override
        public void run() {
            Nft.prepare();
        }
    }

    /** The host end of a container's pair: {@code vb} and the id's start, 13 of IFNAMSIZ's 15. */
    public static String hostEnd(String containerId) {
        return "vb" + containerId.substring(0, Math.min(11, containerId.length()));
    }

    /**
     * The host end of the pair whose inner end is {@code ethN}: {@link #hostEnd(String)} for eth0,
     * else {@code vb}, 9 hex digits of the id, {@code x} and N (never equal to another
     * container's, whose names are all hex after {@code vb}).
     */
    static String hostEnd(String containerId, String inner) {
        if (inner.equals("eth0")) {
            return hostEnd(containerId);
        }
        return "vb" + containerId.substring(0, Math.min(9, containerId.length())) + "x" + inner.substring(3);
    }

    /**
     * Plugs the container whose network namespace is {@code netns} into network {@code n} as its
     * first interface, {@code eth0} with the default route, with the network's NAT rules in
     * place and {@code ports} published.
     */
    public static void connect(Network n, Allocation a, List<PublishedPort> ports, Path netns) throws NetException {
        connect(n, a, ports, netns, "eth0");
    }

    /**
     * Plugs a running container into one more network, as the first free {@code ethN} (N &gt; 0,
     * at most 99), without a default route: the first network keeps it, as with docker.
     *
     * @return the interface's name in the container
     */
    public static String attach(Network n, Allocation a, Path netns) throws NetException {
        String inner;
        try (Rtnl inside = Rtnl.open(netns)) {
            inner = null;
            for (int i = 1; i < 100 && inner == null; i++) {
                if (inside.links().find("eth" + i).isEmpty()) {
                    inner = "eth" + i;
                }
            }
        } catch (IOException e) {
            throw new NetException.SystemFailure("cannot read the container's interfaces: " + e.getMessage(), e);
        }
        if (inner == null) {
            throw new NetException.Conflict("the container has eth1 to eth99 already: disconnect it from a network first");
        }
        try {
            connect(n, a, List.of(), netns, inner);
        } catch (NetException e) {
            try (Rtnl host = Rtnl.open()) { // leave nothing half-made: the pair goes with its host end
                if (host.links().find(hostEnd(a.containerId(), inner)).isPresent()) {
                    host.links().delete(hostEnd(a.containerId(), inner));
                }
            } catch (IOException suppressed) {
                e.addSuppressed(suppressed);
            }
            throw e;
        }
        return inner;
    }

    /**
     * Unplugs the interface that holds {@code address} in the container's namespace (its veth
     * pair goes with it); nothing when there is none.
     */
    public static void detach(Path netns, String address) throws NetException {
        try (Rtnl inside = Rtnl.open(netns)) {
            String name = holder(inside, address);
            if (name != null) {
                inside.links().delete(name);
            }
        } catch (IOException e) {
            throw new NetException.SystemFailure("cannot remove the container's interface with " + address + ": "
                + e.getMessage(), e);
        }
    }

    /**
     * Puts back what a lost rule set or a deleted bridge took from a running container on
     * {@code n}: the bridge with its gateway address, the host end of the container's pair as
     * its port (found through the interface that holds {@code address} inside), the network's
     * firewall elements and {@code ports}. Everything here is idempotent.
     *
     * @return false when the container has no interface with {@code address} (it was taken out)
     */
    public static boolean restore(Network n, String containerId, String address, List<PublishedPort> ports, Path netns)
        throws NetException {
        String inner = null;
        try (Rtnl inside = Rtnl.open(netns)) {
            inner = holder(inside, address);
        } catch (IOException e) {
            throw new NetException.SystemFailure("cannot read the interfaces of container " + containerId + ": "
                + e.getMessage(), e);
        }
        if (inner == null) {
            return false;
        }
        String veth = hostEnd(containerId, inner);
        try (Rtnl host = Rtnl.open()) {
            bridge(host, n);
            if (host.links().find(veth).isPresent()) {
                host.links().setMaster(veth, n.bridge());
                host.links().setHairpin(veth, true);
                host.links().setUp(veth);
            }
        } catch (IOException e) {
            throw new NetException.SystemFailure("cannot restore bridge " + n.bridge() + " of network " + n.name()
                + ": " + e.getMessage(), e);
        }
        String address6 = null;
        if (n.ipv6()) {
            try (Rtnl inside = Rtnl.open(netns)) {
                address6 = address6(inside, inner);
            } catch (IOException e) {
                throw new NetException.SystemFailure("cannot read the addresses of container " + containerId + ": "
                    + e.getMessage(), e);
            }
        }
        firewall(n, containerId, address, address6, ports, true);
        return true;
    }

    /** The global IPv6 address of interface {@code name}, or null. */
    private static String address6(Rtnl rtnl, String name) throws IOException {
        int index = -1;
        for (Link l : rtnl.links().list()) {
            if (l.name().equals(name)) {
                index = l.index();
            }
        }
        for (Address a : rtnl.addresses().list()) {
            if (a.index() == index && a.address() instanceof java.net.Inet6Address v6 && !v6.isLinkLocalAddress()) {
                return Ip6.of(v6.getAddress()).toString();
            }
        }
        return null;
    }

    /** The name of the interface that holds {@code address}, or null. */
    private static String holder(Rtnl rtnl, String address) throws IOException {
        InetAddress want = InetAddress.getByName(address);
        for (Address a : rtnl.addresses().list()) {
            if (a.address().equals(want)) {
                for (Link l : rtnl.links().list()) {
                    if (l.index() == a.index()) {
                        return l.name();
                    }
                }
            }
        }
        return null;
    }

    /** Removes a network's bridge and firewall elements (its containers must be gone). */
    public static void remove(Network n) throws NetException {
        try (Rtnl host = Rtnl.open()) {
            if (host.links().find(n.bridge()).isPresent()) {
                host.links().delete(n.bridge());
            }
        } catch (IOException e) {
            throw new NetException.SystemFailure("cannot remove bridge " + n.bridge() + " of network " + n.name() + ": "
                + e.getMessage(), e);
        }
        synchronized (FIREWALLED) {
            FIREWALLED.remove(n.id());
        }
        try (Firewall fw = Firewall.open()) {
            fw.removeNetwork(n.name());
            if (n.ipv6()) {
                fw.ipv6().removeNetwork(n.name());
            }
        }
    }

    /**
     * The netlink sockets that wire a new container while it waits to start: its monitor's, in
     * the host's network namespace and in the container's ({@code StageSession.netlink}).
     */
    public interface Sockets {
        /** A socket of {@code protocol} in the caller's (the host's) network namespace. */
        NetlinkTransport host(int protocol) throws IOException;

        /** A socket of {@code protocol} in the container's network namespace. */
        NetlinkTransport container(int protocol) throws IOException;
    }

    /** This process's own sockets (FFM), the container's opened in {@code netns}: for a container that runs. */
    private static final class OwnSockets implements Sockets {
        private final Path netns;

        OwnSockets(Path netns) {
            this.netns = netns;
        }

        @Override
        public NetlinkTransport host(int protocol) throws IOException {
            return NetlinkTransport.open(protocol);
        }

        @Override
        public NetlinkTransport container(int protocol) throws IOException {
            return NetlinkTransport.open(netns, protocol);
        }
    }

    /**
     * {@link #connect(Network, Allocation, List, Path)} for a container that has not started, whose
     * first process is {@code pid}, through {@code sockets}: no system call of this JVM's, so a cold
     * one links no downcall. Unless ports are published, the network's firewall elements are
     * taken as in place while the ruleset's generation is the one {@code memos} recorded when
     * they were last found there ({@link FirewallMemo}); null: always read.
     */
    public static void connect(Network n, Allocation a, List<PublishedPort> ports, long pid, Sockets sockets,
                               Path memos) throws NetException {
        wire(n, a, "eth0", sockets, Path.of("/proc/" + pid + "/ns/net"), pid);
        if (memos == null || !ports.isEmpty() || n.ipv6()) {
            firewall(n, a.containerId(), a.address(), a.address6(), ports, false);
            return;
        }
        synchronized (FIREWALLED) {
            if (FIREWALLED.contains(n.id())) {
                return;
            }
        }
        NetlinkTransport netfilter;
        try {
            netfilter = sockets.host(NetlinkTransport.NETLINK_NETFILTER);
        } catch (IOException e) { // no generation to compare: the table is read
            firewall(n, a.containerId(), a.address(), a.address6(), ports, false);
            return;
        }
        FirewallMemo memo = new FirewallMemo(memos, n, netfilter);
        String before = memo.now();
        if (memo.holds(before, n.bridge())) {
            Trace.mark("firewall unchanged");
            synchronized (FIREWALLED) { // a long-lived process's next container asks nothing
                FIREWALLED.add(n.id());
            }
            return;
        }
        firewall(n, a.containerId(), a.address(), a.address6(), ports, false);
        if (before != null && before.equals(memo.now())) { // found in place, and nothing changed meanwhile
            memo.write(before);
        }
    }

    private static void connect(Network n, Allocation a, List<PublishedPort> ports, Path netns, String inner)
        throws NetException {
        wire(n, a, inner, new OwnSockets(netns), netns, 0);
        firewall(n, a.containerId(), a.address(), a.address6(), ports, false);
    }

    /**
     * The pair, the host's end on the bridge and the container's end {@code inner} set up, through
     * {@code sockets}; the pair's inner end is made in the namespace of process {@code pid}, or of
     * {@code netns} when there is no pid (an fd of this process's, so only with its own sockets).
     */
    private static void wire(Network n, Allocation a, String inner, Sockets sockets, Path netns, long pid)
        throws NetException {
        String veth = hostEnd(a.containerId(), inner);
        try (Rtnl host = Rtnl.over(sockets.host(NetlinkTransport.NETLINK_ROUTE))) {
            bridge(host, n);
            Trace.mark("bridge ready");
            if (pid > 0) {
                host.links().addVeth(veth, inner, pid);
            } else {
                host.links().addVeth(veth, inner, netns);
            }
            plug(host, n, veth);
        } catch (IOException e) {
            throw new NetException.SystemFailure("cannot connect the container to network " + n.name()
                + ": " + e.getMessage(), e);
        }
        if (a.address6() != null) {
            ipv6Inside(netns, inner);
        }
        try (Rtnl inside = Rtnl.over(sockets.container(NetlinkTransport.NETLINK_ROUTE))) {
            inside(inside, a, inner);
        } catch (IOException e) {
            throw new NetException.SystemFailure("cannot set up " + inner + " of the container on network " + n.name()
                + ": " + e.getMessage(), e);
        }
    }

    /** The host end of a new pair as a port of the network's bridge. */
    private static void plug(Rtnl host, Network n, String veth) throws IOException {
        host.links().setMaster(veth, n.bridge());
        // a container reaching its own published port by the host's address comes back here
        host.links().setHairpin(veth, true);
        host.links().setUp(veth);
    }

    /** The container's end: its MAC, addresses, lo and itself up, and the default route for eth0. */
    private static void inside(Rtnl inside, Allocation a, String inner) throws IOException {
        inside.links().setMac(inner, a.mac());
        inside.addresses().add(inner, v4(a.address()), a.prefixLength());
        if (a.address6() != null) {
            inside.addresses().add(inner, Ip6.parse(a.address6()).inet(), a.prefixLength6(), true);
        }
        inside.links().setUp("lo");
        inside.links().setUp(inner);
        if (inner.equals("eth0")) {
            inside.routes().addDefault(v4(a.gateway()));
            if (a.address6() != null) {
                inside.routes().addDefault(Ip6.parse(a.gateway6()).inet());
            }
        }
        Trace.mark("container side set up");
    }

    /**
     * IPv6 on in the container's namespace and on {@code inner} (a host that boots with
     * {@code disable_ipv6=1} passes it to new namespaces), and no address or route of its own
     * making: no SLAAC ({@code autoconf=0}) and no router advertisements ({@code accept_ra=0}),
     * so that another container announcing itself as a router cannot redirect it; no duplicate
     * address detection ({@code accept_dad=0}) for its link-local address either, which is made
     * from a MAC unique on the bridge, so that it is usable at once like the global one. Written
     * before the link is up, so nothing is learnt in between.
     */
    private static void ipv6Inside(Path netns, String inner) throws NetException {
        try {
            InNetns.call(netns, () -> {
                Path conf = Path.of("/proc/sys/net/ipv6/conf");
                if (!Files.isDirectory(conf)) {
                    throw new NetException.SystemFailure("the kernel has IPv6 off (no /proc/sys/net/ipv6): boot without"
                        + " ipv6.disable=1, or use a network without --ipv6");
                }
                for (String dev : List.of("all", "default", "lo", inner)) {
                    write(conf.resolve(dev).resolve("disable_ipv6"), "0");
                }
                for (String dev : List.of("default", inner)) {
                    write(conf.resolve(dev).resolve("accept_ra"), "0");
                    write(conf.resolve(dev).resolve("autoconf"), "0");
                    write(conf.resolve(dev).resolve("accept_dad"), "0");
                }
                return null;
            });
        } catch (NetException | RuntimeException e) {
            throw e;
        } catch (Exception e) {
            throw new NetException.SystemFailure("cannot turn IPv6 on for " + inner + " in the container: "
                + e.getMessage(), e);
        }
    }

    /** A sysctl, written only when it differs (a write of disable_ipv6 restarts the interface's IPv6). */
    private static void write(Path sysctl, String value) throws IOException {
        if (!dev.berth.linux.Procs.sysctl(sysctl).strip().equals(value)) {
            Files.writeString(sysctl, value + "\n");
        }
    }

    /**
     * The network's firewall elements (once per network and process, see {@link #FIREWALLED})
     * and the container's published ports. {@code check}: read the table even when this process
     * has put the network's elements in place before ({@link #restore} does).
     */
    private static void firewall(Network n, String containerId, String address, String address6,
                                 List<PublishedPort> ports, boolean check) throws NetException {
        boolean known;
        synchronized (FIREWALLED) {
            known = !check && FIREWALLED.contains(n.id());
        }
        if (known && ports.isEmpty()) {
            return;
        }
        List<PortMapping> mappings = new ArrayList<>();
        List<PortMapping> mappings6 = new ArrayList<>();
        for (PublishedPort p : ports) {
            boolean v6 = p.hostIp().indexOf(':') >= 0;
            if (!v6) {
                mappings.add(new PortMapping(p.hostIp(), p.hostPort(), p.containerPort(), p.protocol()));
            }
            if (n.ipv6() && (v6 || p.hostIp().isEmpty())) {
                mappings6.add(new PortMapping(v6 ? p.hostIp() : PortMapping.ANY6, p.hostPort(), p.containerPort(),
                    p.protocol()));
            }
        }
        try (Firewall fw = Firewall.open()) {
            Trace.mark("firewall opened");
            if (!known) {
                fw.addNetwork(n.name(), n.bridge(), n.subnet().toString(), n.internal());
                if (n.ipv6()) {
                    fw.ipv6().addNetwork(n.name(), n.bridge(), n.subnet6().toString(), n.internal());
                }
            }
            if (!mappings.isEmpty()) {
                fw.publish(containerId, address, mappings);
            }
            if (!mappings6.isEmpty() && address6 != null) {
                fw.ipv6().publish(containerId, address6, mappings6);
            }
        }
        synchronized (FIREWALLED) {
            FIREWALLED.add(n.id());
        }
    }

    /** Takes a container's published ports out of the firewall. */
    public static void unpublish(String containerId) throws NetException {
        try (Firewall fw = Firewall.open()) {
            fw.unpublish(containerId);
            fw.ipv6().unpublish(containerId); // nothing to read when no network has IPv6
        }
    }

    /** The 4 bytes of an IPv4 address, with no InetAddress (whose set-up costs a cold JVM ~2 ms). */
    private static byte[] v4(String address) {
        int a = Inet4.parse(address);
        return new byte[] {(byte) (a >>> 24), (byte) (a >>> 16), (byte) (a >>> 8), (byte) a};
    }

    /** The bridge and its gateway address, made by whichever container needs it first. */
    private static void bridge(Rtnl host, Network n) throws IOException {
        if (host.links().find(n.bridge()).isEmpty()) {
            try {
                host.links().addBridge(n.bridge(), 1500);
            } catch (ErrnoException e) {
                if (e.errno() != EEXIST) { // a concurrent run made it
                    throw e;
                }
            }
        }
        // there already but for the first container: a replace, so that no EEXIST is raised and caught
        host.addresses().replace(n.bridge(), v4(n.gatewayAddress()), n.subnet().prefix());
        if (n.ipv6()) {
            try { // usable at once: the gateway is unique on its bridge by construction
                host.addresses().add(n.bridge(), n.gateway6().inet(), n.subnet6().prefix(), true);
            } catch (ErrnoException e) {
                if (e.errno() != EEXIST) {
                    throw e;
                }
            }
        }
        host.links().setUp(n.bridge()); // forwarding is the firewall's (Firewall.addNetwork)
    }
}
