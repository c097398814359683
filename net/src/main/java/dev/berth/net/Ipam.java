package dev.berth.net;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;

/**
 * The addresses of containers, per network and container id (IPv4, and IPv6 on a dual-stack
 * network), in
 * {@code DIR/.ipam/NETWORK.json}. Every change happens under the store's lock (between
 * processes and threads) and is written with temp + rename, so a hundred concurrent
 * {@code berth run}s never get the same address and a berth killed at any point leaves the old
 * or the new file. An address means nothing after a reboot, so the file is not fsync'd and a
 * reboot drops it ({@link PerBoot}): a bridged run pays no fsync for its address. Addresses of
 * containers that died without releasing them are freed by {@link #reclaim}.
 *
 * <p>Addresses are handed out in turn after the last one given, wrapping around (as docker's
 * allocator does), so an address just freed is not given again at once while something may
 * still hold it in an ARP cache. The network and broadcast addresses and the gateway are never
 * handed out.
 */
public final class Ipam {
    private final Networks networks;
    private final Predicate<String> alive;

    public Ipam(Networks networks) {
        this(networks, null);
    }

    /**
     * @param alive says whether a container still exists (its directory, which is there before
     *              its state); the address of a container that is gone (a crash) is taken back
     *              when the subnet is full or the address is asked for. Null never takes one back.
     */
    public Ipam(Networks networks, Predicate<String> alive) {
        this.networks = networks;
        this.alive = alive;
    }

    static Path file(Path dir, String network) {
        return dir.resolve(".ipam").resolve(network + ".json");
    }

    /**
     * The address of {@code containerId} on {@code network}: the one it already has, or a new
     * one, or {@code requested} (docker's {@code --ip}) when given and free.
     */
    public Allocation allocate(String network, String containerId, String requested) throws NetException {
        return allocate(network, containerId, requested, null);
    }

    /**
     * As {@link #allocate(String, String, String)}; on a dual-stack network the container gets an
     * IPv6 address too, {@code requested6} (docker's {@code --ip6}) when given.
     */
    public Allocation allocate(String network, String containerId, String requested, String requested6)
        throws NetException {
        if (containerId == null || containerId.isEmpty()) {
            throw new IllegalArgumentException("no container id");
        }
        Network n = networks.get(network);
        int want = 0;
        if (requested != null) {
            want = parseRequested(n, requested);
        }
        Ip6 want6 = requested6 == null ? null : parseRequested6(n, requested6);
        try (StateLock l = networks.lock()) {
            n = current(n);
            Pool pool = Pool.read(networks.dir(), n);
            Integer have = pool.byContainer.get(containerId);
            if (have != null) {
                Ip6 have6 = pool.byContainer6.get(containerId);
                if ((requested != null && have != want) || (want6 != null && !want6.equals(have6))) {
                    throw new NetException.Conflict("container " + containerId + " already has address "
                        + Inet4.format(have) + (have6 == null ? "" : " and " + have6) + " on network " + n.name()
                        + "; disconnect it first to change it");
                }
                return Allocation.of(n, containerId, have, have6);
            }
            int addr;
            Ip6 addr6;
            try {
                addr = requested != null ? take(pool, want) : next(pool);
                addr6 = !n.ipv6() ? null : want6 != null ? take6(pool, want6) : next6(pool);
            } catch (NetException.Conflict | NetException.SystemFailure e) {
                if (!dropDead(pool)) {
                    throw e;
                }
                addr = requested != null ? take(pool, want) : next(pool);
                addr6 = !n.ipv6() ? null : want6 != null ? take6(pool, want6) : next6(pool);
            }
            pool.byContainer.put(containerId, addr);
            pool.last = addr;
            if (addr6 != null) {
                pool.byContainer6.put(containerId, addr6);
                pool.last6 = addr6;
            }
            pool.write(networks.durablePerBoot());
            return Allocation.of(n, containerId, addr, addr6);
        }
    }

    /** The address of {@code containerId} on {@code network}, or null. */
    public Allocation find(String network, String containerId) throws NetException {
        Network n = networks.get(network);
        networks.sameBoot();
        Pool pool = Pool.read(networks.dir(), n);
        Integer a = pool.byContainer.get(containerId);
        return a == null ? null : Allocation.of(n, containerId, a, pool.byContainer6.get(containerId));
    }

    /** Every address handed out on {@code network}, in the order they were. */
    public List<Allocation> list(String network) throws NetException {
        Network n = networks.get(network);
        networks.sameBoot();
        List<Allocation> out = new ArrayList<>();
        Pool pool = Pool.read(networks.dir(), n);
        for (Map.Entry<String, Integer> e : pool.byContainer.entrySet()) {
            out.add(Allocation.of(n, e.getKey(), e.getValue(), pool.byContainer6.get(e.getKey())));
        }
        return out;
    }

    /** Frees the address of {@code containerId} on {@code network}; false when it had none. */
    public boolean release(String network, String containerId) throws NetException {
        Network n = networks.get(network);
        try (StateLock l = networks.lock()) {
            Pool pool = Pool.read(networks.dir(), current(n));
            pool.byContainer6.remove(containerId);
            if (pool.byContainer.remove(containerId) == null) {
                return false;
            }
            pool.write(networks.durablePerBoot());
            return true;
        }
    }

    /** Frees the addresses of {@code containerId} on every network (at {@code rm}). */
    public List<Allocation> releaseAll(String containerId) throws NetException {
        return sweep(new Predicate<String>() {
            @Override
            public boolean test(String id) {
                return !id.equals(containerId);
            }
        });
    }

    /**
     * Frees the addresses of containers that no longer exist, e.g. after a crash between the
     * allocation and the container's removal. {@code containerAlive} is asked under the lock and
     * should be cheap; it must say true for a container being created (an address is taken
     * before its state.json is written), so test for its directory, not its state.
     */
    public List<Allocation> reclaim(Predicate<String> containerAlive) throws NetException {
        return sweep(containerAlive);
    }

    private List<Allocation> sweep(Predicate<String> keep) throws NetException {
        List<Allocation> freed = new ArrayList<>();
        try (StateLock l = networks.lock()) {
            for (String name : names()) {
                Network n = networks.read(name);
                if (n == null) {
                    // addresses of a network that is gone: a crash during its removal
                    StateFiles.delete(file(networks.dir(), name));
                    continue;
                }
                Pool pool = Pool.read(networks.dir(), n);
                boolean changed = false;
                for (Iterator<Map.Entry<String, Integer>> it = pool.byContainer.entrySet().iterator(); it.hasNext(); ) {
                    Map.Entry<String, Integer> e = it.next();
                    if (!keep.test(e.getKey())) {
                        freed.add(Allocation.of(n, e.getKey(), e.getValue(), pool.byContainer6.remove(e.getKey())));
                        it.remove();
                        changed = true;
                    }
                }
                if (changed) {
                    pool.write(networks.durablePerBoot());
                }
            }
        }
        return freed;
    }

    /** Drops the addresses of containers that are gone; whether there were any. */
    private boolean dropDead(Pool pool) {
        if (alive == null) {
            return false;
        }
        pool.byContainer6.keySet().removeIf(id -> !alive.test(id));
        return pool.byContainer.keySet().removeIf(id -> !alive.test(id));
    }

    private List<String> names() throws NetException {
        Path d = networks.dir().resolve(".ipam");
        List<String> out = new ArrayList<>();
        if (!Files.isDirectory(d)) {
            return out;
        }
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(d)) {
            for (Path p : ds) {
                String f = p.getFileName().toString();
                if (!f.startsWith(".") && f.endsWith(".json")) {
                    out.add(f.substring(0, f.length() - 5));
                }
            }
        } catch (IOException e) {
            throw new NetException.SystemFailure("cannot read " + d + ": " + e.getMessage(), e);
        }
        return out;
    }

    /** The network as it is now, under the lock: it may have been removed since it was looked up. */
    private Network current(Network n) throws NetException {
        Network now = networks.read(n.name());
        if (now == null || !now.id().equals(n.id())) {
            throw new NetException.NotFound("network " + n.name() + " not found (removed meanwhile); see berth network ls");
        }
        return now;
    }

    private static int parseRequested(Network n, String requested) throws NetException {
        int a;
        try {
            a = Inet4.parse(requested);
        } catch (IllegalArgumentException e) {
            throw new NetException.InvalidArgument("invalid IPv4 address: " + requested + "; give --ip as A.B.C.D");
        }
        Subnet s = n.subnet();
        if (!s.contains(a)) {
            throw new NetException.InvalidArgument("no configured subnet contains the IP address " + requested
                + ": network " + n.name() + " is " + s + "; pick an address inside it");
        }
        if (a == s.base() || a == s.broadcast() || a == n.gateway()) {
            String what = a == n.gateway() ? "the gateway" : a == s.base() ? "the network address" : "the broadcast address";
            throw new NetException.InvalidArgument("address " + requested + " is " + what + " of network " + n.name()
                + "; pick a host address in " + s);
        }
        return a;
    }

    private static Ip6 parseRequested6(Network n, String requested) throws NetException {
        if (!n.ipv6()) {
            throw new NetException.InvalidArgument("--ip6 " + requested + ": network " + n.name() + " has no IPv6;"
                + " create one with berth network create --ipv6, or leave --ip6 out");
        }
        Ip6 a;
        try {
            a = Ip6.parse(requested);
        } catch (IllegalArgumentException e) {
            throw new NetException.InvalidArgument("invalid IPv6 address: " + requested + "; give --ip6 as e.g. fd00::5");
        }
        Subnet6 s = n.subnet6();
        if (!s.contains(a) || Long.compareUnsigned(a.lo() - s.base().lo(), s.hosts()) > 0 || a.hi() != s.base().hi()) {
            throw new NetException.InvalidArgument("no configured subnet contains the IP address " + requested
                + ": network " + n.name() + " is " + s + (s.prefix() < 64 ? " (berth hands out its first /64)" : "")
                + "; pick an address inside it");
        }
        if (a.equals(s.base()) || a.equals(n.gateway6())) {
            throw new NetException.InvalidArgument("address " + requested + " is "
                + (a.equals(s.base()) ? "the subnet-router anycast address" : "the gateway") + " of network " + n.name()
                + "; pick a host address in " + s);
        }
        return a;
    }

    private static Ip6 take6(Pool pool, Ip6 want) throws NetException {
        for (Map.Entry<String, Ip6> e : pool.byContainer6.entrySet()) {
            if (e.getValue().equals(want)) {
                throw new NetException.Conflict("address already in use: " + want + " is held by container "
                    + e.getKey() + " on network " + pool.network.name() + "; pick another --ip6 or leave it out");
            }
        }
        return want;
    }

    /**
     * The next free IPv6 address after the last one given, wrapping around in the subnet (its
     * first /64 for a shorter prefix). In a /64 the search ends after one more address than
     * there are containers: one of them must be free.
     */
    private static Ip6 next6(Pool pool) throws NetException {
        Subnet6 s = pool.network.subnet6();
        Set<Ip6> taken = new HashSet<>(pool.byContainer6.values());
        long hosts = s.hosts();
        long start = pool.last6 != null && s.contains(pool.last6) && pool.last6.hi() == s.base().hi()
            ? pool.last6.lo() - s.base().lo() : 0;
        long tries = Long.compareUnsigned(hosts, taken.size() + 2L) < 0 ? hosts : taken.size() + 2L;
        for (long i = 0; Long.compareUnsigned(i, tries) < 0; i++) {
            Ip6 a = s.base().plus(1 + Long.remainderUnsigned(start + i, hosts));
            if (!a.equals(pool.network.gateway6()) && !taken.contains(a)) {
                return a;
            }
        }
        throw new NetException.SystemFailure("no available IPv6 addresses on network " + pool.network.name() + " ("
            + s + ", " + pool.byContainer6.size() + " in use); remove containers, or use a network with a larger subnet");
    }

    private static int take(Pool pool, int want) throws NetException {
        for (Map.Entry<String, Integer> e : pool.byContainer.entrySet()) {
            if (e.getValue() == want) {
                throw new NetException.Conflict("address already in use: " + Inet4.format(want) + " is held by container "
                    + e.getKey() + " on network " + pool.network.name() + "; pick another --ip or leave it out");
            }
        }
        return want;
    }

    private static int next(Pool pool) throws NetException {
        Subnet s = pool.network.subnet();
        Set<Integer> taken = new HashSet<>(pool.byContainer.values());
        long hosts = s.size() - 2;
        int first = s.base() + 1;
        // start after the last address given, if it is still in the range
        long start = s.contains(pool.last) && pool.last != s.base() && pool.last != s.broadcast()
            ? Integer.toUnsignedLong(pool.last - first) + 1 : 0;
        for (long i = 0; i < hosts; i++) {
            int a = first + (int) ((start + i) % hosts);
            if (a != pool.network.gateway() && !taken.contains(a)) {
                return a;
            }
        }
        throw new NetException.SystemFailure("no available IPv4 addresses on network " + pool.network.name() + " ("
            + s + ", " + pool.byContainer.size() + " in use); remove containers, or use a network with a larger subnet");
    }

    /** The addresses of one network, as read from and written to its file. */
    private static final class Pool {
        final Network network;
        final Path file;
        final Map<String, Integer> byContainer = new LinkedHashMap<>();
        final Map<String, Ip6> byContainer6 = new LinkedHashMap<>();
        int last;
        Ip6 last6;

        private Pool(Network network, Path file) {
            this.network = network;
            this.file = file;
        }

        static Pool read(Path dir, Network n) throws NetException {
            Path f = file(dir, n.name());
            Pool p = new Pool(n, f);
            String fix = "repair it by hand, or remove it and restart the containers on network " + n.name()
                + " (until then berth may hand their addresses out again)";
            Map<String, Object> m = StateFiles.read(f, fix);
            if (m == null) {
                return p;
            }
            if (!n.id().equals(m.get("NetworkId"))) {
                return p; // left by an earlier network of the same name, removed by a crashed rm
            }
            String subnet = StateFiles.string(m, "Subnet", f, fix);
            if (!subnet.equals(n.subnet().toString())) {
                throw StateFiles.corrupt(f, "subnet " + subnet + " but network " + n.name() + " is " + n.subnet(), fix, null);
            }
            Map<String, Object> addrs = StateFiles.object(m, "Addresses", f, fix);
            Map<Integer, String> seen = new HashMap<>();
            for (Map.Entry<String, Object> e : addrs.entrySet()) {
                int a;
                try {
                    a = Inet4.parse(String.valueOf(e.getValue()));
                } catch (IllegalArgumentException ex) {
                    throw StateFiles.corrupt(f, "container " + e.getKey() + " has \"" + e.getValue()
                        + "\", not an IPv4 address", fix, ex);
                }
                if (!n.subnet().contains(a)) {
                    throw StateFiles.corrupt(f, "address " + Inet4.format(a) + " is outside " + n.subnet(), fix, null);
                }
                String other = seen.put(a, e.getKey());
                if (other != null) {
                    throw StateFiles.corrupt(f, "address " + Inet4.format(a) + " is given to both " + other + " and "
                        + e.getKey(), fix, null);
                }
                p.byContainer.put(e.getKey(), a);
            }
            if (n.ipv6() && m.get("Addresses6") != null) {
                String subnet6 = StateFiles.string(m, "Subnet6", f, fix);
                if (!subnet6.equals(n.subnet6().toString())) {
                    throw StateFiles.corrupt(f, "subnet " + subnet6 + " but network " + n.name() + " is " + n.subnet6(),
                        fix, null);
                }
                Map<Ip6, String> seen6 = new HashMap<>();
                for (Map.Entry<String, Object> e : StateFiles.object(m, "Addresses6", f, fix).entrySet()) {
                    Ip6 a;
                    try {
                        a = Ip6.parse(String.valueOf(e.getValue()));
                    } catch (IllegalArgumentException ex) {
                        throw StateFiles.corrupt(f, "container " + e.getKey() + " has \"" + e.getValue()
                            + "\", not an IPv6 address", fix, ex);
                    }
                    if (!n.subnet6().contains(a)) {
                        throw StateFiles.corrupt(f, "address " + a + " is outside " + n.subnet6(), fix, null);
                    }
                    String other = seen6.put(a, e.getKey());
                    if (other != null) {
                        throw StateFiles.corrupt(f, "address " + a + " is given to both " + other + " and " + e.getKey(),
                            fix, null);
                    }
                    p.byContainer6.put(e.getKey(), a);
                }
                if (m.get("Last6") instanceof String last6 && !last6.isEmpty()) {
                    try {
                        p.last6 = Ip6.parse(last6);
                    } catch (IllegalArgumentException e) {
                        throw StateFiles.corrupt(f, "Last6 is not an IPv6 address", fix, e);
                    }
                }
            }
            if (m.get("Last") instanceof String last) {
                try {
                    p.last = Inet4.parse(last);
                } catch (IllegalArgumentException e) {
                    throw StateFiles.corrupt(f, "Last is not an IPv4 address", fix, e);
                }
            }
            return p;
        }

        void write(boolean durable) throws NetException {
            Map<String, Object> addrs = new LinkedHashMap<>();
            for (Map.Entry<String, Integer> e : byContainer.entrySet()) {
                addrs.put(e.getKey(), Inet4.format(e.getValue()));
            }
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("NetworkId", network.id());
            m.put("Subnet", network.subnet().toString());
            m.put("Last", Inet4.format(last));
            m.put("Addresses", addrs);
            if (network.ipv6()) {
                Map<String, Object> addrs6 = new LinkedHashMap<>();
                for (Map.Entry<String, Ip6> e : byContainer6.entrySet()) {
                    addrs6.put(e.getKey(), e.getValue().toString());
                }
                m.put("Subnet6", network.subnet6().toString());
                m.put("Last6", last6 == null ? "" : last6.toString());
                m.put("Addresses6", addrs6);
            }
            try {
                Files.createDirectories(file.getParent());
            } catch (IOException e) {
                throw new NetException.SystemFailure("cannot create " + file.getParent() + ": " + e.getMessage(), e);
            }
            StateFiles.write(file, m, durable);
        }
    }
}
