package dev.berth.net;

import dev.berth.linux.ErrnoException;
import dev.berth.linux.netlink.Rtnl;
import dev.berth.linux.nft.Nft;
import dev.berth.runtime.Trace;
import java.io.IOException;
import java.net.InetAddress;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

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
     * Starts linking, on a thread of its own, the native calls {@link #connect} makes (rtnetlink,
     * libnftables): on a cold JVM that takes ~20 ms, which a caller that knows a network is
     * coming can overlap with the container's creation. Once per JVM; nothing changes in any
     * network namespace.
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

    /** A class, not a lambda: no bootstrap on a cold start. */
    private static final class Prepare implements Runnable {
        @Override
        public void run() {
            Rtnl.prepare();
            Nft.prepare();
        }
    }

    /** The host end of a container's pair: {@code vb} and the id's start, 13 of IFNAMSIZ's 15. */
    public static String hostEnd(String containerId) {
        return "vb" + containerId.substring(0, Math.min(11, containerId.length()));
    }

    /**
     * Plugs the container whose network namespace is {@code netns} into network {@code n}, with
     * the network's NAT rules in place and {@code ports} published.
     */
    public static void connect(Network n, Allocation a, List<PublishedPort> ports, Path netns) throws NetException {
        String veth = hostEnd(a.containerId());
        try (Rtnl host = Rtnl.open()) {
            Trace.mark("T rtnl open");
            bridge(host, n);
            Trace.mark("T bridge");
            host.links().addVeth(veth, "eth0", netns);
            Trace.mark("T veth");
            host.links().setMaster(veth, n.bridge());
            // a container reaching its own published port by the host's address comes back here
            host.links().setHairpin(veth, true);
            host.links().setUp(veth);
            Trace.mark("T host end");
        } catch (IOException e) {
            throw new NetException.SystemFailure("cannot connect the container to network " + n.name()
                + ": " + e.getMessage(), e);
        }
        try (Rtnl inside = Rtnl.open(netns)) {
            Trace.mark("T rtnl open inside");
            inside.links().setMac("eth0", a.mac());
            inside.addresses().add("eth0", InetAddress.getByName(a.address()), a.prefixLength());
            inside.links().setUp("lo");
            inside.links().setUp("eth0");
            inside.routes().addDefault(InetAddress.getByName(a.gateway()));
            Trace.mark("T inside done");
        } catch (IOException e) {
            throw new NetException.SystemFailure("cannot set up eth0 of the container on network " + n.name()
                + ": " + e.getMessage(), e);
        }
        try (Firewall fw = Firewall.open()) {
            Trace.mark("T firewall open");
            fw.addNetwork(n.name(), n.bridge(), n.subnet().toString(), n.internal());
            if (!ports.isEmpty()) {
                List<PortMapping> mappings = new ArrayList<>();
                for (PublishedPort p : ports) {
                    mappings.add(new PortMapping(p.hostIp(), p.hostPort(), p.containerPort(), p.protocol()));
                }
                fw.publish(a.containerId(), a.address(), mappings);
                Trace.mark("T published");
            }
        }
    }

    /** Takes a container's published ports out of the firewall. */
    public static void unpublish(String containerId) throws NetException {
        try (Firewall fw = Firewall.open()) {
            fw.unpublish(containerId);
        }
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
        try {
            host.addresses().add(n.bridge(), InetAddress.getByName(n.gatewayAddress()), n.subnet().prefix());
        } catch (ErrnoException e) {
            if (e.errno() != EEXIST) {
                throw e;
            }
        }
        host.links().setUp(n.bridge()); // forwarding is the firewall's (Firewall.addNetwork)
    }
}
