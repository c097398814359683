package dev.berth.engine;

import dev.berth.image.OwnerMap;
import dev.berth.linux.DetachedMount;
import dev.berth.linux.ErrnoException;
import dev.berth.linux.Fd;
import dev.berth.linux.InRoot;
import dev.berth.runtime.json.Json;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A container's root directory as a descriptor, for {@code cp}: paths are then looked up only
 * through {@link InRoot}, so nothing the container does to its files can lead outside.
 *
 * <ul>
 *   <li>Running: {@code /proc/PID/root} of its first process, opened through that process's
 *       {@code /proc/PID} descriptor after checking that its parent is the container's monitor
 *       (a recycled pid is someone else). Lookups from there see the container's mount
 *       namespace: its volumes, bind mounts, tmpfs and the host image's private {@code /etc}.</li>
 *   <li>Stopped, a copy or a {@code --rootfs} directory: that directory.</li>
 *   <li>Stopped, an overlay: the overlay mounted again, detached ({@link DetachedMount}): only
 *       this descriptor reaches it and it is gone when closed, so a crash leaves no mount.</li>
 *   <li>Stopped, the {@code host} image: refused; its private {@code /etc} lived in a tmpfs of
 *       the container's mount namespace, which went away with it.</li>
 * </ul>
 */
final class ContainerRoot implements AutoCloseable {
    final String name;
    final InRoot in;
    final OwnerMap owners;
    /** Host ids of the container's root user, the owner of what is copied in without -a. */
    final long rootUid;
    final long rootGid;
    final boolean running;
    final boolean readOnly;
    private final dev.berth.runtime.IdMap uidMap;
    private final dev.berth.runtime.IdMap gidMap;

    /** Stopped only: its volumes, binds and network files are mounted in the tree, as the container saw them. */
    final boolean mountsAttached;
    /** Stopped, on a kernel that cannot mount onto a detached tree: the destinations left out. */
    private final List<String> unreachable;

    private ContainerRoot(String name, InRoot in, OwnerMap owners, boolean running, boolean readOnly,
        boolean mountsAttached, List<String> unreachable) {
        this.name = name;
        this.mountsAttached = mountsAttached;
        this.unreachable = unreachable;
        this.in = in;
        this.owners = owners;
        this.running = running;
        this.readOnly = readOnly;
        this.uidMap = owners.uid();
        this.gidMap = owners.gid();
        this.rootUid = uidMap == null ? 0 : uidMap.toHost(0);
        this.rootGid = gidMap == null ? 0 : gidMap.toHost(0);
    }

    /** The host uid of the container's {@code uid}, or -1 when its user namespace does not map it. */
    long hostUid(long uid) {
        return uidMap == null ? uid : uidMap.toHost(uid);
    }

    long hostGid(long gid) {
        return gidMap == null ? gid : gidMap.toHost(gid);
    }

    static ContainerRoot open(Engine engine, String ref) throws EngineException {
        Map<String, Object> s = engine.inspect(ref);
        String name = Inspect.name(s);
        Map<String, Object> host = Json.map(s, "HostConfig");
        OwnerMap owners;
        try {
            owners = host == null ? OwnerMap.IDENTITY
                : OwnerMap.parse((String) host.get("UidMap"), (String) host.get("GidMap"));
        } catch (IllegalArgumentException e) {
            throw new EngineException.SystemFailure("the state of container " + name + " is damaged: " + e.getMessage(), e);
        }
        boolean readOnly = host != null && Boolean.TRUE.equals(host.get("ReadonlyRootfs"));
        boolean running = Inspect.isRunning(s);
        if (running) {
            try {
                return new ContainerRoot(name, InRoot.of(processRoot(s, name)), owners, true, readOnly, false, List.of());
            } catch (ErrnoException e) {
                throw failure(name, e);
            }
        }
        List<StoppedMounts.Mount> mounts = StoppedMounts.of(s);
        Tree root;
        try {
            root = stoppedRoot(s, name, !mounts.isEmpty());
        } catch (ErrnoException e) {
            throw failure(name, e);
        }
        InRoot in = InRoot.of(root.fd());
        try {
            // attaching below a directory of the host's own tree would mount on the host: only below a detached one
            List<String> unreachable = root.detached() ? StoppedMounts.attach(in, mounts) : StoppedMounts.destinations(mounts);
            return new ContainerRoot(name, in, owners, false, readOnly, !mounts.isEmpty() && unreachable.isEmpty(), unreachable);
        } catch (ErrnoException e) {
            in.close();
            throw failure(name, e);
        } catch (RuntimeException e) {
            in.close();
            throw e;
        }
    }

    private static EngineException failure(String name, ErrnoException e) {
        return new EngineException.SystemFailure("cannot open the files of container " + name + ": " + e.getMessage(), e);
    }

    /**
     * Refuses {@code path} when it leads into a volume or bind that could not be mounted in a
     * stopped container's tree (kernels before 6.15): its files would land under the mount point.
     */
    void checkReachable(String path) throws EngineException {
        if (unreachable.isEmpty()) {
            return;
        }
        String resolved;
        try {
            resolved = in.resolvedPath(path);
        } catch (ErrnoException e) {
            resolved = path;
        }
        for (String dest : unreachable) {
            if (resolved.equals(dest) || resolved.startsWith(dest.endsWith("/") ? dest : dest + "/")) {
                throw new EngineException.InvalidState("container " + name + " is stopped and " + path + " is in its mount "
                    + dest + ", which this kernel cannot show without starting it (needs Linux 6.15); start the container first");
            }
        }
    }

    private static Fd processRoot(Map<String, Object> s, String name) throws EngineException, ErrnoException {
        long pid = Inspect.pid(s);
        long monitor = Inspect.num(Inspect.state(s).get("MonitorPid"));
        Fd proc;
        try {
            proc = Fd.openDirectory(Path.of("/proc/" + pid));
        } catch (ErrnoException e) {
            throw new EngineException.InvalidState("container " + name + " stopped meanwhile; try again");
        }
        try (proc) {
            long parent;
            try (Fd stat = proc.openAt("stat", Fd.O_RDONLY, 0); InputStream in = stat.reader()) {
                parent = parent(new String(in.readAllBytes(), StandardCharsets.UTF_8));
            } catch (IOException e) {
                throw new EngineException.InvalidState("container " + name + " stopped meanwhile; try again");
            }
            if (monitor > 0 && parent != monitor) {
                throw new EngineException.InvalidState("container " + name + " stopped meanwhile (its pid " + pid
                    + " is another process now); try again");
            }
            return proc.processRoot();
        }
    }

    /** Field 4 of /proc/PID/stat, after the command name (which may hold spaces and parentheses). */
    private static long parent(String stat) {
        String rest = stat.substring(stat.lastIndexOf(')') + 2);
        String[] f = rest.split(" ");
        return Long.parseLong(f[1]);
    }

    /** {@code tree}: a detached copy of a directory root, so that mounts can be attached below it. */
    private static Tree stoppedRoot(Map<String, Object> s, String name, boolean tree) throws EngineException, ErrnoException {
        String driver = String.valueOf(s.get("Driver"));
        Map<String, Object> gd = Json.map(s, "GraphDriver");
        Map<String, Object> data = gd == null ? null : Json.map(gd, "Data");
        switch (driver) {
            case "vfs" -> {
                if (data == null || !(data.get("Dir") instanceof String dir)) {
                    throw damaged(name);
                }
                return directory(Path.of(dir), tree);
            }
            case "rootfs" -> {
                if (!(s.get("Image") instanceof String dir)) {
                    throw damaged(name);
                }
                return directory(Path.of(dir), tree);
            }
            case "overlay" -> {
                if (data == null || !(data.get("LowerDir") instanceof String lower) || !(data.get("UpperDir") instanceof String upper)
                    || !(data.get("WorkDir") instanceof String work)) {
                    throw damaged(name);
                }
                Map<String, String> o = new LinkedHashMap<>();
                o.put("lowerdir", lower);
                o.put("upperdir", upper);
                o.put("workdir", work);
                if (userXattr(s)) {
                    o.put("userxattr", null);
                }
                return new Tree(DetachedMount.mount("overlay", o), true);
            }
            default -> throw new EngineException.InvalidState("container " + name + " runs on the built-in host image"
                + " and is not running: its private /etc lived only while it ran, the rest is the host's own files;"
                + " start it first");
        }
    }

    /** A stopped container's root: a detached mount (only reachable through {@code fd}) or a host directory. */
    private record Tree(Fd fd, boolean detached) {}

    private static Tree directory(Path dir, boolean tree) throws ErrnoException {
        if (tree && StoppedMounts.enabled()) {
            try {
                return new Tree(DetachedMount.cloneTree(dir), true);
            } catch (ErrnoException e) {
                // rootless without CAP_SYS_ADMIN over the mount namespace: the plain directory, mounts left out
            }
        }
        return new Tree(Fd.openDirectory(dir), false);
    }

    /** Whether the overlay was mounted with user.overlay.* attributes (rootless berth), as ImageRootfs chose. */
    private static boolean userXattr(Map<String, Object> s) throws EngineException {
        Map<String, Object> host = Json.map(s, "HostConfig");
        OwnerMap owners = host == null ? OwnerMap.IDENTITY
            : OwnerMap.parse((String) host.get("UidMap"), (String) host.get("GidMap"));
        return ImageRootfs.mapping(owners.uid(), owners.gid(), ImageRootfs.rootless()).userXattr();
    }

    private static EngineException damaged(String name) {
        return new EngineException.SystemFailure("the state of container " + name + " names no root directory"
            + " (GraphDriver.Data); remove the container", null);
    }

    @Override
    public void close() {
        in.close();
    }
}
