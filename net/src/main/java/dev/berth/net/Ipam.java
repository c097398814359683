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
 * The IPv4 addresses of containers, per network and container id, in
 * {@code DIR/.ipam/NETWORK.json}. Every change happens under the store's lock (between
 * processes and threads) and is written with temp + fsync + rename, so a hundred concurrent
 * {@code berth run}s never get the same address and a crash at any point leaves the old or the
 * new file. Addresses of containers that died without releasing them are freed by
 * {@link #reclaim}.
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
        if (containerId == null || containerId.isEmpty()) {
            throw new IllegalArgumentException("no container id");
        }
        Network n = networks.get(network);
        int want = 0;
        if (requested != null) {
            want = parseRequested(n, requested);
        }
        try (StateLock l = networks.lock()) {
            n = current(n);
            Pool pool = Pool.read(networks.dir(), n);
            Integer have = pool.byContainer.get(containerId);
            if (have != null) {
                if (requested != null && have != want) {
                    throw new NetException.Conflict("container " + containerId + " already has address "
                        + Inet4.format(have) + " on network " + n.name() + "; disconnect it first to change it");
                }
                return Allocation.of(n, containerId, have);
            }
            int addr;
            try {
                addr = requested != null ? take(pool, want) : next(pool);
            } catch (NetException.Conflict | NetException.SystemFailure e) {
                if (!dropDead(pool)) {
                    throw e;
                }
                addr = requested != null ? take(pool, want) : next(pool);
            }
            pool.byContainer.put(containerId, addr);
            pool.last = addr;
            pool.write();
            return Allocation.of(n, containerId, addr);
        }
    }

    /** The address of {@code containerId} on {@code network}, or null. */
    public Allocation find(String network, String containerId) throws NetException {
        Network n = networks.get(network);
        Integer a = Pool.read(networks.dir(), n).byContainer.get(containerId);
        return a == null ? null : Allocation.of(n, containerId, a);
    }

    /** Every address handed out on {@code network}, in the order they were. */
    public List<Allocation> list(String network) throws NetException {
        Network n = networks.get(network);
        List<Allocation> out = new ArrayList<>();
        for (Map.Entry<String, Integer> e : Pool.read(networks.dir(), n).byContainer.entrySet()) {
            out.add(Allocation.of(n, e.getKey(), e.getValue()));
        }
        return out;
    }

    /** Frees the address of {@code containerId} on {@code network}; false when it had none. */
    public boolean release(String network, String containerId) throws NetException {
        Network n = networks.get(network);
        try (StateLock l = networks.lock()) {
            Pool pool = Pool.read(networks.dir(), current(n));
            if (pool.byContainer.remove(containerId) == null) {
                return false;
            }
            pool.write();
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
                        freed.add(Allocation.of(n, e.getKey(), e.getValue()));
                        it.remove();
                        changed = true;
                    }
                }
                if (changed) {
                    pool.write();
                }
            }
        }
        return freed;
    }

    /** Drops the addresses of containers that are gone; whether there were any. */
    private boolean dropDead(Pool pool) {
        return alive != null && pool.byContainer.keySet().removeIf(id -> !alive.test(id));
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
        int last;

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
            if (m.get("Last") instanceof String last) {
                try {
                    p.last = Inet4.parse(last);
                } catch (IllegalArgumentException e) {
                    throw StateFiles.corrupt(f, "Last is not an IPv4 address", fix, e);
                }
            }
            return p;
        }

        void write() throws NetException {
            Map<String, Object> addrs = new LinkedHashMap<>();
            for (Map.Entry<String, Integer> e : byContainer.entrySet()) {
                addrs.put(e.getKey(), Inet4.format(e.getValue()));
            }
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("NetworkId", network.id());
            m.put("Subnet", network.subnet().toString());
            m.put("Last", Inet4.format(last));
            m.put("Addresses", addrs);
            try {
                Files.createDirectories(file.getParent());
            } catch (IOException e) {
                throw new NetException.SystemFailure("cannot create " + file.getParent() + ": " + e.getMessage(), e);
            }
            StateFiles.write(file, m);
        }
    }
}
