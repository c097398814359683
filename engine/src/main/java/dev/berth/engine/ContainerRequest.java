package dev.berth.engine;

import dev.berth.linux.NsKind;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What to run: built with {@link #image(String)} or {@link #rootfs(Path)} and handed to
 * {@link Engine#run(ContainerRequest)}.
 *
 * <pre>{@code
 * ContainerRequest req = ContainerRequest.image("host")
 *     .command("sh", "-c", "echo hello from $(hostname)")
 *     .env("GREETING", "hi")
 *     .autoRemove(true);
 * }</pre>
 */
public final class ContainerRequest implements ResourceLimits {
    final String image;
    final Path rootfs;
    List<String> command = List.of();
    List<String> entrypoint;
    final Map<String, String> labels = new LinkedHashMap<>();
    String stopSignal;
    HealthConfig healthcheck;
    final Map<String, String> env = new LinkedHashMap<>();
    String workdir;
    String user;
    String hostname;
    String name;
    boolean tty;
    boolean stdin;
    boolean autoRemove;
    RestartPolicy restart = RestartPolicy.NO;
    boolean init;
    boolean readOnly;
    int rows = 24;
    int cols = 80;
    String timeOffsets;
    final Map<NsKind, String> namespaces = new EnumMap<>(NsKind.class);
    boolean privileged;
    final List<String> capAdd = new ArrayList<>();
    final List<String> capDrop = new ArrayList<>();
    final List<String> securityOpts = new ArrayList<>();
    final List<String> ulimits = new ArrayList<>();
    final Map<String, String> sysctls = new LinkedHashMap<>();
    final List<String> volumes = new ArrayList<>();
    final List<String> mounts = new ArrayList<>();
    final List<String> tmpfs = new ArrayList<>();
    final List<String> devices = new ArrayList<>();
    final Limits limits = new Limits();
    String network;
    String ip;
    String ip6;
    final List<String> networkAliases = new ArrayList<>();
    final List<String> publish = new ArrayList<>();
    final List<String> expose = new ArrayList<>();
    boolean publishAll;
    final List<String> dns = new ArrayList<>();
    final List<String> dnsSearch = new ArrayList<>();
    final List<String> dnsOptions = new ArrayList<>();
    final List<String> extraHosts = new ArrayList<>();

    private ContainerRequest(String image, Path rootfs) {
        this.image = image;
        this.rootfs = rootfs;
    }

    /**
     * A container of an image: {@code host} (built in) or a reference to an image in the store
     * ({@code busybox} is {@code docker.io/library/busybox:latest}).
     */
    public static ContainerRequest image(String image) {
        return new ContainerRequest(image, null);
    }

    /** A container on an unpacked root filesystem. */
    public static ContainerRequest rootfs(Path dir) {
        return new ContainerRequest(null, dir);
    }

    public ContainerRequest command(String... args) {
        return command(List.of(args));
    }

    public ContainerRequest command(List<String> args) {
        this.command = List.copyOf(args);
        return this;
    }

    /**
     * Replaces the image's Entrypoint (docker's --entrypoint, one program) and drops its Cmd; an
     * empty string leaves no entrypoint.
     */
    public ContainerRequest entrypoint(String program) {
        this.entrypoint = program.isEmpty() ? List.of() : List.of(program);
        return this;
    }

    /** The Entrypoint as a list (the API's form); empty for none. */
    public ContainerRequest entrypoint(List<String> args) {
        this.entrypoint = List.copyOf(args);
        return this;
    }

    /** A label (docker's --label), merged over the image's. */
    public ContainerRequest label(String key, String value) {
        labels.put(key, value);
        return this;
    }

    /** The signal {@code stop} sends first (docker's --stop-signal), instead of the image's or SIGTERM. */
    public ContainerRequest stopSignal(String signal) {
        this.stopSignal = signal;
        return this;
    }

    /**
     * The healthcheck (docker's --health-* flags, Config.Healthcheck), over the image's field by
     * field; {@link HealthConfig#none()} turns the image's off.
     */
    public ContainerRequest healthcheck(HealthConfig health) {
        this.healthcheck = health;
        return this;
    }

    public ContainerRequest env(String name, String value) {
        env.put(name, value);
        return this;
    }

    /** {@code NAME=value}, or {@code NAME} alone to pass this process's value, as docker's -e. */
    public ContainerRequest env(String assignment) {
        putEnv(env, assignment);
        return this;
    }

    /** Docker's -e: {@code NAME=value} sets, {@code NAME} alone copies this process's value if set. */
    static void putEnv(Map<String, String> env, String assignment) {
        int eq = assignment.indexOf('=');
        if (eq < 0) {
            String v = System.getenv(assignment);
            if (v != null) {
                env.put(assignment, v);
            }
        } else {
            env.put(assignment.substring(0, eq), assignment.substring(eq + 1));
        }
    }

    public ContainerRequest workdir(String dir) {
        this.workdir = dir;
        return this;
    }

    /** {@code uid}, {@code uid:gid}, {@code name} or {@code name:group} of the rootfs. */
    public ContainerRequest user(String user) {
        this.user = user;
        return this;
    }

    public ContainerRequest hostname(String hostname) {
        this.hostname = hostname;
        return this;
    }

    public ContainerRequest name(String name) {
        this.name = name;
        return this;
    }

    public ContainerRequest tty(boolean tty) {
        this.tty = tty;
        return this;
    }

    public ContainerRequest terminalSize(int rows, int cols) {
        this.rows = rows;
        this.cols = cols;
        return this;
    }

    public ContainerRequest stdin(boolean keepOpen) {
        this.stdin = keepOpen;
        return this;
    }

    public ContainerRequest autoRemove(boolean autoRemove) {
        this.autoRemove = autoRemove;
        return this;
    }

    /** docker's --restart: what happens when the container exits (see {@link RestartPolicy}). */
    public ContainerRequest restart(RestartPolicy policy) {
        this.restart = policy == null ? RestartPolicy.NO : policy;
        return this;
    }

    public ContainerRequest init(boolean init) {
        this.init = init;
        return this;
    }

    public ContainerRequest readOnly(boolean readOnly) {
        this.readOnly = readOnly;
        return this;
    }

    /**
     * A namespace mode as docker writes it: {@code private}, {@code host},
     * {@code container:NAME}, or a namespace file such as {@code /proc/PID/ns/net}. For the user
     * namespace, {@code private} maps root to the {@code berth} range of {@code /etc/subuid}.
     */
    public ContainerRequest namespace(NsKind kind, String mode) {
        namespaces.put(kind, mode);
        return this;
    }

    /**
     * A bridge network to join: {@code bridge} (berth's default, device {@code berth0}) or one
     * made with {@code berth network create}. The container gets a network namespace of its own
     * with {@code eth0} on that network, an address, a default route and NAT to the outside.
     */
    public ContainerRequest network(String network) {
        this.network = network;
        return this;
    }

    /** A fixed IPv6 address on a dual-stack network (docker's --ip6) instead of the next free one. */
    public ContainerRequest ip6(String ip6) {
        this.ip6 = ip6;
        return this;
    }

    /** A fixed address on the network (docker's --ip) instead of the next free one. */
    public ContainerRequest ip(String ip) {
        this.ip = ip;
        return this;
    }

    /** docker's --expose: {@code PORT[/PROTO]} or a range, in Config.ExposedPorts and published by {@link #publishAll}. */
    public ContainerRequest expose(String port) {
        expose.add(port);
        return this;
    }

    /** docker's -P: every exposed port on a free host port of the ephemeral range. */
    public ContainerRequest publishAll(boolean on) {
        publishAll = on;
        return this;
    }

    /** docker's --network-alias: one more name for the container on a user-defined network. */
    public ContainerRequest networkAlias(String alias) {
        networkAliases.add(alias);
        return this;
    }

    /** docker's -p: {@code [IP:][HOSTPORT:]CONTAINERPORT[/PROTO]}, ranges allowed. */
    public ContainerRequest publish(String spec) {
        publish.add(spec);
        return this;
    }

    /** --dns, --dns-search, --dns-option: what /etc/resolv.conf says instead of the host's. */
    public ContainerRequest dns(List<String> servers, List<String> search, List<String> options) {
        dns.addAll(servers);
        dnsSearch.addAll(search);
        dnsOptions.addAll(options);
        return this;
    }

    /** --add-host NAME:IP ({@code host-gateway} for the network's gateway), into /etc/hosts. */
    public ContainerRequest addHost(String entry) {
        extraHosts.add(entry);
        return this;
    }

    /** {@code monotonic=SECONDS,boottime=SECONDS}: implies a private time namespace. */
    public ContainerRequest timeOffsets(String offsets) {
        this.timeOffsets = offsets;
        return this;
    }

    /**
     * docker's --privileged: every capability berth has, no seccomp filter, no masked kernel
     * paths, a writable /sys and the host's devices.
     */
    public ContainerRequest privileged(boolean privileged) {
        this.privileged = privileged;
        return this;
    }

    /** {@code CAP_NET_ADMIN}, {@code NET_ADMIN} or {@code ALL}, added to docker's default set. */
    public ContainerRequest capAdd(String cap) {
        capAdd.add(cap);
        return this;
    }

    /** A capability (or {@code ALL}) taken from docker's default set. */
    public ContainerRequest capDrop(String cap) {
        capDrop.add(cap);
        return this;
    }

    /** {@code seccomp=unconfined|FILE}, {@code no-new-privileges[=true|false]}, {@code systempaths=unconfined}. */
    public ContainerRequest securityOpt(String opt) {
        securityOpts.add(opt);
        return this;
    }

    /** docker's {@code --ulimit TYPE=SOFT[:HARD]}. */
    public ContainerRequest ulimit(String spec) {
        ulimits.add(spec);
        return this;
    }

    /** A namespaced sysctl such as {@code net.ipv4.ip_forward=1}. */
    public ContainerRequest sysctl(String name, String value) {
        sysctls.put(name, value);
        return this;
    }

    /** docker's {@code -v HOST:CONTAINER[:OPTIONS]} bind mount. */
    public ContainerRequest volume(String spec) {
        volumes.add(spec);
        return this;
    }

    /** docker's {@code --mount type=bind|tmpfs,...}. */
    public ContainerRequest mount(String spec) {
        mounts.add(spec);
        return this;
    }

    /** docker's {@code --tmpfs PATH[:OPTIONS]}. */
    public ContainerRequest tmpfs(String spec) {
        tmpfs.add(spec);
        return this;
    }

    /** docker's {@code --device HOST[:CONTAINER[:PERMISSIONS]]}. */
    public ContainerRequest device(String spec) {
        devices.add(spec);
        return this;
    }

    /** docker's --memory, in bytes. */
    @Override
    public ContainerRequest memory(long bytes) {
        limits.memory = bytes;
        return this;
    }

    /** docker's --memory-swap: memory plus swap, in bytes; -1 for unlimited swap. */
    @Override
    public ContainerRequest memorySwap(long bytes) {
        limits.memorySwap = bytes;
        return this;
    }

    @Override
    public ContainerRequest memoryReservation(long bytes) {
        limits.memoryReservation = bytes;
        return this;
    }

    /** docker's --cpus: how many CPUs' worth of time, e.g. 1.5. */
    @Override
    public ContainerRequest cpus(double cpus) {
        limits.cpus = cpus;
        return this;
    }

    @Override
    public ContainerRequest cpuShares(long shares) {
        limits.cpuShares = shares;
        return this;
    }

    @Override
    public ContainerRequest cpusetCpus(String cpus) {
        limits.cpusetCpus = cpus;
        return this;
    }

    @Override
    public ContainerRequest cpusetMems(String mems) {
        limits.cpusetMems = mems;
        return this;
    }

    /** docker's --pids-limit; 0 or -1 for none. */
    @Override
    public ContainerRequest pidsLimit(long limit) {
        limits.pidsLimit = limit;
        return this;
    }

    /**
     * docker's {@code --network}: {@code none}, {@code host}, {@code container:NAME} or a
     * namespace path choose the network namespace; anything else names a network to join.
     */
    public ContainerRequest networkMode(String mode) {
        if (mode.equals("none") || mode.equals("host") || mode.startsWith("container:") || mode.startsWith("/")) {
            return namespace(NsKind.NET, mode);
        }
        return network(mode);
    }

    List<String> envList() {
        List<String> out = new ArrayList<>();
        env.forEach((k, v) -> out.add(k + "=" + v));
        return out;
    }
}
