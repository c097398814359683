package dev.berth.engine;

import dev.berth.linux.ErrnoException;
import dev.berth.linux.HostMounts;
import dev.berth.runtime.MountFlags;
import dev.berth.runtime.Timestamps;
import dev.berth.runtime.json.Json;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code berth volume} and docker's {@code /volumes}: named volumes of docker's {@code local}
 * driver in {@link VolumeStore}. A plain volume is a directory; one with options
 * ({@code type=tmpfs}, or {@code type=none,o=bind,device=PATH}) is mounted on its {@code _data}
 * when a container first uses it and unmounted when the last one using it goes, as dockerd does.
 * Which containers use a volume is what their directories say ({@link VolumeMounts#USES}), so
 * a volume is "in use" for as long as a container naming it exists, running or not (docker's rule).
 */
public final class Volumes {
    /** The label docker (23+) puts on the volumes it makes for a container: prune takes only these by default. */
    public static final String ANONYMOUS_LABEL = "com.docker.volume.anonymous";

    private final Engine engine;
    private final VolumeStore store;

    Volumes(Engine engine) throws EngineException {
        this.engine = engine;
        try {
            this.store = new VolumeStore(engine.root());
        } catch (IOException e) {
            throw new EngineException.SystemFailure("cannot open the volumes under " + engine.root() + ": "
                + e.getMessage(), e);
        }
    }

    VolumeStore store() {
        return store;
    }

    /**
     * docker volume create: a new volume, or the one of that name already there (docker answers
     * the existing volume when nothing conflicts). {@code name} null or empty: a random one.
     */
    public Map<String, Object> create(String name, String driver, Map<String, String> labels,
        Map<String, String> options) throws EngineException {
        if (driver != null && !driver.isEmpty() && !driver.equals("local")) {
            throw new EngineException.NotFound("error looking up volume plugin " + driver + ": plugin \"" + driver
                + "\" not found; berth has the local driver only: leave out -d/--driver");
        }
        String n = name == null || name.isEmpty() ? Names.newId() : name;
        checkName(n);
        Map<String, String> opts = options == null ? Map.of() : options;
        checkOptions(opts);
        try (var lock = store.lock()) {
            Map<String, Object> existing = store.read(n);
            if (existing != null) {
                if (!opts.isEmpty() && !opts.equals(Json.map(existing, "Options"))) {
                    throw new EngineException.Conflict("volume " + n + " already exists with other options;"
                        + " remove it first (berth volume rm " + n + ") or choose another name");
                }
                return shape(n, existing);
            }
            return shape(n, make(n, labels == null ? Map.of() : labels, opts, null));
        } catch (IOException e) {
            throw failure("create volume " + n, e);
        }
    }

    /**
     * Creates the volume (the caller holds the lock and knows the name is free); returns its
     * metadata. {@code owner}: the container whose anonymous volume it is, else null.
     */
    Map<String, Object> make(String name, Map<String, String> labels, Map<String, String> options, String owner)
        throws IOException {
        Map<String, Object> meta = new LinkedHashMap<>();
        meta.put("Name", name);
        meta.put("Driver", "local");
        meta.put("Labels", new LinkedHashMap<String, Object>(labels));
        meta.put("Options", new LinkedHashMap<String, Object>(options));
        String now = Timestamps.now();
        int dot = now.indexOf('.');
        meta.put("CreatedAt", dot < 0 ? now : now.substring(0, dot) + "Z"); // docker's: whole seconds
        store.create(name, meta, owner);
        return meta;
    }

    /** docker volume ls: every volume, sorted by name. */
    public List<Map<String, Object>> list() throws EngineException {
        List<Map<String, Object>> out = new ArrayList<>();
        try {
            for (String n : store.names()) {
                Map<String, Object> meta = store.read(n);
                if (meta != null) {
                    out.add(shape(n, meta));
                }
            }
        } catch (IOException e) {
            throw failure("list the volumes", e);
        }
        return out;
    }

    /** docker volume inspect. */
    public Map<String, Object> inspect(String name) throws EngineException {
        try {
            Map<String, Object> meta = store.read(name);
            if (meta == null) {
                throw noSuch("get", name);
            }
            return shape(name, meta);
        } catch (IOException e) {
            throw failure("read volume " + name, e);
        }
    }

    /**
     * The containers (ids) that use each volume, running or not: a container keeps its volumes
     * until it is removed.
     */
    public Map<String, List<String>> users() throws EngineException {
        Map<String, List<String>> out = new HashMap<>();
        try {
            for (String id : engine.store().ids()) {
                for (VolumeMounts.Use u : VolumeMounts.read(engine.dir(id))) {
                    List<String> ids = out.computeIfAbsent(u.name(), k -> new ArrayList<>());
                    if (!ids.contains(id)) {
                        ids.add(id);
                    }
                }
            }
        } catch (IOException e) {
            throw failure("find the containers using volumes", e);
        }
        return out;
    }

    /**
     * docker volume rm: refused while a container uses it (docker's message, with the ids);
     * {@code force} makes a missing volume no error, as {@code docker volume rm -f} does.
     */
    public void remove(String name, boolean force) throws EngineException {
        try (var lock = store.lock()) {
            if (store.read(name) == null) {
                if (force) {
                    return;
                }
                throw noSuch("get", name); // docker looks the volume up first
            }
            List<String> users = users().getOrDefault(name, List.of());
            if (!users.isEmpty()) {
                throw new EngineException.Conflict("remove " + name + ": volume is in use - [" + String.join(", ", users)
                    + "]");
            }
            delete(name);
        } catch (IOException e) {
            throw failure("remove volume " + name, e);
        }
    }

    /** Removes the volume (lock held, no user): unmounted first if a crash left it mounted. */
    void delete(String name) throws IOException {
        Path data = store.data(name);
        if (VolumeStore.mounted(data)) {
            HostMounts.unmount(data, HostMounts.MNT_DETACH);
        }
        store.delete(name);
    }

    /** A volume's disk use (docker's UsageData): the bytes of its files and how many containers use it. */
    public record Usage(Map<String, Object> volume, long size, int refCount) {}

    /** Every volume with its disk use, for system df (CLI and API). */
    public List<Usage> usage() throws EngineException {
        Map<String, List<String>> users = users();
        List<Usage> out = new ArrayList<>();
        for (Map<String, Object> v : list()) {
            String n = String.valueOf(v.get("Name"));
            out.add(new Usage(v, store.size(n), users.getOrDefault(n, List.of()).size()));
        }
        return out;
    }

    /** What prune removed and the bytes their files took. */
    public record Pruned(List<String> names, long bytes) {}

    /**
     * docker volume prune: volumes no container uses; only anonymous ones unless {@code all}
     * (docker's default since API 1.42). {@code filters}: {@code label}, {@code label!}.
     */
    public Pruned prune(boolean all, Map<String, List<String>> filters) throws EngineException {
        for (String k : filters.keySet()) {
            if (!k.equals("label") && !k.equals("label!") && !k.equals("all")) {
                throw new EngineException.InvalidArgument("invalid filter '" + k + "': volume prune takes label,"
                    + " label! and all");
            }
        }
        List<String> removed = new ArrayList<>();
        long bytes = 0;
        try (var lock = store.lock()) {
            Map<String, List<String>> users = users();
            for (String n : store.names()) {
                Map<String, Object> meta = store.read(n);
                if (meta == null || users.containsKey(n)) {
                    continue;
                }
                Map<String, Object> labels = Json.map(meta, "Labels");
                if (!all && (labels == null || !labels.containsKey(ANONYMOUS_LABEL))) {
                    continue;
                }
                if (!labelsMatch(labels, filters.getOrDefault("label", List.of()), true)
                    || !labelsMatch(labels, filters.getOrDefault("label!", List.of()), false)) {
                    continue;
                }
                long size = store.size(n);
                delete(n);
                removed.add(n);
                bytes += size;
            }
        } catch (IOException e) {
            throw failure("prune the volumes", e);
        }
        return new Pruned(removed, bytes);
    }

    /**
     * docker volume ls's filters: {@code name} (a part of it), {@code driver}, {@code label}
     * ({@code KEY} or {@code KEY=VALUE}), {@code dangling} (used by no container).
     */
    public static boolean matches(Map<String, Object> volume, Map<String, List<String>> filters,
        Map<String, List<String>> users) throws EngineException {
        for (Map.Entry<String, List<String>> f : filters.entrySet()) {
            List<String> values = f.getValue();
            boolean ok;
            switch (f.getKey()) {
                case "name" -> {
                    ok = false;
                    for (String v : values) {
                        ok |= String.valueOf(volume.get("Name")).contains(v);
                    }
                }
                case "driver" -> ok = values.contains(String.valueOf(volume.get("Driver")));
                case "label" -> ok = labelsMatch(Json.map(volume, "Labels"), values, true);
                case "dangling" -> {
                    ok = true;
                    for (String v : values) {
                        boolean want = switch (v.toLowerCase()) {
                            case "true", "1" -> true;
                            case "false", "0" -> false;
                            default -> throw new EngineException.InvalidArgument("invalid filter 'dangling=" + v
                                + "': use dangling=true or dangling=false");
                        };
                        ok &= want != users.containsKey(String.valueOf(volume.get("Name")));
                    }
                }
                default -> throw new EngineException.InvalidArgument("invalid filter '" + f.getKey()
                    + "': volume ls takes name, driver, label and dangling");
            }
            if (!ok) {
                return false;
            }
        }
        return true;
    }

    /** Every {@code KEY} or {@code KEY=VALUE} present ({@code want}) or every one absent (label!). */
    private static boolean labelsMatch(Map<String, Object> labels, List<String> wanted, boolean want) {
        for (String w : wanted) {
            int eq = w.indexOf('=');
            String k = eq < 0 ? w : w.substring(0, eq);
            boolean has = labels != null && labels.containsKey(k)
                && (eq < 0 || String.valueOf(labels.get(k)).equals(w.substring(eq + 1)));
            if (has != want) {
                return false;
            }
        }
        return true;
    }

    /** docker's Volume object. */
    private Map<String, Object> shape(String name, Map<String, Object> meta) {
        Map<String, Object> v = new LinkedHashMap<>();
        v.put("CreatedAt", meta.get("CreatedAt"));
        v.put("Driver", "local");
        Map<String, Object> labels = Json.map(meta, "Labels");
        v.put("Labels", labels == null ? new LinkedHashMap<String, Object>() : labels);
        v.put("Mountpoint", store.data(name).toString());
        v.put("Name", name);
        Map<String, Object> options = Json.map(meta, "Options");
        v.put("Options", options == null ? new LinkedHashMap<String, Object>() : options);
        v.put("Scope", "local");
        return v;
    }

    static void checkName(String name) throws EngineException {
        if (!VolumeStore.valid(name)) {
            throw new EngineException.InvalidArgument("\"" + name + "\" includes invalid characters for a local volume"
                + " name, only \"[a-zA-Z0-9][a-zA-Z0-9_.-]\" are allowed (at least two); to mount a host directory,"
                + " give its absolute path");
        }
    }

    /** The local driver's options: type, device and o (mount(8)'s options), checked before anything is made. */
    static void checkOptions(Map<String, String> opts) throws EngineException {
        for (String k : opts.keySet()) {
            if (!k.equals("type") && !k.equals("device") && !k.equals("o")) {
                throw new EngineException.InvalidArgument("invalid option key: \"" + k + "\": the local driver takes"
                    + " type, device and o");
            }
        }
        if (opts.isEmpty()) {
            return;
        }
        String type = opts.get("type");
        String device = opts.get("device");
        if (type == null || type.isEmpty()) {
            throw new EngineException.InvalidArgument("missing required option \"type\": give type=tmpfs, or"
                + " type=none with o=bind and device=HOST_PATH");
        }
        if (!type.equals("tmpfs") && (device == null || device.isEmpty())) {
            throw new EngineException.InvalidArgument("missing required option \"device\" for type=" + type
                + ": give device=HOST_PATH (with o=bind) or the device to mount");
        }
        Mount m = Mount.of(opts);
        if (m.bind() && !(device.startsWith("/") && Files.isDirectory(Path.of(device)))) {
            throw new EngineException.InvalidArgument("device " + device + " of a bind volume is not a directory on the"
                + " host: give the absolute path of an existing directory");
        }
    }

    /** What mount(2) gets for a volume with options: o= split into flags and the file system's data. */
    record Mount(String source, String type, long flags, String data) {
        static Mount of(Map<String, String> opts) {
            String type = opts.get("type");
            String device = opts.getOrDefault("device", "");
            long flags = 0;
            StringBuilder data = new StringBuilder();
            String o = opts.getOrDefault("o", "");
            for (String part : o.split(",")) {
                long f = switch (part) {
                    case "bind" -> MountFlags.BIND;
                    case "rbind" -> MountFlags.BIND | MountFlags.REC;
                    case "ro" -> MountFlags.RDONLY;
                    case "nosuid" -> MountFlags.NOSUID;
                    case "nodev" -> MountFlags.NODEV;
                    case "noexec" -> MountFlags.NOEXEC;
                    case "noatime" -> MountFlags.NOATIME;
                    case "nodiratime" -> MountFlags.NODIRATIME;
                    case "sync" -> MountFlags.SYNCHRONOUS;
                    case "dirsync" -> MountFlags.DIRSYNC;
                    default -> 0;
                };
                if (f != 0) {
                    flags |= f;
                } else if (!part.isEmpty() && !part.equals("rw")) {
                    data.append(data.isEmpty() ? "" : ",").append(part);
                }
            }
            boolean tmpfs = type.equals("tmpfs");
            return new Mount(device.isEmpty() && tmpfs ? "tmpfs" : device, (flags & MountFlags.BIND) != 0 ? "none" : type,
                flags, data.toString());
        }

        boolean bind() {
            return (flags & MountFlags.BIND) != 0;
        }
    }

    /** Mounts a volume with options on its _data unless it is mounted already (the lock is held). */
    void mountIfNeeded(String name, Map<String, Object> meta) throws EngineException {
        Map<String, Object> o = Json.map(meta, "Options");
        if (o == null || o.isEmpty()) {
            return;
        }
        Path data = store.data(name);
        if (VolumeStore.mounted(data)) {
            return;
        }
        if (dev.berth.linux.Procs.effectiveUid() != 0) {
            throw new EngineException.PermissionDenied("rootless: volume " + name + " has mount options (type="
                + o.get("type") + "), which need root to mount; use a volume without options");
        }
        Map<String, String> opts = new LinkedHashMap<>();
        o.forEach((k, v) -> opts.put(k, String.valueOf(v)));
        Mount m = Mount.of(opts);
        try {
            long flags = m.flags();
            HostMounts.mount(m.source(), data, m.type(), m.bind() ? flags & ~MountFlags.RDONLY : flags, m.data());
            if (m.bind() && (flags & MountFlags.RDONLY) != 0) { // a bind takes ro only on a remount
                HostMounts.mount("none", data, "none", MountFlags.BIND | MountFlags.REMOUNT | MountFlags.RDONLY, null);
            }
        } catch (ErrnoException e) {
            throw new EngineException.SystemFailure("cannot mount volume " + name + ": " + e.getMessage()
                + "; check its options (berth volume inspect " + name + ")", e);
        }
    }

    /** Unmounts a volume with options once no container but {@code leaving} uses it while running (the lock is held). */
    void unmountIfUnused(String name, String leaving) throws IOException {
        Path data = store.data(name);
        if (!VolumeStore.mounted(data)) {
            return;
        }
        for (String id : engine.store().ids()) {
            if (id.equals(leaving)) {
                continue;
            }
            boolean uses = false;
            for (VolumeMounts.Use u : VolumeMounts.read(engine.dir(id))) {
                uses |= u.name().equals(name);
            }
            if (!uses) {
                continue;
            }
            Map<String, Object> s = engine.load(id);
            if (s == null && Files.isDirectory(engine.dir(id)) || s != null && Inspect.isRunning(s)) {
                return; // running, or being made (no state yet)
            }
        }
        HostMounts.unmount(data, HostMounts.MNT_DETACH);
    }

    /**
     * Unmounts every volume with options that no running container uses: for containers that
     * exited while no berth process was watching (their monitor knows nothing of volumes).
     */
    public void sweep() throws EngineException {
        try (var lock = store.lock()) {
            for (String n : store.names()) {
                if (VolumeStore.mounted(store.data(n))) {
                    unmountIfUnused(n, null);
                }
            }
        } catch (IOException e) {
            throw failure("unmount the volumes no container uses", e);
        }
    }

    private static EngineException noSuch(String op, String name) {
        return new EngineException.NotFound(op + " " + name + ": no such volume");
    }

    private static EngineException failure(String what, IOException e) {
        return new EngineException.SystemFailure("cannot " + what + ": " + e.getMessage(), e);
    }
}
