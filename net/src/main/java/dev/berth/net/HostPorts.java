package dev.berth.net;

import java.io.IOException;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Predicate;

/**
 * The host ports published by berth's containers, in {@code DIR/.ports.json} under the store's
 * lock (for one boot, not fsync'd: {@link PerBoot}). A port another berth container publishes is refused (docker's "port is already
 * allocated"); a port some other program of the host listens on is found by binding it briefly,
 * in the caller's network namespace, and refused or skipped when one is to be picked. Port 0
 * and host ranges are resolved here, from {@code ip_local_port_range} as docker does.
 */
public final class HostPorts {
    private final Networks networks;
    private final Path localPortRange;

    private final Predicate<String> alive;
    private final List<String> reclaimed = new ArrayList<>();

    public HostPorts(Networks networks) {
        this(networks, null);
    }

    /**
     * @param alive says whether a container still exists (its directory, which is there before
     *              its state); a port that a container that is gone still holds (a crash) is
     *              taken back when it is wanted again. Null never takes one back.
     */
    public HostPorts(Networks networks, Predicate<String> alive) {
        this(networks, Path.of("/proc/sys/net/ipv4/ip_local_port_range"), alive);
    }

    HostPorts(Networks networks, Path localPortRange, Predicate<String> alive) {
        this.networks = networks;
        this.localPortRange = localPortRange;
        this.alive = alive;
    }

    /** The containers whose ports {@link #publish} took back: their firewall elements are stale. */
    public List<String> reclaimed() {
        return List.copyOf(reclaimed);
    }

    private Path file() {
        return networks.dir().resolve(".ports.json");
    }

    /**
     * Gives {@code containerId} the host ports of {@code specs}, replacing those it had (a
     * restart publishes again). All or nothing: on an error nothing is recorded.
     */
    public List<PublishedPort> publish(String containerId, List<PortSpec> specs) throws NetException {
        try (StateLock l = networks.lock()) {
            List<PublishedPort> all = read();
            boolean changed = false;
            for (Iterator<PublishedPort> it = all.iterator(); it.hasNext(); ) {
                if (it.next().containerId().equals(containerId)) {
                    it.remove();
                    changed = true;
                }
            }
            List<PublishedPort> added;
            try {
                added = add(containerId, specs, all);
            } catch (NetException.Conflict e) {
                if (!dropDead(all)) {
                    throw e;
                }
                added = add(containerId, specs, all);
            }
            if (changed || !added.isEmpty()) { // most containers publish nothing: no write, no fsync
                write(all);
            }
            return added;
        }
    }

    private List<PublishedPort> add(String containerId, List<PortSpec> specs, List<PublishedPort> all)
        throws NetException {
        List<PublishedPort> added = new ArrayList<>();
        try {
            for (PortSpec s : specs) {
                PublishedPort p = s.pick() ? pick(containerId, s, all) : fixed(containerId, s, all);
                all.add(p); // the next spec must not take it again
                added.add(p);
            }
        } catch (NetException e) {
            all.removeAll(added);
            throw e;
        }
        return added;
    }

    /** Drops the ports of containers that are gone; whether there were any. */
    private boolean dropDead(List<PublishedPort> all) {
        if (alive == null) {
            return false;
        }
        boolean any = false;
        for (Iterator<PublishedPort> it = all.iterator(); it.hasNext(); ) {
            PublishedPort p = it.next();
            if (!alive.test(p.containerId())) {
                if (!reclaimed.contains(p.containerId())) {
                    reclaimed.add(p.containerId());
                }
                it.remove();
                any = true;
            }
        }
        return any;
    }

    /** Forgets the ports of {@code containerId} (at stop or rm); returns them. */
    public List<PublishedPort> release(String containerId) throws NetException {
        return sweep(new Predicate<String>() {
            @Override
            public boolean test(String id) {
                return !id.equals(containerId);
            }
        });
    }

    /** Forgets the ports of containers that no longer exist (see {@link Ipam#reclaim}). */
    public List<PublishedPort> reclaim(Predicate<String> containerAlive) throws NetException {
        return sweep(containerAlive);
    }

    /** Every published port. */
    public List<PublishedPort> list() throws NetException {
        networks.sameBoot();
        return read();
    }

    private List<PublishedPort> sweep(Predicate<String> keep) throws NetException {
        List<PublishedPort> freed = new ArrayList<>();
        try (StateLock l = networks.lock()) {
            List<PublishedPort> all = read();
            for (Iterator<PublishedPort> it = all.iterator(); it.hasNext(); ) {
                PublishedPort p = it.next();
                if (!keep.test(p.containerId())) {
                    freed.add(p);
                    it.remove();
                }
            }
            if (!freed.isEmpty()) {
                write(all);
            }
        }
        return freed;
    }

    private PublishedPort fixed(String containerId, PortSpec s, List<PublishedPort> taken) throws NetException {
        PublishedPort holder = holder(s.hostIp(), s.hostPort(), s.protocol(), taken);
        String where = (s.hostIp().isEmpty() ? "0.0.0.0" : s.hostIp()) + ":" + s.hostPort();
        if (holder != null) {
            throw new NetException.Conflict("Bind for " + where + " failed: port is already allocated (published by"
                + " container " + holder.containerId() + "); pick another host port");
        }
        String why = bindError(s.hostIp(), s.hostPort(), s.protocol());
        if (why != null) {
            throw new NetException.Conflict("cannot publish " + where + "/" + s.protocol() + ": " + why
                + "; pick another host port, or stop what uses it");
        }
        return new PublishedPort(containerId, s.hostIp(), s.hostPort(), s.containerPort(), s.protocol());
    }

    private PublishedPort pick(String containerId, PortSpec s, List<PublishedPort> taken) throws NetException {
        int lo = s.hostPort();
        int hi = s.hostPortEnd();
        if (lo == 0) {
            int[] r = ephemeral();
            lo = r[0];
            hi = r[1];
        }
        int n = hi - lo + 1;
        // a random start, as the kernel picks ephemeral ports: a port just freed is rarely given again at once
        int start = ThreadLocalRandom.current().nextInt(n);
        for (int i = 0; i < n; i++) {
            int port = lo + (start + i) % n;
            if (holder(s.hostIp(), port, s.protocol(), taken) == null
                && bindError(s.hostIp(), port, s.protocol()) == null) {
                return new PublishedPort(containerId, s.hostIp(), port, s.containerPort(), s.protocol());
            }
        }
        throw new NetException.Conflict("no free host port in " + lo + "-" + hi + " for " + s.containerPort() + "/"
            + s.protocol() + "; free some, or give a host port or a wider range");
    }

    /** The published port that {@code ip:port/proto} would clash with: same port and protocol, and an address in common. */
    private static PublishedPort holder(String ip, int port, String proto, List<PublishedPort> taken) {
        for (PublishedPort p : taken) {
            if (p.hostPort() == port && p.protocol().equals(proto)
                && (wildcard(ip) || wildcard(p.hostIp()) || same(p.hostIp(), ip))) {
                return p;
            }
        }
        return null;
    }

    /** The same address however written ({@code ::1} and {@code 0:0:0:0:0:0:0:1}). */
    private static boolean same(String a, String b) {
        if (a.equals(b)) {
            return true;
        }
        String ca = Addresses.literal(a);
        return ca != null && ca.equals(Addresses.literal(b));
    }

    private static boolean wildcard(String ip) {
        return ip.isEmpty() || ip.equals("0.0.0.0") || ip.equals("::");
    }

    /**
     * Why {@code port} cannot be bound now, or null when it can: a brief bind in the caller's
     * network namespace, with SO_REUSEADDR as servers set it so that connections still in
     * TIME_WAIT do not count. SCTP is not checked (the JDK's SCTP module may be missing).
     */
    static String bindError(String ip, int port, String proto) {
        InetSocketAddress addr;
        try {
            addr = ip.isEmpty() ? new InetSocketAddress(port) : new InetSocketAddress(InetAddress.ofLiteral(ip), port);
        } catch (IllegalArgumentException e) {
            return "invalid address " + ip;
        }
        try {
            if (proto.equals("tcp")) {
                try (ServerSocket s = new ServerSocket()) {
                    s.setReuseAddress(true);
                    s.bind(addr, 1);
                }
            } else if (proto.equals("udp")) {
                try (DatagramSocket s = new DatagramSocket(null)) {
                    s.bind(addr);
                }
            }
            return null;
        } catch (IOException e) {
            String m = String.valueOf(e.getMessage());
            if (m.contains("already in use")) {
                return "the port is in use on the host (address already in use)";
            }
            if (m.contains("assign requested address")) {
                return ip + " is not an address of this host";
            }
            return m.toLowerCase(java.util.Locale.ROOT);
        }
    }

    private int[] ephemeral() {
        try {
            String t = dev.berth.linux.Procs.sysctl(localPortRange).strip();
            int tab = t.indexOf('\t') >= 0 ? t.indexOf('\t') : t.indexOf(' ');
            int lo = Integer.parseInt(t.substring(0, tab).strip());
            int hi = Integer.parseInt(t.substring(tab + 1).strip());
            if (lo > 0 && hi >= lo && hi <= 65535) {
                return new int[] {lo, hi};
            }
        } catch (IOException | RuntimeException e) {
            // docker's default below
        }
        return new int[] {49153, 60999};
    }

    private List<PublishedPort> read() throws NetException {
        Path f = file();
        String fix = "repair it by hand, or remove it (berth then forgets which host ports its containers publish:"
            + " restart them to publish again)";
        Map<String, Object> m = StateFiles.read(f, fix);
        List<PublishedPort> out = new ArrayList<>();
        if (m == null) {
            return out;
        }
        if (!(m.get("Ports") instanceof List<?> ports)) {
            throw StateFiles.corrupt(f, "no array member \"Ports\"", fix, null);
        }
        for (Object o : ports) {
            if (!(o instanceof Map<?, ?> p) || !(p.get("Container") instanceof String c)
                || !(p.get("HostIp") instanceof String ip) || !(p.get("HostPort") instanceof Integer hp)
                || !(p.get("ContainerPort") instanceof Integer cp) || !(p.get("Protocol") instanceof String proto)
                || hp < 1 || hp > 65535 || cp < 1 || cp > 65535) {
                throw StateFiles.corrupt(f, "an entry of Ports is not {Container, HostIp, HostPort, ContainerPort,"
                    + " Protocol}", fix, null);
            }
            out.add(new PublishedPort(c, ip, hp, cp, proto));
        }
        return out;
    }

    private void write(List<PublishedPort> all) throws NetException {
        List<Object> ports = new ArrayList<>();
        for (PublishedPort p : all) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("Container", p.containerId());
            m.put("HostIp", p.hostIp());
            m.put("HostPort", p.hostPort());
            m.put("ContainerPort", p.containerPort());
            m.put("Protocol", p.protocol());
            ports.add(m);
        }
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("Ports", ports);
        StateFiles.write(file(), m, networks.durablePerBoot());
    }
}
