package dev.berth.runtime.oci;

import dev.berth.linux.Procs;
import dev.berth.runtime.ProcessSpec;
import dev.berth.runtime.Trace;
import dev.berth.runtime.cgroup.Cgroup;
import dev.berth.runtime.cgroup.CgroupException;
import dev.berth.runtime.cgroup.Cgroups;
import dev.berth.runtime.cgroup.Resources;
import dev.berth.runtime.json.Json;
import dev.berth.runtime.json.JsonException;
import dev.berth.runtime.stage.Program;
import dev.berth.runtime.stage.Signaller;
import dev.berth.runtime.stage.StageException;
import dev.berth.runtime.stage.StageSession;
import dev.berth.runtime.state.AtomicFiles;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * runc's container lifecycle over one {@code --root}: create (the process waits on an exec
 * fifo), start, state, kill, delete, pause and resume, with the state runc's callers parse.
 * No berth process stays with the container: after create it is our caller's child (the
 * shim's or conmon's), as with runc, and its status is derived from the process and the fifo.
 */
public final class BundleRuntime {
    /** Held while update reads, merges and rewrites the saved config.json. */
    private static final String UPDATE_LOCK = "update.lock";

    private final BundleStore store;
    private final List<String> warnings = new ArrayList<>();

    private final boolean rootless;

    public BundleRuntime(Path root) {
        this(root, Procs.effectiveUid() != 0);
    }

    /**
     * @param rootless run as an unprivileged user would: a cgroup that cannot be made is done
     *     without (with a warning) unless the spec sets limits, as runc does
     */
    public BundleRuntime(Path root, boolean rootless) {
        this.store = new BundleStore(root);
        this.rootless = rootless;
    }

    /** What berth-runtime applied differently from the spec; the CLI logs them, never prints them. */
    public List<String> warnings() {
        return warnings;
    }

    /**
     * Options of {@code create} and {@code run}.
     *
     * @param noPivot runc's {@code --no-pivot}: the root is moved onto / and chrooted into
     *     (for a root on the initramfs, which pivot_root refuses)
     * @param noNewKeyring runc's {@code --no-new-keyring}: the container's processes keep the
     *     caller's session keyring instead of one of their own
     */
    public record CreateOptions(Path bundle, Path pidFile, Path consoleSocket, int preserveFds, boolean detach,
        boolean waitForStart, boolean noPivot, boolean noNewKeyring) {

        public CreateOptions(Path bundle, Path pidFile, Path consoleSocket, int preserveFds, boolean detach,
            boolean waitForStart) {
            this(bundle, pidFile, consoleSocket, preserveFds, detach, waitForStart, false, false);
        }
    }

    /** The state key that tells exec to keep the caller's session keyring, as the container's processes do. */
    private static final String NO_NEW_KEYRING = "noNewKeyring";

    /**
     * What {@code exec} was asked for. With {@code processFile} the process fields (args to
     * noNewPrivs) are ignored, as runc ignores them.
     *
     * @param user "UID[:GID]", or null to keep the container's
     * @param cwd null to keep the container's
     */
    public record ExecOptions(Path processFile, List<String> args, boolean tty, String cwd, List<String> env,
        String user, List<Long> additionalGids, List<String> caps, boolean noNewPrivs, boolean detach,
        Path pidFile, Path consoleSocket, int preserveFds, boolean ignorePaused) {}

    /**
     * Creates the container: namespaces, cgroup, mounts and process set up, the process waiting
     * for {@link #start} (with {@code waitForStart}) or already started. Returns the session
     * still attached to the monitor when not detached ({@code run} in the foreground).
     */
    public StageSession create(String id, CreateOptions o) throws OciException, IOException {
        if (!BundleStore.validId(id)) {
            throw new OciException("invalid container id \"" + id + "\": use letters, digits, _ + - and .");
        }
        OciSpec spec;
        String config;
        try {
            config = OciSpecReader.text(o.bundle());
            spec = OciSpecReader.parse(config, OciSpecReader.realPath(o.bundle()));
        } catch (OciSpecException e) {
            throw new OciException(e.getMessage());
        }
        Trace.mark("spec read");
        if (spec.process() == null) {
            throw new OciException("config.json: process is required to create a container");
        }
        claim(id, cgroupPath(id, spec));
        Trace.mark("directory made");
        Path dir = store.dir(id);
        long created = System.currentTimeMillis() * 1_000_000L;
        Cgroup cgroup = null;
        StageSession session = null;
        Program program = null;
        long pid = -1;
        try {
            // what exec and the hooks of later calls read: the bundle may change or go meanwhile
            AtomicFiles.write(dir.resolve(BundleStore.CONFIG), config.getBytes(StandardCharsets.UTF_8));
            Trace.mark("config saved");
            cgroup = cgroup(id, spec);
            Trace.mark("cgroup created");
            ProcessSpec process = BundleProcess.of(spec, warnings);
            List<String> procs = new ArrayList<>();
            for (Path f : cgroup == null ? List.<Path>of() : cgroup.joinFiles()) {
                procs.add(f.toString());
            }
            Path fifo = o.waitForStart() ? dir.resolve(BundleStore.EXEC_FIFO) : null;
            program = BundleCompiler.compile(spec, process, new BundleCompiler.Launch(dir, fifo, o.detach(),
                o.consoleSocket(), o.preserveFds(), procs, o.noNewKeyring() ? null : id, o.noPivot()));
            Trace.mark("compiled");
            session = StageSession.start(program, dir.resolve("stage.log"));
            Trace.mark("stage taken");
            if (BundleHooks.pauseAtCreate(spec.hooks())) {
                long paused = session.awaitPaused();
                OciState creating = hookState(id, spec, created, OciState.Status.CREATING, paused);
                BundleHooks.here(spec.hooks(), "prestart", creating);
                BundleHooks.here(spec.hooks(), "createRuntime", creating);
                BundleHooks.inContainer(spec.hooks(), "createContainer", creating, spec, paused);
                session.go();
            }
            pid = session.awaitCreated();
            Trace.mark("container set up");
            Map<String, Object> state = new LinkedHashMap<>();
            state.put("id", id);
            state.put("pid", pid);
            state.put("pidStartTime", Procs.startTime(pid));
            state.put("bundle", o.bundle().toString());
            state.put("rootfs", spec.root().path().toString());
            state.put("created", created);
            state.put("owner", "");
            state.put("annotations", new LinkedHashMap<String, Object>(spec.annotations()));
            if (cgroup != null) {
                state.put("cgroupsPath", cgroup.path());
            }
            state.put("pidNamespace", ownPidNamespace(spec));
            if (o.noNewKeyring()) {
                state.put(NO_NEW_KEYRING, true);
            }
            store.write(id, state);
            Trace.mark("state written");
            if (!o.waitForStart()) {
                BundleHooks.inContainer(spec.hooks(), "startContainer",
                    hookState(id, spec, created, OciState.Status.CREATED, pid), spec, pid);
            }
            session.go();
            session.awaitStarted();
            Trace.mark("command started");
            // last, as runc: a pid file names a container that is whole
            if (o.pidFile() != null) {
                AtomicFiles.write(o.pidFile().toAbsolutePath(), Long.toString(pid).getBytes(StandardCharsets.US_ASCII));
            }
            if (!o.waitForStart()) {
                BundleHooks.hereWarn(spec.hooks(), "poststart",
                    hookState(id, spec, created, OciState.Status.RUNNING, pid), warnings);
            }
            if (o.detach() || o.waitForStart()) {
                session.close();
                return null;
            }
            return session;
        } catch (OciSpecException e) {
            undo(id, cgroup, session, pid, e);
            throw new OciException(e.getMessage());
        } catch (StageException e) {
            undo(id, cgroup, session, pid, e);
            throw new OciException(BundleProcess.startError(e, program));
        } catch (CgroupException e) {
            undo(id, cgroup, session, pid, e);
            throw new OciException(e.getMessage());
        } catch (IOException | RuntimeException | OciException e) {
            undo(id, cgroup, session, pid, e);
            throw e;
        }
    }

    private static OciState hookState(String id, OciSpec spec, long created, OciState.Status status, long pid) {
        return new OciState(OciSpec.VERSION, id, (int) pid, status, spec.bundle().toString(),
            spec.root().path().toString(), created, "", spec.annotations());
    }

    private Cgroup cgroup(String id, OciSpec spec) throws CgroupException, OciException {
        Resources r;
        try {
            r = spec.linux().resources() == null ? Resources.NONE : Resources.fromOci(spec.linux().resources());
        } catch (IllegalArgumentException e) {
            throw new OciException("config.json: linux.resources: " + e.getMessage());
        }
        r = withDefaultDevices(r, spec);
        String path = cgroupPath(id, spec);
        Cgroup c;
        try {
            c = Cgroups.detect().create(path, r);
        } catch (CgroupException e) {
            if (!rootless) {
                throw e;
            }
            if (spec.linux().resources() != null && hasLimits(spec.linux().resources())) {
                throw new OciException("rootless: cannot set the resource limits in linux.resources without a cgroup"
                    + " delegated to this user (" + e.getMessage() + "): drop the limits or delegate a cgroup v2 subtree");
            }
            warnings.add("rootless: no cgroup of its own (" + e.getMessage() + ")");
            return null;
        }
        warnings.addAll(c.unsupported());
        return c;
    }

    /** Whether a LinuxResources document sets anything but the device list, which rootless cannot need. */
    private static boolean hasLimits(Map<String, Object> resources) {
        for (String k : resources.keySet()) {
            if (!k.equals("devices")) {
                return true;
            }
        }
        return false;
    }

    /**
     * runc's rule: the devices every container gets are allowed whatever the spec's list says
     * (its usual "deny all" included). The nodes of {@code linux.devices} are made, not allowed:
     * their access is the allow-list's to grant (containerd, podman and docker add a rule for each
     * device they pass), as with runc, so a config that denies a node keeps it denied.
     */
    private static Resources withDefaultDevices(Resources r, OciSpec spec) {
        List<Resources.DeviceRule> rules = new ArrayList<>();
        if (r.devices() != null) {
            rules.addAll(r.devices());
        }
        rules.addAll(dev.berth.runtime.cgroup.DefaultDevices.rules());
        return new Resources(r.memory(), r.cpu(), r.pids(), r.blockIO(), r.hugepageLimits(), rules, r.network(),
            r.rdma(), r.unified());
    }

    /**
     * Claims {@code id}. A directory that a crash left for it (no state, its creator gone) is
     * taken back first, as {@code delete -f} would.
     */
    private void claim(String id, String cgroupPath) throws OciException, IOException {
        if (store.claim(id, cgroupPath)) {
            return;
        }
        if (!store.abandoned(id).isEmpty()) {
            reclaim(id);
            if (store.claim(id, cgroupPath)) {
                return;
            }
        }
        throw new OciException("container with id exists: " + id);
    }

    /**
     * Removes what a crash left for {@code id}: the processes in the cgroup its creator named,
     * the cgroup, and the directories. Under a lock, and only what is still abandoned then.
     */
    private void reclaim(String id) throws OciException, IOException {
        try (AtomicFiles.Lock lock = store.repairLock()) {
            for (Path d : store.abandoned(id)) {
                BundleStore.Creator c = BundleStore.creator(d);
                if (c != null && !c.cgroup().isEmpty()) {
                    try {
                        Cgroup cg = Cgroups.detect().open(c.cgroup());
                        if (cg.exists()) {
                            killAll(cg);
                            cg.delete();
                        }
                    } catch (CgroupException e) {
                        throw new OciException("cannot remove the cgroup " + c.cgroup() + " that a crashed create of "
                            + id + " left: " + e.getMessage());
                    }
                }
                BundleStore.deleteDir(d);
            }
        }
    }

    private static void killAll(Cgroup c) throws CgroupException, IOException {
        if (c.pids().isEmpty() || c.kill()) {
            return;
        }
        List<Signaller.Target> targets = new ArrayList<>();
        for (long p : c.pids()) {
            targets.add(new Signaller.Target(p, 0));
        }
        Signaller.signal(targets, 9);
    }

    /** The cgroup the container gets: the spec's, or runc's default for an id. */
    private static String cgroupPath(String id, OciSpec spec) {
        return spec.linux().cgroupsPath().isEmpty() ? "/berth-runtime/" + id : spec.linux().cgroupsPath();
    }

    private void undo(String id, Cgroup cgroup, StageSession session, long pid, Exception cause) {
        try {
            if (session != null) {
                session.kill();
            }
            if (pid > 0) {
                // without a cgroup (rootless) a process whose monitor died is found only by its pid
                Signaller.signal(List.of(new Signaller.Target(pid, 0)), 9);
            }
            if (cgroup != null) {
                cgroup.kill();
                cgroup.delete();
            }
            store.delete(id);
        } catch (IOException | CgroupException | RuntimeException e) {
            cause.addSuppressed(e);
        }
    }

    private static boolean ownPidNamespace(OciSpec spec) {
        for (OciNamespace ns : spec.linux().namespaces()) {
            if (ns.type().equals("pid") && ns.path().isEmpty()) {
                return true;
            }
        }
        return false;
    }

    /**
     * runc's {@code exec}: a process in a created or running container. Returns the session of
     * a process run in the foreground, null when detached (it is then our caller's child).
     */
    public StageSession exec(String id, ExecOptions o) throws OciException, IOException {
        Map<String, Object> s = load(id);
        OciState.Status status = status(id, s);
        if (status == OciState.Status.STOPPED) {
            throw new OciException("cannot exec in a stopped container");
        }
        if (status == OciState.Status.PAUSED && !o.ignorePaused()) {
            throw new OciException("cannot exec in a paused container (use --ignore-paused to override)");
        }
        OciSpec spec = savedSpec(id, s);
        OciProcess proc = BundleExec.process(spec, o);
        if (!proc.cwd().startsWith("/")) {
            throw new OciException("cwd \"" + proc.cwd() + "\" is not an absolute path");
        }
        if (proc.terminal() && o.detach() && o.consoleSocket() == null) {
            throw new OciException("cannot allocate tty if runc will detach without setting console socket");
        }
        if (!proc.terminal() && o.consoleSocket() != null) {
            throw new OciException("cannot use console socket if runc will not allocate tty");
        }
        List<String> procs = new ArrayList<>();
        Cgroup c = openCgroup(s);
        for (Path f : c == null ? List.<Path>of() : c.joinFiles()) {
            procs.add(f.toString());
        }
        long pid = num(s, "pid");
        String keyring = Boolean.TRUE.equals(s.get(NO_NEW_KEYRING)) ? null : id;
        Program program = BundleExec.program(spec, proc, pid, new BundleCompiler.Launch(null, null, o.detach(),
            o.consoleSocket(), o.preserveFds(), procs, keyring, false), warnings);
        StageSession session = null;
        try {
            session = StageSession.start(program, store.dir(id).resolve("stage.log"));
            Trace.mark("exec stage taken");
            long execPid = session.awaitCreated();
            Trace.mark("exec set up");
            session.go();
            session.awaitStarted();
            Trace.mark("exec started");
            // after the start, as runc: a pid file names a process that runs the command
            if (o.pidFile() != null) {
                AtomicFiles.write(o.pidFile().toAbsolutePath(),
                    Long.toString(execPid).getBytes(StandardCharsets.US_ASCII));
            }
        } catch (StageException e) {
            if (session != null) {
                session.kill();
            }
            throw new OciException(BundleProcess.startError(e, program));
        } catch (IOException | RuntimeException e) {
            if (session != null) {
                session.kill();
            }
            throw e;
        }
        if (o.detach()) {
            session.close();
            return null;
        }
        return session;
    }

    /** The config.json the container was created from, as saved then. */
    private OciSpec savedSpec(String id, Map<String, Object> s) throws OciException, IOException {
        try {
            String text = Files.readString(store.dir(id).resolve(BundleStore.CONFIG));
            return OciSpecReader.parse(text, Path.of((String) s.get("bundle")));
        } catch (java.nio.file.NoSuchFileException e) {
            throw new OciException("the saved config of container " + id + " is missing: delete and create it again");
        } catch (OciSpecException e) {
            throw new OciException(e.getMessage());
        }
    }

    /** Lets a created container's process run: the exec fifo is opened, read and removed. */
    public void start(String id) throws OciException, IOException {
        Map<String, Object> s = load(id);
        OciState.Status status = status(id, s);
        if (status == OciState.Status.STOPPED) {
            throw new OciException("cannot start a container that has stopped");
        }
        if (status != OciState.Status.CREATED) {
            throw new OciException("cannot start an already running container");
        }
        Path fifo = store.dir(id).resolve(BundleStore.EXEC_FIFO);
        long pid = num(s, "pid");
        long start = num(s, "pidStartTime");
        OciSpec spec = savedSpec(id, s);
        Trace.mark("start checked");
        try {
            BundleHooks.inContainer(spec.hooks(), "startContainer", state(id), spec, pid);
        } catch (OciException | IOException e) {
            // runc's process dies when one of these fails, and the container is stopped
            Signaller.signal(List.of(new Signaller.Target(pid, start)), 9);
            throw e;
        }
        // opening a fifo blocks until the other end is open: off-thread, watching the process
        java.util.concurrent.FutureTask<Integer> read = new java.util.concurrent.FutureTask<>(new FifoRead(fifo));
        Thread.startVirtualThread(read);
        for (;;) {
            try {
                int b = read.get(100, TimeUnit.MILLISECONDS);
                Trace.mark("process released");
                Files.deleteIfExists(fifo);
                Trace.mark("fifo removed");
                if (b != '0') {
                    throw new OciException("cannot start an already running container");
                }
                BundleHooks.hereWarn(spec.hooks(), "poststart", state(id).with(OciState.Status.RUNNING, (int) pid),
                    warnings);
                return;
            } catch (TimeoutException e) {
                if (!Procs.alive(pid, start)) {
                    Files.deleteIfExists(fifo);
                    throw new OciException("cannot start a container that has stopped");
                }
            } catch (java.util.concurrent.ExecutionException | InterruptedException e) {
                throw new IOException("cannot start: " + e.getMessage(), e);
            }
        }
    }

    /** Reads the byte the container's process writes into the exec fifo once both ends are open. */
    private record FifoRead(Path fifo) implements java.util.concurrent.Callable<Integer> {
        @Override
        public Integer call() throws IOException {
            try (InputStream in = Files.newInputStream(fifo)) {
                return in.read();
            }
        }
    }

    /** The state document runc prints. */
    public OciState state(String id) throws OciException, IOException {
        Map<String, Object> s = load(id);
        OciState.Status status = status(id, s);
        int pid = status == OciState.Status.STOPPED ? 0 : (int) num(s, "pid");
        Map<String, String> annotations = new LinkedHashMap<>();
        if (s.get("annotations") instanceof Map<?, ?> m) {
            for (var e : m.entrySet()) {
                annotations.put(String.valueOf(e.getKey()), String.valueOf(e.getValue()));
            }
        }
        return new OciState(OciSpec.VERSION, id, pid, status, (String) s.get("bundle"), (String) s.get("rootfs"),
            num(s, "created"), (String) s.get("owner"), annotations);
    }

    public List<OciState> list() throws IOException {
        List<OciState> out = new ArrayList<>();
        for (String id : store.ids()) {
            try {
                out.add(state(id).withOwner(owner(store.dir(id))));
            } catch (OciException e) {
                // removed meanwhile
            }
        }
        return out;
    }

    /**
     * runc's {@code list} owner: the user owning the container's state directory, by name from
     * /etc/passwd, else {@code #UID}.
     */
    static String owner(Path dir) throws IOException {
        int uid = (Integer) Files.getAttribute(dir, "unix:uid");
        String prefix = ":" + uid + ":";
        try {
            for (String line : Files.readAllLines(Path.of("/etc/passwd"))) {
                int colon = line.indexOf(':');
                int second = colon < 0 ? -1 : line.indexOf(':', colon + 1);
                if (second > 0 && line.startsWith(prefix, second)) {
                    return line.substring(0, colon);
                }
            }
        } catch (IOException e) {
            // no passwd file: the number, as runc
        }
        return "#" + uid;
    }

    /** runc's kill: the init process, or with {@code all} every process in the cgroup. */
    public void kill(String id, int signal, boolean all) throws OciException, IOException {
        Map<String, Object> s = load(id);
        OciState.Status status = status(id, s);
        if (all) {
            signalAll(s, signal);
            return;
        }
        if (status == OciState.Status.STOPPED) {
            throw new OciException("container not running");
        }
        Signaller.signal(List.of(new Signaller.Target(num(s, "pid"), num(s, "pidStartTime"))), signal);
    }

    private void signalAll(Map<String, Object> s, int signal) throws IOException, OciException {
        Cgroup c = openCgroup(s);
        List<Signaller.Target> targets = new ArrayList<>();
        for (long p : c == null ? List.<Long>of() : c.pids()) {
            targets.add(new Signaller.Target(p, 0));
        }
        if (!targets.isEmpty()) {
            Signaller.signal(targets, signal);
        }
    }

    /**
     * Removes a stopped (or, as runc does, a created) container; with {@code force} a running
     * one too, after killing every process in its cgroup. A missing one is fine with force.
     */
    public void delete(String id, boolean force) throws OciException, IOException {
        Map<String, Object> s = store.read(id);
        if (s == null) {
            if (force && store.beingCreated(id)) {
                throw new OciException("container " + id + " is being created by a berth-runtime that is still running:"
                    + " delete it once that create has ended");
            }
            if (force) {
                reclaim(id); // a create or a delete killed before its end; or nothing
                return;
            }
            throw new OciException("container does not exist");
        }
        OciState.Status status = status(id, s);
        if ((status == OciState.Status.RUNNING || status == OciState.Status.PAUSED) && !force) {
            throw new OciException("cannot delete container " + id + " that is not stopped: " + status.text());
        }
        Cgroup c = openCgroup(s);
        try {
            if (status != OciState.Status.STOPPED) {
                if (c != null && status == OciState.Status.PAUSED) {
                    c.thaw();
                }
                Signaller.signal(List.of(new Signaller.Target(num(s, "pid"), num(s, "pidStartTime"))), 9);
                if (c != null && !c.kill()) {
                    signalAll(s, 9);
                }
                waitGone(num(s, "pid"), num(s, "pidStartTime"));
            }
            Trace.mark("container killed");
            if (c != null && !c.deleteIfEmpty() && c.exists()) {
                killAll(c); // what outlived the first process: exec'd processes, or a killed start's
                c.delete();
            }
            Trace.mark("cgroup removed");
        } catch (CgroupException e) {
            throw new OciException("cannot remove the cgroup of " + id + ": " + e.getMessage());
        }
        if (Files.exists(store.dir(id).resolve(BundleStore.CONFIG))) {
            OciState stopped = state(id).with(OciState.Status.STOPPED, 0);
            BundleHooks.hereWarn(savedSpec(id, s).hooks(), "poststop", stopped, warnings);
        }
        Files.deleteIfExists(store.dir(id).resolve(BundleStore.STATE)); // gone for every reader from here
        Trace.mark("state removed");
        store.delete(id);
    }

    public void pause(String id) throws OciException, IOException {
        freeze(id, true);
    }

    public void resume(String id) throws OciException, IOException {
        freeze(id, false);
    }

    private void freeze(String id, boolean freeze) throws OciException, IOException {
        Map<String, Object> s = load(id);
        OciState.Status status = status(id, s);
        if (freeze ? status != OciState.Status.RUNNING : status != OciState.Status.PAUSED) {
            throw new OciException(freeze ? "container not running" : "container not paused");
        }
        Cgroup c = openCgroup(s);
        if (c == null) {
            throw new OciException("the container has no cgroup to freeze");
        }
        try {
            if (freeze) {
                c.freeze();
            } else {
                c.thaw();
            }
        } catch (CgroupException e) {
            throw new OciException(e.getMessage());
        }
    }

    /**
     * runc's {@code update}: new limits for the container's cgroup, from a LinuxResources
     * document (fields left out stay as they are). The document is merged into the saved
     * config.json, as runc saves its config, so the limits in force are what later commands
     * read there; the merged limits are checked together (a swap below an earlier memory limit
     * is refused), applied, and only then written, atomically and under a lock, so concurrent
     * updates do not lose each other's fields.
     */
    public void update(String id, Map<String, Object> resources) throws OciException, IOException {
        Map<String, Object> s = load(id);
        if (status(id, s) == OciState.Status.STOPPED) {
            throw new OciException("container not running");
        }
        Cgroup c = openCgroup(s);
        if (c == null) {
            throw new OciException("the container has no cgroup to update");
        }
        Path config = store.dir(id).resolve(BundleStore.CONFIG);
        try (AtomicFiles.Lock lock = AtomicFiles.lock(store.dir(id).resolve(UPDATE_LOCK))) {
            OciSpec spec = savedSpec(id, s);
            Map<String, Object> doc = Json.parseObject(Files.readString(config));
            Map<String, Object> merged = SavedConfig.mergeResources(doc, resources);
            Resources.fromOci(merged);
            Resources r = Resources.fromOci(resources);
            if (r.devices() != null) {
                r = withDefaultDevices(r, spec); // as create applied them
            }
            c.update(r);
            AtomicFiles.write(config, Json.pretty(doc).getBytes(StandardCharsets.UTF_8));
        } catch (CgroupException e) {
            throw new OciException("cannot update the resources of " + id + ": " + e.getMessage());
        } catch (IllegalArgumentException e) {
            throw new OciException("invalid resources: " + e.getMessage());
        } catch (JsonException e) {
            throw new OciException("the saved config of container " + id + " is damaged: " + e.getMessage());
        }
        warnings.addAll(c.unsupported());
    }

    /** The container's cgroup usage, for {@code events}; null once it is gone. */
    public dev.berth.runtime.cgroup.CgroupStats stats(String id) throws OciException, IOException {
        Map<String, Object> s = load(id);
        Cgroup c = openCgroup(s);
        return c == null || !c.exists() ? null : c.stats();
    }

    /** Every process of the container, for {@code ps}. */
    public List<Long> pids(String id) throws OciException, IOException {
        Cgroup c = openCgroup(load(id));
        return c == null ? List.of() : c.pids();
    }

    private static void waitGone(long pid, long start) {
        for (int i = 0; i < 500 && Procs.alive(pid, start); i++) {
            try {
                Thread.sleep(i < 20 ? 1 : 10);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    private Cgroup openCgroup(Map<String, Object> s) throws IOException {
        if (!(s.get("cgroupsPath") instanceof String path)) {
            return null;
        }
        try {
            return Cgroups.detect().open(path);
        } catch (CgroupException e) {
            throw new IOException(e.getMessage(), e);
        }
    }

    private Map<String, Object> load(String id) throws OciException, IOException {
        Map<String, Object> s = store.read(id);
        if (s == null) {
            throw new OciException("container does not exist");
        }
        return s;
    }

    private OciState.Status status(String id, Map<String, Object> s) throws IOException {
        long pid = num(s, "pid");
        if (pid <= 0 || !Procs.alive(pid, num(s, "pidStartTime"))) {
            return OciState.Status.STOPPED;
        }
        if (Files.exists(store.dir(id).resolve(BundleStore.EXEC_FIFO)) && waitsOnFifo(pid, id)) {
            return OciState.Status.CREATED;
        }
        Cgroup c = openCgroup(s);
        try {
            if (c != null && c.isFrozen()) {
                return OciState.Status.PAUSED;
            }
        } catch (CgroupException e) {
            // no freezer: not paused
        }
        return OciState.Status.RUNNING;
    }

    /**
     * Whether the container's process still holds the exec fifo it writes to once started: it
     * lets go of it just before its execve. A start killed after the process went on, but
     * before the fifo was removed, leaves the fifo, and the container is then running. True
     * when /proc does not tell (the fifo alone decides, as in runc).
     */
    private static boolean waitsOnFifo(long pid, String id) {
        String suffix = "/" + id + "/" + BundleStore.EXEC_FIFO;
        try (java.nio.file.DirectoryStream<Path> fds = Files.newDirectoryStream(Path.of("/proc/" + pid + "/fd"))) {
            for (Path fd : fds) {
                try {
                    if (Files.readSymbolicLink(fd).toString().endsWith(suffix)) {
                        return true;
                    }
                } catch (IOException e) {
                    // closed meanwhile
                }
            }
            return false;
        } catch (IOException e) {
            return true;
        }
    }

    private static long num(Map<String, Object> s, String key) {
        return s.get(key) instanceof Number n ? n.longValue() : 0;
    }
}
