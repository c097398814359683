package dev.berth.net;

import dev.berth.runtime.Timestamps;
import java.io.FileInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;

/**
 * The network definitions, one file each, and the files of their addresses and ports:
 *
 * <pre>
 * DIR/NAME.json        the network, in docker's inspect shape ({@link Network})
 * DIR/.ipam/NAME.json  the addresses handed out on it ({@link Ipam})
 * DIR/.ports.json      the host ports published by containers ({@link HostPorts})
 * DIR/.peers/NAME.json the containers on a user network, by name ({@link Peers})
 * DIR/.boot-id         the boot the three above belong to ({@link PerBoot})
 * DIR/.lock            held around every read-modify-write of any of them
 * </pre>
 *
 * Names cannot start with a dot, so berth's own files never clash with a network's. The default
 * network {@code bridge} (device {@code berth0}) is made on first use, in a subnet that neither
 * docker's 172.17.0.0/16 nor any route of the host uses.
 */
public final class Networks {
    public static final String DEFAULT_NAME = "bridge";
    public static final String DEFAULT_BRIDGE = "berth0";

    /**
     * Where subnets come from when none is given: podman's 10.88.0.0/16 first (berth and podman
     * are rarely both used, and podman's own bridge then shows as a route and is skipped), then
     * 10.89 to 10.99, docker's local pools without its 172.17.0.0/16, and 192.168.N.0/20.
     */
    public static final List<Subnet> DEFAULT_POOL = pool();

    /** docker's default bridge, 172.17.0.0/16: never picked, so both engines can run side by side. */
    private static final Subnet DOCKER0 = new Subnet(0xac110000, 16);

    private final Path dir;
    private final Config config;
    private final PerBoot boot;

    /**
     * @param defaultSubnet  the default network's subnet (docker's --bip), null to pick the first
     *                       free one of {@code pool}
     * @param pool           candidates for networks created without a subnet, in order
     * @param routes         the routes to stay clear of; {@code /proc/net/route} for the caller's
     *                       network namespace
     * @param defaultIpv6    whether the default network is dual-stack (docker's daemon {@code --ipv6})
     * @param defaultSubnet6 its IPv6 subnet (docker's --fixed-cidr-v6), null to pick one of {@code pool6}
     * @param pool6          the ULA prefix whose /64s IPv6 networks get when none is given; null
     *                       for {@link #ulaPrefix}, derived from the machine's id
     * @param routes6        the IPv6 routes to stay clear of, {@code /proc/net/ipv6_route}
     * @param bootId         the id of the machine's boot, {@code /proc/sys/kernel/random/boot_id}:
     *                       addresses, ports and names of an earlier boot are dropped ({@link PerBoot})
     */
    public record Config(String defaultSubnet, List<Subnet> pool, Path routes, boolean defaultIpv6,
                         String defaultSubnet6, Subnet6 pool6, Path routes6, Path bootId) {
        public Config {
            pool = List.copyOf(pool);
        }

        /** IPv4 settings, IPv6 ones left at their defaults (the default network IPv4 only). */
        public Config(String defaultSubnet, List<Subnet> pool, Path routes) {
            this(defaultSubnet, pool, routes, false, null, null, Path.of("/proc/net/ipv6_route"),
                Path.of("/proc/sys/kernel/random/boot_id"));
        }

        public static Config defaults() {
            return new Config(null, DEFAULT_POOL, Path.of("/proc/net/route"));
        }

        /** This configuration with the default network dual-stack, in {@code subnet6} (null: picked). */
        public Config withDefaultIpv6(String subnet6) {
            return new Config(defaultSubnet, pool, routes, true, subnet6, pool6, routes6, bootId);
        }

        /** This configuration with the boot id read from {@code file} (a test's fake reboot). */
        public Config withBootId(Path file) {
            return new Config(defaultSubnet, pool, routes, defaultIpv6, defaultSubnet6, pool6, routes6, file);
        }
    }

    /** The store in {@code dir} (e.g. ROOT/networks), with the default configuration. */
    public Networks(Path dir) {
        this(dir, Config.defaults());
    }

    public Networks(Path dir, Config config) {
        this.dir = dir;
        this.config = config;
        this.boot = new PerBoot(dir, config.bootId());
    }

    public Path dir() {
        return dir;
    }

    /** Where a stage-wired container's connect keeps what it knows of each network's firewall (Wiring.connect). */
    public Path firewallMemos() {
        return dir.resolve(FirewallMemo.DIR);
    }

    /** The default network, created now if this is its first use. */
    public Network ensureDefault() throws NetException {
        Network n = read(DEFAULT_NAME);
        if (n != null) {
            return n;
        }
        try (StateLock l = lock()) {
            n = read(DEFAULT_NAME);
            if (n != null) {
                return n;
            }
            List<Network> others = readAll();
            Subnet subnet;
            if (config.defaultSubnet() != null) {
                subnet = Subnet.parse(config.defaultSubnet());
                checkSize(subnet);
                checkOverlap(subnet, others);
                checkRoutes(subnet, DEFAULT_BRIDGE);
            } else {
                subnet = pick(others);
            }
            Subnet6 subnet6 = null;
            if (config.defaultIpv6()) {
                if (config.defaultSubnet6() != null) {
                    subnet6 = Subnet6.parse(config.defaultSubnet6());
                    checkSize6(subnet6);
                    checkOverlap6(subnet6, others);
                    checkRoutes6(subnet6, DEFAULT_BRIDGE);
                } else {
                    subnet6 = pick6(others);
                }
            }
            n = new Network(DEFAULT_NAME, newId(), "bridge", DEFAULT_BRIDGE, subnet, subnet.base() + 1, false,
                Map.of(), Timestamps.now(), subnet6, subnet6 == null ? null : subnet6.base().plus(1));
            StateFiles.write(file(DEFAULT_NAME), n.toJson());
            return n;
        }
    }

    /**
     * Creates an IPv4 bridge network.
     *
     * @param subnet  CIDR, or null to pick a free one from the pool
     * @param gateway an address in the subnet, or null for its first address
     */
    public Network create(String name, String subnet, String gateway, boolean internal, Map<String, String> labels)
        throws NetException {
        return create(name, subnet == null ? List.of() : List.of(subnet), gateway == null ? List.of() : List.of(gateway),
            false, internal, labels);
    }

    /**
     * Creates a bridge network, dual-stack with {@code ipv6} (docker's {@code --ipv6}).
     *
     * @param subnets  at most one IPv4 and one IPv6 CIDR; a family left out is picked from its
     *                 pool (IPv6 only with {@code ipv6})
     * @param gateways at most one per family, each inside the subnet of its family; a family
     *                 left out gets its subnet's first address
     */
    public Network create(String name, List<String> subnets, List<String> gateways, boolean ipv6, boolean internal,
                          Map<String, String> labels) throws NetException {
        validateName(name);
        if (name.equals("host") || name.equals("none")) {
            throw new NetException.Conflict(name + " is a pre-defined network and cannot be created; pick another name");
        }
        Subnet s = null;
        Subnet6 s6 = null;
        for (String cidr : subnets) {
            if (cidr.indexOf(':') >= 0) {
                if (s6 != null) {
                    throw new NetException.InvalidArgument("two IPv6 subnets (" + s6 + ", " + cidr
                        + "): a berth network has one subnet per family; give one --subnet of each");
                }
                s6 = Subnet6.parse(cidr);
                checkSize6(s6);
            } else {
                if (s != null) {
                    throw new NetException.InvalidArgument("two IPv4 subnets (" + s + ", " + cidr
                        + "): a berth network has one subnet per family; give one --subnet of each");
                }
                s = Subnet.parse(cidr);
                checkSize(s);
            }
        }
        if (s6 != null && !ipv6) {
            throw new NetException.InvalidArgument("subnet " + s6 + " is IPv6 but the network is not: add --ipv6"
                + " (EnableIPv6) for a dual-stack network, or give an IPv4 subnet");
        }
        String gateway = null;
        String gateway6 = null;
        for (String g : gateways) {
            boolean v6 = g.indexOf(':') >= 0;
            if ((v6 ? gateway6 : gateway) != null) {
                throw new NetException.InvalidArgument("two IPv" + (v6 ? "6" : "4") + " gateways: give one --gateway"
                    + " per subnet");
            }
            if ((v6 ? s6 : s) == null) {
                throw new NetException.InvalidArgument("--gateway needs --subnet: give the IPv" + (v6 ? "6" : "4")
                    + " subnet that gateway " + g + " is in");
            }
            if (v6) {
                gateway6 = g;
            } else {
                gateway = g;
            }
        }
        int gw = s == null ? 0 : gateway4(s, gateway);
        Ip6 gw6 = s6 == null ? null : gateway6(s6, gateway6);
        ensureDefault();
        try (StateLock l = lock()) {
            if (Files.exists(file(name))) {
                throw new NetException.Conflict("network with name " + name + " already exists;"
                    + " pick another name or remove it first (berth network rm " + name + ")");
            }
            List<Network> others = readAll();
            if (s == null) {
                s = pick(others);
                gw = s.base() + 1;
            } else {
                checkOverlap(s, others);
                checkRoutes(s, null);
            }
            if (ipv6 && s6 == null) {
                s6 = pick6(others);
                gw6 = s6.base().plus(1);
            } else if (s6 != null) {
                checkOverlap6(s6, others);
                checkRoutes6(s6, null);
            }
            String id = newId();
            Network n = new Network(name, id, "bridge", "br-" + id.substring(0, 12), s, gw, internal,
                labels == null ? Map.of() : labels, Timestamps.now(), s6, gw6);
            StateFiles.write(file(name), n.toJson());
            return n;
        }
    }

    private static int gateway4(Subnet s, String gateway) throws NetException {
        if (gateway == null) {
            return s.base() + 1;
        }
        int gw;
        try {
            gw = Inet4.parse(gateway);
        } catch (IllegalArgumentException e) {
            throw new NetException.InvalidArgument("invalid gateway " + gateway + ": give an IPv4 address in " + s);
        }
        if (!s.contains(gw)) {
            throw new NetException.InvalidArgument("gateway " + gateway + " is not in subnet " + s
                + ": give an address inside it, or leave --gateway out");
        }
        if (gw == s.base() || gw == s.broadcast()) {
            throw new NetException.InvalidArgument("gateway " + gateway + " is the "
                + (gw == s.base() ? "network" : "broadcast") + " address of " + s + ": give a host address");
        }
        return gw;
    }

    private static Ip6 gateway6(Subnet6 s, String gateway) throws NetException {
        if (gateway == null) {
            return s.base().plus(1);
        }
        Ip6 gw;
        try {
            gw = Ip6.parse(gateway);
        } catch (IllegalArgumentException e) {
            throw new NetException.InvalidArgument("invalid gateway " + gateway + ": give an IPv6 address in " + s);
        }
        if (!s.contains(gw)) {
            throw new NetException.InvalidArgument("gateway " + gateway + " is not in subnet " + s
                + ": give an address inside it, or leave --gateway out");
        }
        if (gw.equals(s.base())) {
            throw new NetException.InvalidArgument("gateway " + gateway + " is the subnet-router anycast address of "
                + s + ": give a host address");
        }
        return gw;
    }

    /** Every network, the default one included (created if needed), sorted by name. */
    public List<Network> list() throws NetException {
        ensureDefault();
        List<Network> all = readAll();
        all.sort((a, b) -> a.name().compareTo(b.name()));
        return all;
    }

    /** By exact name, exact id, or unique id prefix, as docker resolves them. */
    public Network get(String nameOrId) throws NetException {
        if (nameOrId.isEmpty()) {
            throw new NetException.InvalidArgument("no network name given");
        }
        if (nameOrId.equals(DEFAULT_NAME)) {
            return ensureDefault();
        }
        if (valid(nameOrId)) {
            Network n = read(nameOrId);
            if (n != null) {
                return n;
            }
        }
        Network found = null;
        int matches = 0;
        for (Network n : list()) {
            if (n.id().equals(nameOrId)) {
                return n;
            }
            if (n.id().startsWith(nameOrId)) {
                found = n;
                matches++;
            }
        }
        if (matches > 1) {
            throw new NetException.Conflict("network " + nameOrId + " is ambiguous (" + matches
                + " matches found based on id prefix); give more of the id or the name");
        }
        if (found == null) {
            throw new NetException.NotFound("network " + nameOrId + " not found; see berth network ls");
        }
        return found;
    }

    /** The containers on a network that keep it from being removed (names or ids). */
    @FunctionalInterface
    public interface Attached {
        Collection<String> of(Network n) throws NetException;
    }

    /**
     * Removes a network with its address and name files.
     *
     * @param attached asked under the lock, so that no container joins in between; anything it
     *                 names refuses the removal, as docker refuses a network with active endpoints
     */
    public Network remove(String nameOrId, Attached attached) throws NetException {
        return remove(nameOrId, attached, null);
    }

    /** What goes with a network in the kernel (its bridge, its firewall elements). */
    @FunctionalInterface
    public interface Teardown {
        void of(Network n) throws NetException;
    }

    /**
     * As {@link #remove(String, Attached)}, with {@code teardown} run under the lock before the
     * files go: when it fails, the network stays defined and its removal can be tried again,
     * instead of a bridge left behind that no network names any more.
     */
    public Network remove(String nameOrId, Attached attached, Teardown teardown) throws NetException {
        Network n = get(nameOrId);
        if (n.isDefault()) {
            throw new NetException.Conflict(DEFAULT_NAME + " is a pre-defined network and cannot be removed");
        }
        try (StateLock l = lock()) {
            Network now = read(n.name());
            if (now == null || !now.id().equals(n.id())) {
                throw new NetException.NotFound("network " + nameOrId + " not found; see berth network ls");
            }
            Collection<String> users = attached == null ? List.of() : attached.of(now);
            if (!users.isEmpty()) {
                throw new NetException.Conflict("error while removing network: network " + n.name() + " id "
                    + n.id().substring(0, 12) + " has active endpoints (" + String.join(", ", users)
                    + "); stop or disconnect them first");
            }
            if (teardown != null) {
                teardown.of(now);
            }
            StateFiles.delete(dir.resolve(".peers").resolve(n.name() + ".json"));
            try {
                FirewallMemo.forget(firewallMemos(), n.id());
            } catch (IOException e) {
                // harmless where it stays: no other network ever has this id, and its bridge is gone
            }
            // the addresses first: a crash in between leaves a network without addresses, never
            // addresses without a network that a new network of the same name would inherit
            StateFiles.delete(Ipam.file(dir, n.name()));
            StateFiles.delete(file(n.name()));
        }
        return n;
    }

    /** Removes every user-defined network that {@code attached} finds no container on. */
    public List<Network> prune(Attached attached) throws NetException {
        return prune(attached, null);
    }

    /** As {@link #prune(Attached)}, each network torn down as {@link #remove(String, Attached, Teardown)} does. */
    public List<Network> prune(Attached attached, Teardown teardown) throws NetException {
        List<Network> removed = new ArrayList<>();
        for (Network n : list()) {
            if (!n.isDefault()) {
                try {
                    removed.add(remove(n.id(), attached, teardown));
                } catch (NetException.NotFound | NetException.Conflict e) {
                    // removed meanwhile by someone else, or in use
                }
            }
        }
        return removed;
    }

    /** The store's lock; the per-boot files are this boot's once it is held ({@link PerBoot}). */
    StateLock lock() throws NetException {
        createDirs();
        StateLock l = StateLock.take(dir.resolve(".lock"));
        try {
            boot.check();
        } catch (NetException | RuntimeException e) {
            try {
                l.close();
            } catch (NetException suppressed) {
                e.addSuppressed(suppressed);
            }
            throw e;
        }
        return l;
    }

    /** For a read without the lock: drops the per-boot files of an earlier boot first. */
    void sameBoot() throws NetException {
        if (!boot.current()) {
            try (StateLock l = lock()) {
                // lock() checked
            }
        }
    }

    /** Whether the per-boot files are fsync'd: only when the boot cannot be told ({@link PerBoot#durable}). */
    boolean durablePerBoot() {
        return boot.durable();
    }

    Network read(String name) throws NetException {
        Path f = file(name);
        Map<String, Object> m = StateFiles.read(f, Network.FIX);
        return m == null ? null : Network.fromJson(m, f);
    }

    private List<Network> readAll() throws NetException {
        List<Network> out = new ArrayList<>();
        if (!Files.isDirectory(dir)) {
            return out;
        }
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir)) {
            for (Path p : ds) {
                String f = p.getFileName().toString();
                if (f.startsWith(".") || !f.endsWith(".json")) {
                    continue; // berth's own files and temporary files
                }
                Network n = read(f.substring(0, f.length() - 5));
                if (n != null) {
                    out.add(n);
                }
            }
        } catch (IOException e) {
            throw new NetException.SystemFailure("cannot read " + dir + ": " + e.getMessage(), e);
        }
        return out;
    }

    private Path file(String name) {
        return dir.resolve(name + ".json");
    }

    private void createDirs() throws NetException {
        try {
            if (!Files.isDirectory(dir)) {
                Files.createDirectories(dir);
                Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx--x--x"));
            }
        } catch (IOException e) {
            throw new NetException.SystemFailure("cannot create " + dir + ": " + e.getMessage(), e);
        }
    }

    /** The first subnet of the pool that no network of berth and no route of the host overlaps. */
    private Subnet pick(List<Network> others) throws NetException {
        List<HostRoutes.Route> routes = HostRoutes.read(config.routes());
        for (Subnet candidate : config.pool()) {
            if (!overlapsAny(candidate, others, routes)) {
                return candidate;
            }
        }
        throw new NetException.SystemFailure("no free subnet left in the pool (" + config.pool().size()
            + " candidates, all used by berth networks or host routes); give one with --subnet");
    }

    /**
     * The first /64 of the ULA prefix ({@link Config#pool6}, else {@link #ulaPrefix}) that no
     * berth network and no IPv6 route of the host overlaps.
     */
    private Subnet6 pick6(List<Network> others) throws NetException {
        Subnet6 pool = config.pool6() != null ? config.pool6() : ulaPrefix();
        List<HostRoutes.Route6> routes = HostRoutes.read6(config.routes6());
        long count = pool.prefix() >= 64 ? 1 : pool.prefix() <= 48 ? 65536 : 1L << (64 - pool.prefix());
        for (long i = 0; i < count; i++) {
            Subnet6 candidate = new Subnet6(new Ip6(pool.base().hi() + i, 0), 64);
            boolean free = true;
            for (Network n : others) {
                free &= n.subnet6() == null || !n.subnet6().overlaps(candidate);
            }
            for (HostRoutes.Route6 r : routes) {
                free &= !r.subnet().overlaps(candidate);
            }
            if (free) {
                return candidate;
            }
        }
        throw new NetException.SystemFailure("no free IPv6 /64 left in " + pool
            + " (all used by berth networks or host routes); give one with --subnet");
    }

    /**
     * A unique local prefix (RFC 4193), {@code fdXX:XXXX:XXXX::/48}, whose 40-bit global id is
     * taken from a hash of {@code /etc/machine-id} (the hostname without one): stable on one
     * machine, different between machines, as RFC 4193 asks, so that two hosts' containers can
     * be routed to each other one day without renumbering.
     */
    static Subnet6 ulaPrefix() throws NetException {
        byte[] seed;
        try {
            Path id = Path.of("/etc/machine-id");
            seed = Files.exists(id) ? Files.readAllBytes(id)
                : java.net.InetAddress.getLocalHost().getHostName().getBytes(java.nio.charset.StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new NetException.SystemFailure("cannot read /etc/machine-id for an IPv6 prefix: " + e.getMessage()
                + "; give the subnet with --subnet", e);
        }
        byte[] h;
        try {
            java.security.MessageDigest md = java.security.MessageDigest.getInstance("SHA-256");
            md.update("berth ula ".getBytes(java.nio.charset.StandardCharsets.UTF_8));
            h = md.digest(seed);
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e); // every JDK has SHA-256
        }
        long hi = 0xfdL;
        for (int i = 0; i < 5; i++) {
            hi = (hi << 8) | (h[i] & 0xff);
        }
        return new Subnet6(new Ip6(hi << 16, 0), 48);
    }

    private void checkRoutes6(Subnet6 s, String bridge) throws NetException {
        for (HostRoutes.Route6 r : HostRoutes.read6(config.routes6())) {
            if (r.subnet().overlaps(s) && !r.device().equals(bridge)) {
                throw new NetException.Conflict("subnet " + s + " overlaps the host's route to " + r.subnet() + " on "
                    + r.device() + ": containers could not reach that network; pick another --subnet");
            }
        }
    }

    private static void checkOverlap6(Subnet6 s, List<Network> others) throws NetException {
        for (Network n : others) {
            if (n.subnet6() != null && n.subnet6().overlaps(s)) {
                throw new NetException.Conflict("invalid pool request: subnet " + s + " overlaps with network "
                    + n.name() + " (" + n.subnet6() + "); pick another --subnet");
            }
        }
    }

    private static void checkSize6(Subnet6 s) throws NetException {
        if (s.prefix() > 126) {
            throw new NetException.InvalidArgument("subnet " + s + " is too small: it needs room for a gateway"
                + " and a container; use a prefix of /126 or shorter (/64 is usual)");
        }
    }

    private static boolean overlapsAny(Subnet s, List<Network> others, List<HostRoutes.Route> routes) {
        if (s.overlaps(DOCKER0)) {
            return true;
        }
        for (Network n : others) {
            if (n.subnet().overlaps(s)) {
                return true;
            }
        }
        for (HostRoutes.Route r : routes) {
            if (r.subnet().overlaps(s)) {
                return true;
            }
        }
        return false;
    }

    /**
     * A subnet the user gives must not shadow a network the host reaches already (docker lets
     * it, and the host then loses that network). Called after {@link #checkOverlap}, so a route
     * through another berth network's bridge is already refused; one through {@code bridge}
     * itself (the default network made again) is not the host's.
     */
    private void checkRoutes(Subnet s, String bridge) throws NetException {
        for (HostRoutes.Route r : HostRoutes.read(config.routes())) {
            if (r.subnet().overlaps(s) && !r.device().equals(bridge)) {
                throw new NetException.Conflict("subnet " + s + " overlaps the host's route to " + r.subnet() + " on "
                    + r.device() + ": containers could not reach that network; pick another --subnet");
            }
        }
    }

    private static void checkOverlap(Subnet s, List<Network> others) throws NetException {
        for (Network n : others) {
            if (n.subnet().overlaps(s)) {
                throw new NetException.Conflict("invalid pool request: subnet " + s + " overlaps with network "
                    + n.name() + " (" + n.subnet() + "); pick another --subnet");
            }
        }
    }

    private static void checkSize(Subnet s) throws NetException {
        if (s.prefix() > 30) {
            throw new NetException.InvalidArgument("subnet " + s + " is too small: it needs room for a gateway"
                + " and a container; use a prefix of /30 or shorter");
        }
    }

    private static List<Subnet> pool() {
        List<Subnet> out = new ArrayList<>();
        for (int b = 88; b <= 99; b++) {
            out.add(new Subnet((10 << 24) | (b << 16), 16));
        }
        for (int b = 18; b <= 31; b++) {
            out.add(new Subnet((172 << 24) | (b << 16), 16));
        }
        for (int c = 0; c < 256; c += 16) {
            out.add(new Subnet((192 << 24) | (168 << 16) | (c << 8), 20));
        }
        return List.copyOf(out);
    }

    /** docker's rule for names, [a-zA-Z0-9][a-zA-Z0-9_.-]*, at most 128 characters, without a regex. */
    static boolean valid(String name) {
        if (name.isEmpty() || name.length() > 128) {
            return false;
        }
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            boolean alnum = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
            if (!alnum && (i == 0 || (c != '_' && c != '.' && c != '-'))) {
                return false;
            }
        }
        return true;
    }

    private static void validateName(String name) throws NetException {
        if (!valid(name)) {
            throw new NetException.InvalidArgument("invalid network name \"" + name
                + "\": only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed, at most 128 characters");
        }
    }

    static boolean isId(String id) {
        if (id.length() != 64) {
            return false;
        }
        for (int i = 0; i < 64; i++) {
            if (Character.digit(id.charAt(i), 16) < 0 || Character.isUpperCase(id.charAt(i))) {
                return false;
            }
        }
        return true;
    }

    /** 64 lower-case hex characters from the kernel's CSPRNG (SecureRandom costs milliseconds cold). */
    private static String newId() throws NetException {
        try (InputStream in = new FileInputStream("/dev/urandom")) {
            return HexFormat.of().formatHex(in.readNBytes(32));
        } catch (IOException e) {
            throw new NetException.SystemFailure("cannot read /dev/urandom: " + e.getMessage(), e);
        }
    }
}
