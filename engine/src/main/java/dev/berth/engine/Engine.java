package dev.berth.engine;

import dev.berth.linux.NsKind;
import dev.berth.linux.Procs;
import dev.berth.runtime.ContainerConfig;
import dev.berth.runtime.ContainerOptions;
import dev.berth.runtime.MountSpec;
import dev.berth.runtime.RootfsPath;
import dev.berth.runtime.IdMap;
import dev.berth.runtime.NamespaceMode;
import dev.berth.runtime.ProcessSpec;
import dev.berth.runtime.ProgramCompiler;
import dev.berth.runtime.Rootfs;
import dev.berth.runtime.Timestamps;
import dev.berth.runtime.Trace;
import dev.berth.runtime.cgroup.Cgroup;
import dev.berth.runtime.cgroup.CgroupException;
import dev.berth.runtime.cgroup.Cgroups;
import dev.berth.image.ImageException;
import dev.berth.runtime.json.Json;
import dev.berth.runtime.stage.Program;
import dev.berth.runtime.stage.Protocol;
import dev.berth.runtime.stage.StageException;
import dev.berth.runtime.stage.StageSession;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The berth engine as a library: containers over one state directory, no daemon.
 *
 * <pre>{@code
 * Engine engine = Engine.open(Path.of("/var/lib/berth"));
 * try (Container c = engine.run(ContainerRequest.image("host").command("sh", "-c", "hostname; ps"))) {
 *     int exitCode = c.pipeOutput(System.out, System.err);
 * }
 * }</pre>
 *
 * Every method may be called from several processes at once: names are claimed atomically and
 * state files are replaced atomically under a per-container lock.
 */
public final class Engine {
    /** Namespaces a container gets of its own unless told otherwise: docker's set. */
    private static final List<NsKind> PRIVATE_BY_DEFAULT =
        List.of(NsKind.MNT, NsKind.PID, NsKind.NET, NsKind.UTS, NsKind.IPC, NsKind.CGROUP);
    static final String DEFAULT_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

    private final Store store;
    private final Path hostEtc;
    private volatile List<String> exitCommand = List.of();
    private volatile String cgroupParent = defaultCgroupParent();
    private volatile java.util.function.Consumer<Container> restarted;
    /** The daemon's: auto-removed containers' directories deleted after the answer; null: at once. */
    private volatile LaterDeletes laterDeletes;
    private volatile String defaultNetwork = defaultNetworkSetting();

    private Engine(Store store, Path hostEtc) {
        this.store = store;
        this.hostEtc = hostEtc;
    }

    /** Opens (creating if needed) the state directory {@code root}. */
    public static Engine open(Path root) throws IOException {
        return new Engine(new Store(root), Path.of("/etc"));
    }

    /** Where containers' cgroups go: {@code $BERTH_CGROUP_PARENT}, or {@code /berth} (docker's --cgroup-parent). */
    static String defaultCgroupParent() {
        String env = System.getenv("BERTH_CGROUP_PARENT");
        return env != null && env.startsWith("/") && !env.contains("..") ? env : "/berth";
    }

    /**
     * The network of a container run without one (dockerd's {@code --bridge none}):
     * {@code $BERTH_DEFAULT_NETWORK} (or the system property {@code berth.defaultNetwork}), null
     * when neither is set, which means berth's choice ({@link #withDefaultNetwork}).
     */
    static String defaultNetworkSetting() {
        String v = System.getProperty("berth.defaultNetwork", System.getenv("BERTH_DEFAULT_NETWORK"));
        return v == null || v.isBlank() ? null : v.strip();
    }

    /**
     * The network a container gets when its request names none (no --network, --net or
     * container:): {@code none}, {@code bridge}, {@code pasta[:OPTIONS]}, {@code host} or a
     * network's name. Null is berth's choice, docker's and podman's: {@code bridge} for root,
     * for a user {@code pasta} where pasta is installed and {@code /dev/net/tun} usable, else
     * {@code none}.
     */
    public Engine withDefaultNetwork(String network) {
        if (network != null && (network.isBlank() || network.startsWith("container:") || network.startsWith("/"))) {
            throw new IllegalArgumentException("the default network \"" + network + "\" must be none, bridge, pasta,"
                + " host or the name of a network");
        }
        this.defaultNetwork = network;
        return this;
    }

    /** The cgroup (absolute, in every hierarchy) under which this engine puts its containers' cgroups. */
    public Engine withCgroupParent(String parent) {
        if (!parent.startsWith("/") || parent.contains("..")) {
            throw new IllegalArgumentException("the cgroup parent \"" + parent + "\" must be an absolute path without ..");
        }
        this.cgroupParent = parent;
        return this;
    }

    /**
     * The state directory: {@code $BERTH_ROOT}, else {@code /var/lib/berth} for root and
     * {@code $XDG_DATA_HOME/berth} (or {@code ~/.local/share/berth}) for other users.
     */
    public static Path defaultRoot() {
        String env = System.getenv("BERTH_ROOT");
        if (env != null && !env.isEmpty()) {
            return Path.of(env);
        }
        if (Procs.effectiveUid() == 0) {
            return Path.of("/var/lib/berth");
        }
        // rootless, where podman keeps its containers too: the user's data directory
        String data = System.getenv("XDG_DATA_HOME");
        return data != null && !data.isEmpty() ? Path.of(data, "berth")
            : Path.of(System.getProperty("user.home"), ".local", "share", "berth");
    }

    public Path root() {
        return store.root();
    }

    /**
     * The berth command (a prefix, ending in its {@code --root}) a monitor runs: {@code rm -f ID}
     * to remove an auto-remove container that exited while nobody was attached,
     * {@code container-exited ID} for a restart policy, and {@code healthcheck run --monitor ID}
     * for every scheduled healthcheck. Without one (a bare library engine) none of these run.
     */
    public Engine withRemoveCommand(List<String> prefix) {
        this.exitCommand = List.copyOf(prefix);
        return this;
    }

    /**
     * This engine lives on (a daemon): it applies the restart policies of the containers it
     * started itself, when it sees them exit, instead of leaving it to their monitors' exit
     * command (a JVM per restart). {@code restarted} gets each container it started again,
     * attached; it must read its output (or detach it).
     */
    public Engine withRestartsInProcess(java.util.function.Consumer<Container> restarted) {
        this.restarted = restarted;
        return this;
    }

    /**
     * This engine lives on (a daemon): the directory of an auto-removed container is deleted
     * after its removal was answered ({@link LaterDeletes}); {@link #awaitLaterDeletes} before
     * the process ends.
     */
    public Engine withLaterDeletes() {
        this.laterDeletes = new LaterDeletes();
        return this;
    }

    /** Waits up to {@code millis} for the directories still being deleted; true when none is left. */
    public boolean awaitLaterDeletes(long millis) throws InterruptedException {
        LaterDeletes l = laterDeletes;
        return l == null || l.await(millis);
    }

    /** Where this engine's in-process restarts go; null when the monitors' exit command does them. */
    java.util.function.Consumer<Container> restartsInProcess() {
        return restarted;
    }

    /** The event log under this engine's root ({@code docker events}). */
    public dev.berth.runtime.events.EventLog events() {
        return dev.berth.runtime.events.EventLog.at(store.root());
    }

    /**
     * Logs an event of a container with its usual attributes (labels, image, name) and
     * {@code extra}; for what a face does beyond the engine's own calls (docker restart).
     */
    public void logEvent(String ref, String action, Map<String, String> extra) throws EngineException {
        Events.container(this, inspect(ref), action, extra);
    }

    /** Pulls an image that is not in the store (the registry client's hook; none by default). */
    public interface Puller {
        /** Fetches {@code reference} (normalised, e.g. docker.io/library/busybox:latest) into the store. */
        void pull(String reference) throws EngineException;
    }

    private volatile Puller puller;

    /** What {@link #run} calls when the image is not in the store; null: fail with docker's message. */
    public Engine withPuller(Puller puller) {
        this.puller = puller;
        return this;
    }

    /** Creates and starts a container; the returned handle is attached to its output. */
    public Container run(ContainerRequest r) throws EngineException {
        Trace.mark("engine.run");
        ImageRootfs.Resolved img = r.rootfs == null && !"host".equals(r.image) ? ImageRootfs.resolve(this, r, puller) : null;
        Trace.mark("image resolved");
        return run(r, img, Applied.of(r, img == null ? null : img.image().config()), false, null);
    }

    /** What the request and the image's config make of the process, checked before anything is made. */
    private static void checkApplied(Applied applied) throws EngineException {
        if (applied.argv().isEmpty()) {
            throw new EngineException.InvalidArgument("no command specified: give the command after the image");
        }
        if (applied.workdir() != null && !applied.workdir().startsWith("/")) {
            throw new EngineException.InvalidArgument("the working directory \"" + applied.workdir()
                + "\" is invalid: it needs to be an absolute path");
        }
        if (applied.stopSignal() != null) {
            try {
                dev.berth.linux.Signals.parse(applied.stopSignal());
            } catch (IllegalArgumentException e) {
                throw new EngineException.InvalidArgument(e.getMessage() + ": give the stop signal (--stop-signal) as a name like SIGINT or a number");
            }
        }
    }

    /** docker refuses a restart policy on a container that is removed when it exits. */
    private static void checkRestart(ContainerRequest r) throws EngineException {
        if (r.autoRemove && !r.restart.isNo()) {
            throw new EngineException.InvalidArgument("conflicting options: --restart and --rm; a container"
                + " removed when it exits cannot be restarted, drop one of them");
        }
    }

    /**
     * A container {@link #start} starts (again): made by {@link #create}, its state before, and
     * whether its restart policy starts it (which keeps its restart count).
     */
    private record Again(String id, String name, Path dir, Map<String, Object> before, boolean byPolicy) {}

    private Container run(ContainerRequest r, ImageRootfs.Resolved img, Applied applied, boolean copy, Again again)
        throws EngineException {
        Rootfs rootfs = img == null ? rootfs(r) : null;
        checkApplied(applied);
        checkRestart(r);
        if (r.healthcheck != null) {
            r.healthcheck.validate();
        }
        applyDefaultNetwork(r);
        Map<NsKind, NamespaceMode> namespaces = namespaces(r);
        IdMap[] maps = idMaps(namespaces);
        dev.berth.image.Snapshots.Mapping mapping = img == null ? null : imageMapping(r, namespaces, maps);
        String network = networkMode(r, namespaces);
        if (network != null && !Pasta.isMode(network) && (!r.publish.isEmpty() || r.publishAll)) {
            Networking.prepare(); // published ports need libnftables; the rest goes through the stage
        }
        String id = again != null ? again.id() : Names.newId();
        String name = again != null ? again.name() : r.name;
        if (again == null && name != null) {
            Names.validate(name);
        }
        Path dir;
        try {
            dir = again != null ? again.dir() : store.createForRun(id, cgroupPath(id));
        } catch (IOException e) {
            throw new EngineException.SystemFailure("cannot create the container directory in "
                + store.root() + ": " + e.getMessage(), e);
        }
        Created created = null;
        Starting starting = new Starting();
        try {
            starting.hello(dir.resolve("monitor.log"));
            starting.makeCgroup(cgroupPath(id), r.limits.resources(Limits.deviceRules(r.privileged, r.devices)));
            if (again == null) {
                name = claimName(name, id);
                if (!r.autoRemove) { // kept for start and restart, as create keeps it
                    r.name = name;
                    RequestFile.write(dir, r, false);
                    Trace.mark("request kept");
                }
            }
            ImageRootfs.Prepared prepared = null;
            List<String> warnings = new ArrayList<>();
            if (img != null) {
                prepared = ImageRootfs.prepare(this, img, id, dir, mapping, r.readOnly, copy, warnings);
                rootfs = prepared.rootfs();
            }
            created = create(r, id, name, dir, rootfs, namespaces, network, maps, applied, img, prepared, starting);
            if (again != null) {
                created.state().put("Created", again.before().get("Created"));
                created.state().put("RestartCount", again.byPolicy() ? again.before().get("RestartCount") : 0);
            }
            created.warnings().addAll(0, warnings);
            Trace.mark("compiled");
            return start(created, starting.takeStage(), again == null, again != null && again.byPolicy());
        } catch (EngineException | IOException | RuntimeException e) {
            starting.abandon(); // before the clean-up: no cgroup is made after it
            boolean keep = e instanceof EngineException.CommandFailed && !r.autoRemove;
            String refused = created == null ? null : overlayRefused(created, e);
            if (keep) {
                volumesExited(id); // the command never ran: nothing holds a volume's mount
            }
            if (!keep && again != null && !r.autoRemove) {
                undoStart(id, network, again.before(), e); // the container stays, as docker keeps it
            } else if (!keep) {
                discard(id, name, network, e);
            }
            if (refused != null && !copy && ImageRootfs.mayFallBack()) {
                // overlayfs refused here (an old kernel for a user namespace, a file system it
                // will not take as upper): remembered, and this run retried with a copy
                ImageRootfs.overlayRefused(this, mapping, refused);
                return run(r, img, applied, true, again);
            }
            if (e instanceof EngineException ee) {
                throw ee;
            }
            if (e instanceof ImageException ie) {
                throw new EngineException.SystemFailure("cannot prepare the image's files: " + ie.getMessage(), e);
            }
            throw new EngineException.SystemFailure("cannot create the container: " + e.getMessage(), e);
        }
    }

    /** How an image's files are shifted for the container's user namespace. */
    private dev.berth.image.Snapshots.Mapping imageMapping(ContainerRequest r, Map<NsKind, NamespaceMode> namespaces, IdMap[] maps)
        throws EngineException {
        if (namespaces.get(NsKind.USER) instanceof NamespaceMode.Join) {
            throw new EngineException.InvalidArgument("--userns " + r.namespaces.get(NsKind.USER) + " with an image"
                + " is not supported yet: its files would need that namespace's id shift; use --userns private");
        }
        return ImageRootfs.mapping(maps == null ? null : maps[0], maps == null ? null : maps[1], rootless());
    }

    /** Why the overlay mount failed, when it was that step and overlayfs the cause; else null. */
    private static String overlayRefused(Created c, Exception e) {
        if (!(e.getCause() instanceof StageException se) || se.step() < 0 || se.step() >= c.program().records().size()) {
            return null;
        }
        boolean overlayStep = c.program().records().get(se.step()).description().startsWith(ProgramCompiler.OVERLAY_STEP);
        // a missing directory or one the mounter may not enter is not overlayfs refusing
        boolean notOverlay = se.errno() == dev.berth.linux.Errno.ENOENT || se.errno() == dev.berth.linux.Errno.ENOTDIR
            || se.errno() == dev.berth.linux.Errno.EACCES;
        return overlayStep && !notOverlay ? se.getMessage() : null;
    }

    /** The user namespace's id maps, or null when the container shares the host's. */
    private IdMap[] idMaps(Map<NsKind, NamespaceMode> namespaces) throws EngineException {
        if (rootless()) { // root inside is the user itself, as with unshare -r
            return new IdMap[] {new IdMap(0, Procs.effectiveUid(), 1), new IdMap(0, Procs.effectiveGid(), 1)};
        }
        if (namespaces.get(NsKind.USER) instanceof NamespaceMode.Private) {
            try {
                return SubIds.maps(hostEtc);
            } catch (IOException e) {
                throw new EngineException.SystemFailure("cannot read /etc/subuid and /etc/subgid: " + e.getMessage(), e);
            }
        }
        return null;
    }

    /**
     * Creates a container without starting it (docker create): the name is claimed and the
     * request saved, so that {@link #start} can start it from any process. Returns its id.
     */
    public String create(ContainerRequest r) throws EngineException {
        ImageRootfs.Resolved img = r.rootfs == null && !"host".equals(r.image) ? ImageRootfs.resolve(this, r, puller) : null;
        if (img == null) {
            rootfs(r);
        }
        Applied applied = Applied.of(r, img == null ? null : img.image().config());
        checkApplied(applied);
        checkRestart(r);
        if (r.healthcheck != null) {
            r.healthcheck.validate();
        }
        applyDefaultNetwork(r);
        Map<NsKind, NamespaceMode> namespaces = namespaces(r);
        networkMode(r, namespaces);
        dev.berth.image.Snapshots.Mapping mapping = img == null ? null : imageMapping(r, namespaces, idMaps(namespaces));
        if (r.name != null) {
            Names.validate(r.name);
        }
        String id = Names.newId();
        String name = null;
        try {
            Path dir = store.create(id, cgroupPath(id));
            Trace.mark("directory made");
            name = claimName(r.name, id);
            r.name = name;
            Trace.mark("name claimed");
            MountParser parsed = parseMounts(r, img);
            List<VolumeMounts.Resolved> volumes = VolumeMounts.attach(this, dir, parsed.volumes, null, null, null);
            // an auto-remove container need not outlive a machine crash (its client died with
            // it, and docker removes such containers at its restart): neither its request nor
            // its state is fsync'd, and a state a crash left empty is a leftover (Store.abandoned)
            RequestFile.write(dir, r, !r.autoRemove);
            Trace.mark("request saved");
            Map<String, Object> state = Inspect.created(id, name, r, dir, applied);
            state.put("Mounts", Inspect.mounts(parsed.mounts)); // cp into a created container reaches its volumes
            VolumeMounts.inspect(state, volumes, volumes.stream().map(v -> parsed.mounts.get(v.wanted().index()).destination()).toList());
            if (img != null) { // its files now, as docker's create makes them: cp can fill them before the start
                ImageRootfs.Prepared prepared = ImageRootfs.prepare(this, img, id, dir, mapping, r.readOnly, false, new ArrayList<>());
                Inspect.image(state, img.image().id().toString(), prepared.driver(), prepared.graphDriver());
                Trace.mark("rootfs prepared");
            }
            store.write(id, state, !r.autoRemove);
            Trace.mark("container created");
            Events.container(this, state, "create");
            return id;
        } catch (IOException | RuntimeException | EngineException e) {
            discard(id, name, null, e);
            if (e instanceof EngineException ee) {
                throw ee;
            }
            throw new EngineException.SystemFailure("cannot create the container in " + store.root() + ": "
                + e.getMessage(), e);
        }
    }

    /**
     * Starts a container made by {@link #create}, or one of those that has exited (docker start);
     * the returned handle is attached to its output. An auto-remove container is removed when
     * it exits, as after {@link #run}.
     */
    public Container start(String ref) throws EngineException {
        return start(ref, false);
    }

    /**
     * {@code byPolicy}: the restart policy's start ({@link Restarts}), which happens only if the
     * container still waits for it (status restarting, not stopped by hand meanwhile: else null)
     * and keeps its restart count; a start by hand resets both, as docker's does.
     */
    Container start(String ref, boolean byPolicy) throws EngineException {
        Map<String, Object> s = inspect(ref);
        String id = (String) s.get("Id");
        String name = Inspect.name(s);
        try (var lock = store.lock(id)) {
            s = load(id);
            if (s == null) {
                throw new EngineException.NotFound("no such container: " + ref);
            }
            Path dir = store.dir(id);
            if (byPolicy && (!"restarting".equals(Inspect.state(s).get("Status")) || Restarts.stoppedByHand(dir))) {
                return null;
            }
            if (Inspect.isRunning(s)) {
                throw new EngineException.InvalidState("container " + name + " is already running");
            }
            if (!byPolicy) {
                Restarts.reset(dir);
            }
            ContainerRequest r = RequestFile.read(dir);
            if (r == null) {
                throw new EngineException.InvalidState("container " + name + " was made by run, which keeps"
                    + " nothing to start it again; run a new one");
            }
            if (!"created".equals(Inspect.state(s).get("Status"))) {
                afterExit(id, s);
            }
            ImageRootfs.Resolved img = r.rootfs == null && !"host".equals(r.image)
                ? ImageRootfs.resolve(this, r, null) : null;
            return run(r, img, Applied.of(r, img == null ? null : img.image().config()), false,
                new Again(id, name, dir, s, byPolicy));
        } catch (IOException e) {
            throw new EngineException.SystemFailure("cannot lock container " + name + ": " + e.getMessage(), e);
        }
    }

    /** What a finished run leaves for the next start to replace: its cgroup, network and exit file. */
    private void afterExit(String id, Map<String, Object> s) throws EngineException {
        try {
            deleteCgroup(cgroupPath(s));
            if (s.get("NetworkSettings") != null) {
                Map<String, Object> host = Json.map(s, "HostConfig");
                releaseNetwork(id, host == null ? "" : String.valueOf(host.get("NetworkMode")), s);
            }
            volumesExited(id);
            Files.deleteIfExists(store.dir(id).resolve("exit"));
        } catch (IOException e) {
            throw new EngineException.SystemFailure("cannot clean up the last run of " + id + ": " + e.getMessage(), e);
        }
    }

    /** A start that failed before the command: the container stays, with the error, as docker keeps it. */
    private void undoStart(String id, String network, Map<String, Object> before, Exception cause) {
        try {
            deleteCgroup(cgroupPath(id));
        } catch (IOException | RuntimeException e) {
            cause.addSuppressed(e);
        }
        try {
            releaseNetwork(id, network, null);
        } catch (RuntimeException | EngineException e) {
            cause.addSuppressed(e);
        }
        volumesExited(id);
        try {
            Map<String, Object> st = Inspect.state(before);
            st.put("Error", String.valueOf(cause.getMessage()));
            if (!"created".equals(st.get("Status"))) {
                st.put("ExitCode", 128);
            }
            store.write(id, before);
        } catch (IOException | RuntimeException e) {
            cause.addSuppressed(e);
        }
    }

    /**
     * A request without a network gets the default one, written into the request so that a
     * created container keeps the network it was created with (docker decides at create too).
     */
    private void applyDefaultNetwork(ContainerRequest r) throws EngineException {
        if (r.network != null || r.namespaces.get(NsKind.NET) != null) {
            return;
        }
        String d = defaultNetwork;
        if (d == null) {
            d = !rootless() ? "bridge" : Pasta.usable() ? Pasta.MODE : "none";
        } else if (d.startsWith("container:") || d.startsWith("/")) {
            throw new EngineException.InvalidArgument("BERTH_DEFAULT_NETWORK=" + d + " is not a network: set it to"
                + " none, bridge, pasta, host or the name of a network");
        }
        if (!d.equals("none")) {
            r.networkMode(d);
        }
    }

    /**
     * The container's network: null (a namespace of its own with loopback only, or another
     * --network mode), pasta, or a bridge network's name. A user's container that publishes
     * ports gets pasta without asking, as podman gives it to rootless containers.
     */
    private String networkMode(ContainerRequest r, Map<NsKind, NamespaceMode> namespaces) throws EngineException {
        String network = r.network;
        if (network == null && rootless() && !r.publish.isEmpty() && r.namespaces.get(NsKind.NET) == null) {
            Pasta.check("a user's container publishes its ports through pasta", true);
            return Pasta.MODE;
        }
        if (network == null) {
            if (!r.publish.isEmpty() || r.publishAll) {
                throw new EngineException.InvalidArgument((r.publish.isEmpty() ? "-P" : "-p")
                    + " needs a network, and the default network is none here (BERTH_DEFAULT_NETWORK, berth daemon -b none):"
                    + " add --network bridge, --network pasta or the name of a network");
            }
            if (r.ip != null || r.ip6 != null || !r.networkAliases.isEmpty()) {
                throw new EngineException.InvalidArgument((r.ip != null ? "--ip" : r.ip6 != null ? "--ip6" : "--network-alias")
                    + " needs a bridge network: add --network bridge (or the name of a network)");
            }
            return null;
        }
        if (r.namespaces.get(NsKind.NET) != null || !(namespaces.get(NsKind.NET) instanceof NamespaceMode.Private)) {
            throw new EngineException.InvalidArgument("--network " + network + " gives the container a network"
                + " namespace of its own: drop the other --network/--net");
        }
        if (Pasta.isMode(network)) {
            Pasta.options(network);
            Pasta.check("--network pasta", rootless());
            return network;
        }
        if (rootless()) {
            throw new EngineException.PermissionDenied("rootless: bridge networks need root (a bridge and veth pairs"
                + " on the host); use --network pasta (the host's network through pasta), or run as root");
        }
        return network;
    }

    private record Created(String id, String name, Program program, Map<String, Object> state,
        boolean autoRemove, List<String> warnings, String networkMode, Networking.Plan network,
        Pasta.Plan pasta, Path pastaNetns) {}

    /** Every container has a cgroup (for limits, stats, pause and a clean kill), named by its id. */
    private String cgroupPath(String id) {
        return cgroupPath(cgroupParent, id);
    }

    static String cgroupPath(String parent, String id) {
        return (parent.endsWith("/") ? parent : parent + "/") + id;
    }

    /** The cgroup of a container as its state recorded it (berth's default for older ones). */
    static String cgroupPath(Map<String, Object> state) {
        Map<String, Object> host = dev.berth.runtime.json.Json.map(state, "HostConfig");
        Object parent = host == null ? null : host.get("CgroupParent");
        return cgroupPath(parent instanceof String p && !p.isEmpty() ? p : "/berth", (String) state.get("Id"));
    }

    /** Removes the cgroup of a container whose processes are gone; a missing one is fine. */
    static void deleteCgroup(String path) throws IOException {
        try {
            var cg = Cgroups.detect().open(path);
            if (cg.deleteIfEmpty()) {
                return; // the usual case: its processes are gone, and so are no sub-cgroups
            }
            // what outlived the container's first process (its monitor killed, say) goes with it
            if (cg.exists() && !cg.pids().isEmpty() && !cg.kill()) {
                for (long pid : cg.pids()) {
                    dev.berth.linux.LibC.kill(pid, 9);
                }
            }
            cg.delete();
        } catch (dev.berth.linux.ErrnoException e) {
            throw new IOException("cannot kill what is left in the cgroup " + path + ": " + e.getMessage(), e);
        } catch (CgroupException e) {
            throw new IOException("cannot remove the cgroup " + path + ": " + e.getMessage(), e);
        }
    }

    /** -v, --mount, --tmpfs, --device and the image's Volumes, parsed. */
    private static MountParser parseMounts(ContainerRequest r, ImageRootfs.Resolved img) throws EngineException {
        MountParser parser = new MountParser();
        for (String v : r.volumes) {
            parser.volume(v);
        }
        for (String m : r.mounts) {
            parser.mount(m);
        }
        for (String t : r.tmpfs) {
            parser.tmpfs(t);
        }
        for (String d : r.devices) {
            parser.device(d);
        }
        if (img != null && img.image().config().containerConfig() != null
            && img.image().config().containerConfig().get("Volumes") instanceof Map<?, ?> vols) {
            List<String> paths = new ArrayList<>();
            for (Object k : vols.keySet()) {
                paths.add(String.valueOf(k));
            }
            paths.sort(null);
            parser.imageVolumes(paths);
        }
        return parser;
    }

    /** The parsed mounts with targets in a rootfs resolved inside it, never out of it. */
    private static List<MountSpec> mounts(MountParser parser, Rootfs rootfs, dev.berth.image.LayerView view)
        throws EngineException {
        if (!(rootfs instanceof Rootfs.Directory) && view == null) {
            return parser.mounts;
        }
        List<MountSpec> out = new ArrayList<>();
        for (MountSpec m : parser.mounts) {
            String dest;
            try {
                if (view != null) { // an image's overlay: its symlinks read from the layers
                    dest = "/" + view.resolve(m.destination());
                } else {
                    Path root = ((Rootfs.Directory) rootfs).path();
                    dest = "/" + root.relativize(RootfsPath.resolve(root, m.destination()));
                }
            } catch (IOException e) {
                throw new EngineException.InvalidArgument("mount point " + m.destination() + ": " + e.getMessage());
            }
            out.add(new MountSpec(m.source(), dest, m.type(), m.flags(), m.propagation(), m.data(), m.fileTarget()));
        }
        return out;
    }

    private Created create(ContainerRequest r, String id, String name, Path dir, Rootfs rootfs,
        Map<NsKind, NamespaceMode> namespaces, String networkMode, IdMap[] maps, Applied applied,
        ImageRootfs.Resolved img, ImageRootfs.Prepared prepared, Starting starting) throws IOException, EngineException {
        String hostname = r.hostname != null ? r.hostname : id.substring(0, 12);
        Users.User user;
        if (prepared != null && prepared.view() != null) {
            // the overlay is not mounted yet (and never on the host): the image's files are read from its layers
            if (!prepared.view().resolve("/etc").equals("etc")) {
                throw new EngineException.InvalidArgument("the image's /etc is a symbolic link; berth places /etc/hosts"
                    + " and /etc/resolv.conf there and follows no link to do it");
            }
            user = Users.resolve(prepared.view().file("/etc/passwd"), prepared.view().file("/etc/group"), applied.user());
        } else {
            Path etc = prepared != null ? prepared.etc() : rootfs instanceof Rootfs.Directory d ? d.path().resolve("etc") : hostEtc;
            user = Users.resolve(etc, applied.user());
        }
        Map<String, String> env = new LinkedHashMap<>();
        env.put("PATH", DEFAULT_PATH);
        env.put("HOSTNAME", hostname);
        if (r.tty) {
            env.put("TERM", "xterm");
        }
        env.put("HOME", user.home());
        env.putAll(applied.imageEnv());
        env.putAll(r.env);
        List<String> envList = new ArrayList<>();
        env.forEach((k, v) -> envList.add(k + "=" + v));
        String cwd = applied.workdir() != null ? applied.workdir() : "/";
        Confinement conf = new Confinement(r.securityOpts);
        conf.cache = new SeccompCache(store.root());
        long caps = conf.capabilities(r.privileged, r.capAdd, r.capDrop);
        Confinement.checkSysctls(r.sysctls, namespaces);
        ProcessSpec proc = new ProcessSpec(applied.argv(), envList, cwd, user.uid(), user.gid(),
            user.groups(), r.tty, r.stdin, r.init, r.rows, r.cols, conf.process(caps, r.privileged, r.ulimits));
        Trace.mark("security resolved");
        MountParser parsed = parseMounts(r, img);
        List<MountSpec> mountSpecs = new ArrayList<>(mounts(parsed, rootfs, prepared == null ? null : prepared.view()));
        List<String> volumeTargets = new ArrayList<>();
        for (VolumeMounts.Wanted w : parsed.volumes) {
            volumeTargets.add(mountSpecs.get(w.index()).destination());
        }
        long[] shift = maps != null && !rootless() ? new long[] {maps[0].outside(), maps[1].outside()} : null;
        List<VolumeMounts.Resolved> volumes = VolumeMounts.attach(this, dir, parsed.volumes, volumeTargets,
            copySource(rootfs), shift);
        for (VolumeMounts.Resolved v : volumes) {
            MountSpec m = mountSpecs.get(v.wanted().index());
            mountSpecs.set(v.wanted().index(), MountSpec.bind(v.source().toString(), m.destination(),
                v.wanted().readOnly(), false));
        }
        List<String> exit = List.of();
        if (r.autoRemove && !exitCommand.isEmpty()) {
            exit = new ArrayList<>(exitCommand);
            exit.addAll(List.of("rm", "-f", id));
        } else if (!r.restart.isNo() && !exitCommand.isEmpty()) {
            // podman's way without a daemon: the monitor runs berth, which applies the policy;
            // an engine still attached when it exits (a daemon) may do it instead (Container.exited)
            exit = new ArrayList<>(exitCommand);
            exit.addAll(List.of(Restarts.EXIT_COMMAND, id));
        }
        boolean onPasta = Pasta.isMode(networkMode);
        Networking.Plan network = networkMode == null || onPasta ? null : Networking.reserve(store.root(), id, r, applied.expose());
        Pasta.Plan pasta = onPasta ? Pasta.reserve(store.root(), id, r, networkMode) : null;
        Trace.mark("network reserved");
        Map<String, Path> etcFiles = network != null ? EtcFiles.write(dir, hostname, Networking.etcFiles(network, hostname, name, r))
            : pasta != null ? EtcFiles.write(dir, hostname, Pasta.etcFiles(pasta, hostname, r))
            : EtcFiles.write(dir, hostname);
        if (network != null) {
            Networking.join(store.root(), network, id, name, r.networkAliases, etcFiles.get("hosts"));
        }
        if (rootfs instanceof Rootfs.Host) {
            for (String d : List.of("rootfs", "scratch")) {
                try {
                    Files.createDirectory(dir.resolve(d));
                } catch (java.nio.file.FileAlreadyExistsException e) {
                    // there already when started again (a stat first cost a failed lookup each new run)
                    if (!Files.isDirectory(dir.resolve(d))) {
                        throw e;
                    }
                }
            }
        }
        // the cgroup (Starting) as late as the program allows: its thread may still be making it
        Cgroup cgroup = null;
        try {
            cgroup = starting.cgroup();
        } catch (CgroupException e) {
            if (!rootless()) {
                throw new EngineException.SystemFailure("cannot create the container's cgroup: " + e.getMessage(), e);
            }
            if (!r.limits.isEmpty()) {
                throw new EngineException.PermissionDenied("rootless: resource limits need a cgroup delegated to"
                    + " this user (" + e.getMessage() + "): drop the limits, or run as root");
            }
            conf.warnings.add("rootless: the container has no cgroup of its own, so no limits and no pause");
        }
        Trace.mark("cgroup created");
        List<String> procs = new ArrayList<>();
        for (Path f : cgroup == null ? List.<Path>of() : cgroup.joinFiles()) {
            procs.add(f.toString());
        }
        // dockerd's switch for a host that runs from its initramfs, where pivot_root is refused
        String ramdisk = System.getenv("DOCKER_RAMDISK");
        ContainerOptions options = new ContainerOptions(r.privileged || conf.systemPathsUnconfined,
            r.sysctls, mountSpecs, procs, ramdisk != null && !ramdisk.isEmpty());
        ContainerConfig config = new ContainerConfig(id, dir, dir.resolve("container.log"), rootfs,
            hostname, namespaces, maps == null ? null : maps[0], maps == null ? null : maps[1],
            timeOffsets(r.timeOffsets), etcFiles, proc, exit, r.autoRemove, options);
        Program program = ProgramCompiler.compileRun(config);
        Path pastaNetns = pasta == null ? null : Pasta.prepare(dir, program, rootless());
        // state.json is first written once the container exists (start), before it may run:
        // until then a crash leaves no process, since the stage abandons a container whose
        // engine goes away before F_GO
        Map<String, Object> state = Inspect.initial(id, name, r, config, envList, applied);
        VolumeMounts.inspect(state, volumes, volumeTargets);
        if (img != null) {
            Inspect.image(state, img.image().id().toString(), prepared.driver(), prepared.graphDriver());
        }
        Json.map(state, "HostConfig").put("CgroupParent", cgroupParent);
        if (!applied.expose().isEmpty()) {
            Json.map(state, "Config").put("ExposedPorts", Networking.exposed(applied.expose()));
        }
        if (r.publishAll) {
            Json.map(state, "HostConfig").put("PublishAllPorts", true);
        }
        if (network != null) {
            Json.map(state, "HostConfig").put("NetworkMode", network.network().name());
            state.put("NetworkSettings", Networking.settings(network, r.networkAliases));
        } else if (pasta != null) {
            Json.map(state, "HostConfig").put("NetworkMode", Pasta.MODE);
            state.put("NetworkSettings", Pasta.settings(pasta, null));
        }
        program.add(Protocol.OP_EVENT_LOG, "log the container's die event", Events.dieRecord(this, state, procs));
        String[] health = Health.monitorRecord(exitCommand, id, applied.healthcheck());
        if (health != null) {
            program.add(Protocol.OP_REPEAT, "run the healthcheck", health);
        }
        return new Created(id, name, program, state, r.autoRemove, conf.warnings, networkMode, network, pasta, pastaNetns);
    }

    /** What a new volume is filled from (docker's copy-up): the image's files as the container sees them. */
    private static dev.berth.image.LayerStack copySource(Rootfs rootfs) {
        if (rootfs instanceof Rootfs.Overlay o) {
            List<dev.berth.image.LayerStack.Layer> layers = new ArrayList<>();
            layers.add(dev.berth.image.LayerStack.Layer.upper(o.upper(), o.userXattr()));
            for (int i = o.lowers().size() - 1; i >= 0; i--) {
                layers.add(dev.berth.image.LayerStack.Layer.snapshot(o.lowers().get(i)));
            }
            return new dev.berth.image.LayerStack(layers);
        }
        if (rootfs instanceof Rootfs.Directory d) {
            return new dev.berth.image.LayerStack(List.of(dev.berth.image.LayerStack.Layer.plain(d.path())));
        }
        return null; // the host image: its directories are the host's, nothing to copy
    }

    /**
     * Volumes (docker volume): named volumes of the local driver under {@code ROOT/volumes},
     * which containers mount with -v NAME:PATH, --mount type=volume or their image's Volumes.
     */
    public Volumes volumes() throws EngineException {
        return new Volumes(this);
    }

    /** The container's processes are gone: unmounts its volumes with options no one else runs on. */
    void volumesExited(String id) {
        Path dir = store.dir(id);
        if (!Files.exists(dir.resolve(VolumeMounts.USES))) {
            return;
        }
        try {
            VolumeMounts.release(this, id, dir, false, false, false);
        } catch (EngineException e) {
            // the next volume command or run unmounts it (Volumes.sweep)
        }
    }

    /**
     * {@code fresh}: a new container ({@code run}), whose create is logged too; {@code restart}:
     * its restart policy starts it again, logged as a restart after the start.
     */
    private Container start(Created c, StageSession session, boolean fresh, boolean restart)
        throws EngineException, IOException {
        Path dir = store.dir(c.id());
        long pid;
        String stamp;
        try {
            session.run(c.program()); // its hello went out with the directory (Starting)
            Trace.mark("stage taken");
            store.refillSpare(); // while the stage sets the container up, this thread waits
        } catch (StageException e) {
            throw new EngineException.SystemFailure(e.getMessage(), e);
        }
        try {
            pid = session.awaitCreated();
            Trace.mark("container set up");
            if (c.network() != null) {
                Networking.connect(store.root(), c.network(), pid, session);
                Events.network(this, c.network().network().id(), c.network().network().name(), "connect", c.id());
                Trace.mark("network connected");
            } else if (c.pasta() != null) {
                Pasta.Running pasta = Pasta.start(c.pasta(), dir, c.pastaNetns(), pid, rootless());
                c.state().put("NetworkSettings", Pasta.settings(c.pasta(), pasta));
                Trace.mark("pasta started");
            }
            Inspect.running(c.state(), pid, session.monitorPid(), Procs.startTime(session.monitorPid()));
            store.write(c.id(), c.state(), !c.autoRemove());
            stamp = c.autoRemove() ? store.stamp(c.id()) : null;
            List<String> events = new ArrayList<>(3);
            if (fresh) {
                events.add("create");
            }
            // before the command runs: its die, which the monitor logs, comes after
            events.add("start");
            if (restart) {
                events.add("restart");
            }
            Events.container(this, c.state(), events);
            session.go();
            session.awaitStarted();
            Trace.mark("command started");
        } catch (StageException e) {
            session.kill();
            throw startFailure(c, e);
        } catch (IOException | RuntimeException | EngineException e) {
            session.kill();
            throw e;
        }
        return new Container(this, session, c.id(), c.name(), pid, c.autoRemove(), c.networkMode(), c.warnings(),
            !RestartPolicy.of(c.state()).isNo(), c.autoRemove() ? c.state() : null, stamp);
    }

    /** An exec failure keeps the container as docker does (exited, 126/127); the rest is discarded. */
    private EngineException startFailure(Created c, StageException e) throws IOException {
        boolean execStep = e.step() >= 0 && e.step() < c.program().records().size()
            && c.program().records().get(e.step()).op() == Protocol.OP_EXEC;
        if (!execStep) {
            return new EngineException.SystemFailure("cannot start the container: " + e.getMessage(), e);
        }
        boolean notFound = e.errno() == dev.berth.linux.Errno.ENOENT;
        String msg = notFound
            ? "exec: \"" + e.detail() + "\": executable file not found in $PATH"
            : "exec: \"" + e.detail() + "\": " + dev.berth.linux.Errno.describe(e.errno());
        Inspect.exited(c.state(), notFound ? 127 : 126, msg);
        store.write(c.id(), c.state());
        Events.container(this, c.state(), "die", Map.of("exitCode", String.valueOf(notFound ? 127 : 126)));
        return new EngineException.CommandFailed(msg, notFound, e);
    }

    /** Undoes a failed run step by step; a step that fails does not keep the others from running. */
    private void discard(String id, String name, String network, Exception cause) {
        try {
            if (name != null) {
                store.releaseName(name, id);
            }
        } catch (IOException | RuntimeException e) {
            cause.addSuppressed(e);
        }
        try {
            deleteCgroup(cgroupPath(id));
        } catch (IOException | RuntimeException e) {
            cause.addSuppressed(e);
        }
        try {
            releaseNetwork(id, network, null);
        } catch (RuntimeException | EngineException e) {
            cause.addSuppressed(e);
        }
        try { // the volumes made for this run go with it; named ones that were there stay
            VolumeMounts.release(this, id, store.dir(id), true, true, true);
        } catch (RuntimeException | EngineException e) {
            cause.addSuppressed(e);
        }
        try {
            dev.berth.image.Snapshots.release(store.root(), id);
            store.delete(id); // the overlay's upper and work directories with it
        } catch (IOException | RuntimeException e) {
            cause.addSuppressed(e);
        }
    }

    String claimName(String name, String id) throws IOException, EngineException {
        if (name == null) {
            for (int i = 0; i < 10; i++) {
                String n = Names.random();
                if (store.claimName(n, id)) {
                    return n;
                }
            }
            throw new EngineException.Conflict("cannot find a free container name; give one with --name");
        }
        if (!store.claimName(name, id) && !(Recovery.reclaimName(this, name) && store.claimName(name, id))) {
            String other = store.idOfName(name);
            throw new EngineException.Conflict("the container name \"/" + name + "\" is already in use by container \""
                + other + "\"; remove (or rename) that container to be able to reuse that name");
        }
        return name;
    }

    private Rootfs rootfs(ContainerRequest r) throws EngineException {
        if (r.rootfs != null) {
            Path p = r.rootfs.toAbsolutePath().normalize();
            if (!Files.isDirectory(p)) {
                throw new EngineException.NotFound("rootfs " + r.rootfs + " is not a directory;"
                    + " give an unpacked root filesystem to --rootfs");
            }
            return new Rootfs.Directory(p, r.readOnly);
        }
        if ("host".equals(r.image)) {
            return new Rootfs.Host(r.readOnly);
        }
        throw new IllegalStateException("not the host image nor a rootfs: " + r.image);
    }

    /** Run by a user other than root: the container gets a user namespace of that user's own. */
    private static boolean rootless() {
        return Procs.effectiveUid() != 0;
    }

    private Map<NsKind, NamespaceMode> namespaces(ContainerRequest r) throws EngineException {
        Map<NsKind, NamespaceMode> out = new EnumMap<>(NsKind.class);
        if (rootless() && r.namespaces.get(NsKind.USER) != null && !r.namespaces.get(NsKind.USER).equals("private")) {
            throw new EngineException.InvalidArgument("rootless: --userns " + r.namespaces.get(NsKind.USER)
                + " needs root; a container run by a user always gets a user namespace of its own");
        }
        for (NsKind k : NsKind.values()) {
            String mode = rootless() && k == NsKind.USER ? "private" : r.namespaces.get(k);
            if (mode == null) {
                boolean priv = PRIVATE_BY_DEFAULT.contains(k) || (k == NsKind.TIME && r.timeOffsets != null);
                out.put(k, priv ? NamespaceMode.PRIVATE : NamespaceMode.HOST);
            } else {
                out.put(k, namespaceMode(k, mode));
            }
        }
        if (r.timeOffsets != null && !(out.get(NsKind.TIME) instanceof NamespaceMode.Private)) {
            throw new EngineException.InvalidArgument("--time-offset needs a private time namespace;"
                + " drop --time or set it to private");
        }
        return out;
    }

    private NamespaceMode namespaceMode(NsKind k, String mode) throws EngineException {
        switch (mode) {
            case "host":
                return NamespaceMode.HOST;
            case "private", "shareable", "remap", "new":
                return NamespaceMode.PRIVATE;
            case "none":
                if (k == NsKind.NET || k == NsKind.IPC) {
                    return NamespaceMode.PRIVATE;
                }
                break;
            case "bridge":
                if (k == NsKind.NET) {
                    throw new EngineException.InvalidArgument("bridge networking is not available yet;"
                        + " use --network none (loopback only) or --network host");
                }
                break;
            default:
                if (mode.startsWith("container:")) {
                    String ref = mode.substring("container:".length());
                    Map<String, Object> s = inspect(ref);
                    long pid = Inspect.pid(s);
                    if (!Inspect.isRunning(s) || pid <= 0) {
                        throw new EngineException.InvalidState("cannot join the " + k.procName()
                            + " namespace of container " + ref + ": it is not running; start it first");
                    }
                    return new NamespaceMode.Join(Path.of("/proc/" + pid + "/ns/" + k.procName()));
                }
                if (mode.startsWith("/")) {
                    Path p = Path.of(mode);
                    if (!Files.exists(p)) {
                        throw new EngineException.NotFound("namespace file " + mode
                            + " does not exist; give /proc/PID/ns/" + k.procName() + " of a running process");
                    }
                    return new NamespaceMode.Join(p);
                }
        }
        throw new EngineException.InvalidArgument("invalid " + k.procName() + " namespace mode \""
            + mode + "\": use private, host, container:NAME or a /proc/PID/ns/" + k.procName() + " path");
    }

    /** {@code monotonic=86400,boottime=3600} into the kernel's timens_offsets text. */
    static String timeOffsets(String spec) throws EngineException {
        if (spec == null) {
            return null;
        }
        StringBuilder sb = new StringBuilder();
        for (String part : spec.split(",")) {
            String[] kv = part.split("=", 2);
            String clock = kv[0].strip();
            if (kv.length != 2 || !(clock.equals("monotonic") || clock.equals("boottime"))) {
                throw new EngineException.InvalidArgument("invalid --time-offset \"" + part
                    + "\": use monotonic=SECONDS or boottime=SECONDS");
            }
            long seconds;
            try {
                seconds = Long.parseLong(kv[1].strip().replaceAll("s$", ""));
            } catch (NumberFormatException e) {
                throw new EngineException.InvalidArgument("invalid --time-offset \"" + part
                    + "\": the offset must be a whole number of seconds");
            }
            sb.append(clock).append(' ').append(seconds).append(" 0\n");
        }
        return sb.toString();
    }

    // ---- lookups -----------------------------------------------------------------------------

    /** The id of a container named by full id, name or unique id prefix, as docker resolves them. */
    public String resolve(String ref) throws EngineException {
        try {
            if (ref.length() == 64 && store.exists(ref)) {
                return ref;
            }
            String byName = store.idOfName(ref.startsWith("/") ? ref.substring(1) : ref);
            if (byName != null && store.exists(byName)) {
                return byName;
            }
            String found = null;
            for (String id : store.ids()) {
                if (!ref.isEmpty() && id.startsWith(ref) && store.exists(id)) {
                    if (found != null) {
                        throw new EngineException.Conflict("multiple containers found with the id prefix "
                            + ref + "; give more characters");
                    }
                    found = id;
                }
            }
            if (found == null) {
                throw new EngineException.NotFound("no such container: " + ref);
            }
            return found;
        } catch (IOException e) {
            throw new EngineException.SystemFailure("cannot read " + store.root() + ": " + e.getMessage(), e);
        }
    }

    /** The container's state in the shape of {@code docker inspect}, with live status. */
    public Map<String, Object> inspect(String ref) throws EngineException {
        String id = resolve(ref);
        Map<String, Object> s = load(id);
        if (s == null) {
            throw new EngineException.NotFound("no such container: " + ref);
        }
        return s;
    }

    /** Every container (or only the running ones), newest first. */
    public List<Map<String, Object>> list(boolean all) throws EngineException {
        List<Map<String, Object>> out = new ArrayList<>();
        try {
            for (String id : store.ids()) {
                Map<String, Object> s = load(id);
                if (s != null && (all || Inspect.isRunning(s))) {
                    out.add(s);
                }
            }
        } catch (IOException e) {
            throw new EngineException.SystemFailure("cannot read " + store.root() + ": " + e.getMessage(), e);
        }
        out.sort((a, b) -> String.valueOf(b.get("Created")).compareTo(String.valueOf(a.get("Created"))));
        return out;
    }

    /** The state, with what happened since it was written folded in; null when it is gone. */
    Map<String, Object> load(String id) {
        try {
            Map<String, Object> s = store.read(id);
            return s == null ? null : Inspect.refresh(s, store.dir(id));
        } catch (IOException e) {
            return null;
        }
    }

    Path dir(String id) {
        return store.dir(id);
    }

    Store store() {
        return store;
    }

    int exitCodeOf(String id) {
        Map<String, Object> s = load(id);
        return s == null ? -1 : Inspect.exitCode(s);
    }

    /**
     * Removes a container this engine saw exit, without reading its state again. False when it
     * could not (another berth removed it first, or the disk failed): the monitor's exit
     * command then tries.
     */
    boolean removeExited(String id, String name, String network, Map<String, Object> written, String stamp) {
        // the state as written, for the destroy event's attributes (labels, image, name): not
        // refreshed from the exit file and the cgroup's OOM counter, which that event does not show;
        // the one this engine wrote is not read again unless someone rewrote it since (a rename)
        Map<String, Object> s;
        try {
            s = written != null && stamp != null && stamp.equals(store.stamp(id)) ? written : store.read(id);
        } catch (IOException e) {
            s = null;
        }
        // no lock: an exited auto-remove container is never written again, and two removals
        // at once (with a berth rm -f) only delete the same files
        try {
            if (!store.exists(id)) {
                return false;
            }
            // only those load the network classes; the marker is a network connected later
            boolean connected = Files.exists(store.dir(id).resolve(NetworkAdmin.CONNECTED));
            // docker's run --rm: its anonymous volumes go too
            discardRemoved(id, name, cgroupPath(id), network == null && connected ? "" : network, null, true,
                laterDeletes);
            if (s != null) {
                Events.container(this, s, "destroy");
            }
            return true;
        } catch (IOException | EngineException e) {
            return false;
        }
    }

    /**
     * Removes an exited container: first its state (the commit point, {@link Store#startRemoval}),
     * then what it holds, the directory last. A crash on the way leaves it gone from every
     * listing, and its directory tells {@link Recovery} what is still to be taken back.
     */
    private void discardRemoved(String id, String name, String cgroup, String network, Map<String, Object> s,
        boolean anonymousVolumes, LaterDeletes later) throws IOException, EngineException {
        boolean volumes = Files.exists(store.dir(id).resolve(VolumeMounts.USES));
        if (volumes && !anonymousVolumes) {
            VolumeMounts.disownAnonymous(this, id, store.dir(id));
        }
        store.startRemoval(id);
        Trace.mark("state removed");
        // the cgroup's rmdirs (~0.3 ms) beside the rest; the directory, which tells Recovery what
        // is still to be taken back, goes only once they are done
        java.util.concurrent.Future<Object> rmdirs = Background.submit(() -> {
            deleteCgroup(cgroup);
            return null;
        });
        try {
            store.releaseName(name, id);
            Trace.mark("name released");
            if (rmdirs == null) {
                deleteCgroup(cgroup);
                Trace.mark("cgroup removed");
            }
            releaseNetwork(id, network, s);
            Trace.mark("network released");
            if (volumes) {
                VolumeMounts.release(this, id, store.dir(id), true, anonymousVolumes, false);
            }
            // the overlay was mounted in the container's mount namespace, gone with its
            // processes: what is left is its upper and work directories, in the container's
            dev.berth.image.Snapshots.release(store.root(), id);
        } catch (Throwable t) {
            if (rmdirs != null) { // no rmdir after this removal gave up
                try {
                    awaitCgroupRemoval(rmdirs, cgroup);
                } catch (IOException | RuntimeException e) {
                    t.addSuppressed(e);
                }
            }
            throw t;
        }
        if (rmdirs != null) {
            awaitCgroupRemoval(rmdirs, cgroup);
            Trace.mark("cgroup removed");
        }
        if (later != null) {
            later.submit(store, id);
        } else {
            store.delete(id);
        }
    }

    /** Waits for {@link #deleteCgroup} on another thread; its failure as if it ran here. */
    private static void awaitCgroupRemoval(java.util.concurrent.Future<Object> rmdirs, String cgroup) throws IOException {
        try {
            Background.await(rmdirs);
        } catch (java.util.concurrent.ExecutionException e) {
            if (e.getCause() instanceof IOException io) {
                throw io;
            }
            if (e.getCause() instanceof RuntimeException re) {
                throw re;
            }
            throw new IOException("cannot remove the cgroup " + cgroup + ": " + e.getCause(), e.getCause());
        }
    }

    /** What a container held on its network ({@code network} as in {@link #networkMode}; state if read). */
    private void releaseNetwork(String id, String network, Map<String, Object> state) throws EngineException {
        if (network == null) {
            return;
        }
        if (Pasta.isMode(network)) {
            Pasta.release(store.root(), store.dir(id), id, state);
        } else {
            Networking.release(store.root(), id, true);
        }
    }

    // ---- lifecycle ---------------------------------------------------------------------------

    /** Sends {@code signal} to the container's first process. */
    public void kill(String ref, int signal) throws EngineException {
        Lifecycle.kill(this, inspect(ref), signal);
    }

    /** SIGTERM (or the stop signal), then SIGKILL after {@code timeoutSeconds}. */
    public void stop(String ref, int timeoutSeconds) throws EngineException {
        Map<String, Object> s = inspect(ref);
        Lifecycle.stop(this, s, timeoutSeconds);
        volumesExited((String) s.get("Id"));
    }

    /** {@code signal} first instead of the stop signal (docker stop -s); a negative timeout waits for ever. */
    public void stop(String ref, int timeoutSeconds, int signal) throws EngineException {
        Map<String, Object> s = inspect(ref);
        Lifecycle.stop(this, s, timeoutSeconds, signal);
        volumesExited((String) s.get("Id"));
    }

    /**
     * Stops a running container (as {@link #stop(String, int, int)}) and starts it again: same
     * id, name and request, a new process (docker restart). The handle is attached to its output.
     */
    public Container restart(String ref, int timeoutSeconds, int signal) throws EngineException {
        Map<String, Object> s = inspect(ref);
        Lifecycle.stop(this, s, timeoutSeconds, signal < 0 ? Inspect.stopSignal(s) : signal);
        return start((String) s.get("Id"));
    }

    /**
     * Attaches to a running container from any process (docker attach), through its monitor:
     * its output and exit from now on, its input (when it was started with stdin open),
     * signals and terminal size. {@link Attachment#pipeOutput} returns the container's exit code.
     */
    public Attachment attach(String ref) throws EngineException {
        return Lifecycle.attach(this, inspect(ref));
    }

    /** Gives the container a new name (docker rename); the old one is free afterwards. */
    public void rename(String ref, String newName) throws EngineException {
        Rename.rename(this, ref, newName);
    }

    /**
     * Removes every container that is not running (docker container prune), narrowed by
     * {@code filters}: {@code until}, {@code label}, {@code label!} with docker's values.
     */
    public Prune.Result prune(Map<String, List<String>> filters) throws EngineException {
        return Prune.run(this, filters);
    }

    /** The container's processes as the host's {@code ps} shows them with {@code psArgs} (docker top). */
    public Top top(String ref, List<String> psArgs) throws EngineException {
        return Top.of(this, ref, psArgs);
    }

    /**
     * Applies the restart policy after the container's exit, as its monitor's exit command does
     * in a JVM of its own: waits out the back-off and starts it again. Null when the policy does
     * not restart it (or someone else did first).
     */
    public Container restartAfterExit(String ref) throws EngineException {
        return Restarts.afterExit(this, resolve(ref));
    }

    /**
     * What a daemon does when it starts: containers whose policy brings them back (always;
     * unless-stopped not stopped by hand; on-failure after a failure) and that are not running
     * are started. Returns them, started; failures are reported and skipped.
     */
    public List<Container> restartAtBoot(java.util.function.Consumer<String> report) {
        return Restarts.atBoot(this, report);
    }

    /** Blocks until the container exits and returns its exit code. */
    public int await(String ref) throws EngineException {
        Map<String, Object> s = inspect(ref);
        int code = Lifecycle.await(this, s);
        volumesExited((String) s.get("Id"));
        return code;
    }

    /** Removes a container; a running one only with {@code force} (it is killed first). */
    public void remove(String ref, boolean force) throws EngineException {
        remove(ref, force, false);
    }

    /**
     * Removes a container; a running one only with {@code force} (it is killed first). Its
     * anonymous volumes go too with {@code volumes} (docker rm -v), or when it was made to be
     * removed (--rm); named volumes always stay.
     */
    public void remove(String ref, boolean force, boolean volumes) throws EngineException {
        Map<String, Object> s = inspect(ref);
        String id = (String) s.get("Id");
        if (Inspect.isRunning(s)) {
            if (!force && Inspect.isPaused(s)) {
                throw new EngineException.InvalidState("cannot remove container " + ref
                    + ": it is paused; unpause and stop it first, or use rm -f");
            }
            if (!force) {
                throw new EngineException.InvalidState("cannot remove container " + ref
                    + ": it is running; stop it first or use rm -f");
            }
            Lifecycle.killAndWait(this, s);
        }
        Trace.mark("container stopped");
        try (var lock = store.lock(id)) {
            String network = null;
            if (s.get("NetworkSettings") != null) {
                Map<String, Object> host = Json.map(s, "HostConfig");
                network = host == null ? "" : String.valueOf(host.get("NetworkMode"));
            }
            discardRemoved(id, Inspect.name(s), cgroupPath(s), network, s, volumes || Inspect.autoRemove(s), null);
        } catch (IOException e) {
            throw new EngineException.SystemFailure("cannot remove container " + ref + ": " + e.getMessage(), e);
        }
        Events.container(this, s, "destroy");
    }

    /**
     * Runs the container's healthcheck once, now, and records the result as the scheduled
     * checks do (podman healthcheck run): status, failing streak, the last 5 results, a
     * {@code health_status} event when the status changes. Its monitor runs the scheduled ones
     * ({@code scheduled}: such a run, which skips a paused container instead of failing).
     */
    public Health.Report healthcheck(String ref, boolean scheduled) throws EngineException {
        return Health.check(this, ref, scheduled);
    }

    /** Freezes every process of a running container (docker pause). */
    public void pause(String ref) throws EngineException {
        Pause.pause(this, ref);
    }

    /** Thaws a paused container (docker unpause). */
    public void unpause(String ref) throws EngineException {
        Pause.unpause(this, ref);
    }

    /**
     * Changes a container's limits: in its cgroup while it runs, and in its HostConfig either
     * way (docker update). Returns what the kernel could not apply, one line each.
     */
    public List<String> update(String ref, UpdateRequest r) throws EngineException {
        return Update.apply(this, ref, r);
    }

    /**
     * One reading of a container's usage (docker stats): cumulative counters, so that two
     * readings give rates and CPU % ({@link Usage#cpuPercent}). A stopped container reads as zeros.
     */
    public Usage usage(String ref) throws EngineException {
        return Usage.read(inspect(ref));
    }

    /**
     * One detailed reading for docker's stats API: {@link #usage}'s, with the cgroup's counters
     * and each interface of the container's network namespace.
     */
    public Stats stats(String ref) throws EngineException {
        return Stats.read(inspect(ref));
    }

    /**
     * Writes the container's whole file tree as a tar (docker export), running or not: its
     * image's layers and its own changes as overlayfs merges them, or its copy.
     */
    public void export(String ref, java.io.OutputStream out) throws EngineException {
        ContainerFiles.export(this, ref, out);
    }

    /** docker's {@code HEAD /containers/{id}/archive}: the stat of {@code path}, its last symlink not followed. */
    public PathStat statPath(String ref, String path) throws EngineException {
        return ContainerArchive.stat(this, ref, path);
    }

    /** docker's {@code GET /containers/{id}/archive}: the stat, then the tar; close it when done. */
    public ContainerArchive.Reader archive(String ref, String path) throws EngineException {
        return ContainerArchive.read(this, ref, path);
    }

    /** docker's {@code PUT /containers/{id}/archive}: {@code tar} extracted into the directory {@code path}. */
    public long extractArchive(String ref, String path, java.io.InputStream tar, boolean noOverwriteDirNonDir,
        boolean copyUidGid) throws EngineException {
        return ContainerArchive.extract(this, ref, path, tar, noOverwriteDirNonDir, copyUidGid);
    }

    /** What the container changed in its image's files (docker container diff). */
    public List<dev.berth.image.Change> changes(String ref) throws EngineException {
        return ContainerFiles.changes(this, ref);
    }

    /** Makes an image of the container's image and its changes (docker commit); returns its id. */
    public String commit(String ref, CommitRequest r) throws EngineException {
        return ContainerFiles.commit(this, ref, r);
    }

    /** Runs a further process in a running container's namespaces (docker exec). */
    public Attachment exec(String ref, ExecRequest req) throws EngineException {
        return Exec.start(this, inspect(ref), req);
    }

    /**
     * Runs a process in the namespaces named by files ({@code /proc/PID/ns/KIND} or bind mounts
     * of them), like nsenter; {@code what} names the target in errors.
     */
    public Attachment enter(Map<NsKind, Path> joins, ExecRequest req, String what) throws EngineException {
        return Exec.enter(joins, req, what);
    }

    /** The image commands that need the containers too: rmi, prune, save, load, disk usage. */
    public ImageAdmin imageAdmin() {
        return new ImageAdmin(this);
    }

    /** Networks, and containers plugged into and out of them (docker network). */
    public NetworkAdmin networks() {
        return new NetworkAdmin(this);
    }

    /**
     * berth system check: what crashes left behind (containers abandoned while being created,
     * names of containers that are gone), repaired with {@code repair}.
     */
    public List<Recovery.Finding> check(boolean repair) throws EngineException {
        return Recovery.check(this, repair);
    }

    /**
     * What {@code berth daemon} repairs when it starts, before it serves: every leftover of
     * {@link #check}, except a removal that may still be under way (its marker is younger than
     * a few seconds). A container that is alive, or being created by a live process, is never
     * a leftover; one being removed holds its lock, which the repair takes.
     */
    public List<Recovery.Finding> repairAtStart() throws EngineException {
        return Recovery.check(this, true, Recovery.REMOVAL_GRACE_MILLIS);
    }

    /** The image store under this engine's root ({@code ROOT/images}), created on first use. */
    public dev.berth.image.ImageStore images() throws EngineException {
        try {
            return dev.berth.image.ImageStore.open(store.root());
        } catch (IOException e) {
            throw new EngineException.SystemFailure("cannot open the image store under " + store.root() + ": "
                + e.getMessage(), e);
        }
    }

    /** Container names by id, read from the names directory alone (no state.json). */
    Map<String, String> namesById() {
        return store.namesById();
    }

    /**
     * Runs a process in new namespaces, like unshare(1) with --fork; {@code persist} keeps
     * namespaces alive at the given files (bind mounts) after the process is gone.
     */
    public Attachment unshare(List<NsKind> kinds, boolean mapRootUser, boolean mountProc,
        Map<NsKind, Path> persist, ExecRequest req) throws EngineException {
        return Exec.unshare(kinds, mapRootUser, mountProc, persist, req);
    }

    /** The running container's first process, for tools that work on pids. */
    public long pidOf(String ref) throws EngineException {
        Map<String, Object> s = inspect(ref);
        if (!Inspect.isRunning(s)) {
            throw new EngineException.InvalidState("container " + ref + " is not running; start it first");
        }
        return Inspect.pid(s);
    }

    /** The host pids of a running container's processes (its cgroup's), for docker top. */
    public List<Long> processes(String ref) throws EngineException {
        Map<String, Object> s = inspect(ref);
        if (!Inspect.isRunning(s)) {
            throw new EngineException.InvalidState("container " + ref + " is not running; start it first");
        }
        try {
            return Cgroups.detect().open(cgroupPath(s)).pids();
        } catch (CgroupException e) {
            throw new EngineException.SystemFailure("cannot read the processes of " + ref + ": " + e.getMessage(), e);
        }
    }

    /** The container's log, for {@code logs}. */
    public LogReader logs(String ref) throws EngineException {
        Map<String, Object> s = inspect(ref);
        return new LogReader(this, (String) s.get("Id"), Path.of((String) s.get("LogPath")));
    }

    static String now() {
        return Timestamps.now();
    }
}
