package dev.berth.engine;

import dev.berth.runtime.MountFlags;
import dev.berth.runtime.MountSpec;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * docker's -v, --mount, --tmpfs and --device, as {@link MountSpec}s. A volume's mount is a
 * bind whose source is not known yet (empty): {@link #volumes} says which volume it wants, and
 * the engine fills the source in once it found or made the volume.
 */
final class MountParser {
    private static final long TMPFS_DEFAULT = MountFlags.NOSUID | MountFlags.NODEV | MountFlags.NOEXEC;

    final List<MountSpec> mounts = new ArrayList<>();
    final List<VolumeMounts.Wanted> volumes = new ArrayList<>();

    /**
     * {@code HOST:CONTAINER[:OPTIONS]} (a missing host directory is created, as docker does for
     * -v), {@code VOLUME:CONTAINER[:OPTIONS]}, or {@code CONTAINER[:OPTIONS]} for an anonymous volume.
     */
    void volume(String spec) throws EngineException {
        String[] parts = spec.split(":", -1);
        boolean anonymous = parts.length == 1 || parts.length == 2 && parts[0].startsWith("/") && !parts[1].startsWith("/");
        if (anonymous) { // CONTAINER[:OPTIONS]
            parts = new String[] {"", parts[0], parts.length == 2 ? parts[1] : ""};
        }
        if (parts.length < 2 || parts.length > 3 || (!anonymous && parts[0].isEmpty()) || parts[1].isEmpty()) {
            throw invalid("-v", spec, "use HOST_PATH:CONTAINER_PATH[:ro], VOLUME:CONTAINER_PATH[:ro] or CONTAINER_PATH");
        }
        boolean volume = anonymous || !parts[0].startsWith("/");
        if (volume && !anonymous) {
            try {
                Volumes.checkName(parts[0]);
            } catch (EngineException e) {
                throw invalid("-v", spec, e.getMessage());
            }
        }
        boolean ro = false;
        boolean nocopy = false;
        long propagation = 0;
        if (parts.length == 3) {
            for (String o : parts[2].split(",")) {
                switch (o) {
                    case "ro" -> ro = true;
                    case "nocopy" -> nocopy = true;
                    case "rw", "z", "Z", "consistent", "cached", "delegated", "" -> { }
                    default -> {
                        propagation = propagation(o);
                        if (propagation == 0 || volume) {
                            throw invalid("-v", spec, "unknown option \"" + o
                                + "\" (use ro, rw, nocopy, or for a host path a propagation such as rslave)");
                        }
                    }
                }
            }
        }
        if (volume) {
            volume(anonymous ? null : parts[0], parts[1], ro, nocopy, Map.of(), Map.of(), "-v", spec);
            return;
        }
        if (nocopy) {
            throw invalid("-v", spec, "nocopy is for volumes; a host path is never copied into");
        }
        Path host = Path.of(parts[0]).normalize();
        if (!Files.exists(host)) {
            try {
                Files.createDirectories(host);
            } catch (IOException e) {
                throw new EngineException.SystemFailure("cannot create the host directory " + host
                    + " for -v: " + e.getMessage(), e);
            }
        }
        bind(host, parts[1], ro, propagation, "-v", spec);
    }

    /** {@code type=bind|tmpfs,source=...,target=...,readonly,bind-propagation=...,tmpfs-size=...}. */
    void mount(String spec) throws EngineException {
        String type = "volume";
        String source = null;
        String target = null;
        boolean ro = false;
        boolean nocopy = false;
        long propagation = 0;
        StringBuilder data = new StringBuilder();
        Map<String, String> labels = new LinkedHashMap<>();
        Map<String, String> options = new LinkedHashMap<>();
        for (String field : spec.split(",")) {
            int eq = field.indexOf('=');
            String k = eq < 0 ? field : field.substring(0, eq);
            String v = eq < 0 ? "" : field.substring(eq + 1);
            switch (k) {
                case "type" -> type = v;
                case "source", "src" -> source = v;
                case "target", "destination", "dst" -> target = v;
                case "readonly", "ro" -> ro = v.isEmpty() || v.equals("true") || v.equals("1");
                case "bind-propagation" -> {
                    propagation = propagation(v);
                    if (propagation == 0) {
                        throw invalid("--mount", spec, "bind-propagation is one of private, rprivate, shared,"
                            + " rshared, slave, rslave");
                    }
                }
                case "tmpfs-size" -> data.append(data.isEmpty() ? "" : ",").append("size=").append(v);
                case "tmpfs-mode" -> data.append(data.isEmpty() ? "" : ",").append("mode=").append(v);
                case "volume-nocopy" -> nocopy = v.isEmpty() || v.equals("true") || v.equals("1");
                case "volume-driver" -> {
                    if (!v.equals("local")) {
                        throw invalid("--mount", spec, "volume-driver is local, the only one berth has");
                    }
                }
                case "volume-label", "volume-opt" -> {
                    int e2 = v.indexOf('=');
                    (k.equals("volume-label") ? labels : options).put(e2 < 0 ? v : v.substring(0, e2),
                        e2 < 0 ? "" : v.substring(e2 + 1));
                }
                case "consistency", "bind-nonrecursive" -> { }
                default -> throw invalid("--mount", spec, "unknown field \"" + k + "\"");
            }
        }
        if (target == null || target.isEmpty()) {
            throw invalid("--mount", spec, "give target=PATH");
        }
        absolute(target, "--mount", spec);
        switch (type) {
            case "bind" -> {
                if (source == null || !source.startsWith("/")) {
                    throw invalid("--mount", spec, "a bind mount needs source=ABSOLUTE_HOST_PATH");
                }
                Path host = Path.of(source).normalize();
                if (!Files.exists(host)) {
                    throw invalid("--mount", spec, "bind source path does not exist: " + host);
                }
                bind(host, target, ro, propagation, "--mount", spec);
            }
            case "tmpfs" -> add(MountSpec.tmpfs(target, TMPFS_DEFAULT | (ro ? MountFlags.RDONLY : 0),
                data.toString()), "--mount", spec);
            case "volume" -> {
                if (source != null && !source.isEmpty()) {
                    try {
                        Volumes.checkName(source);
                    } catch (EngineException e) {
                        throw invalid("--mount", spec, e.getMessage());
                    }
                }
                try {
                    Volumes.checkOptions(options);
                } catch (EngineException e) {
                    throw invalid("--mount", spec, e.getMessage());
                }
                volume(source == null || source.isEmpty() ? null : source, target, ro, nocopy, labels, options,
                    "--mount", spec);
            }
            default -> throw invalid("--mount", spec, "type is one of bind, volume, tmpfs");
        }
    }

    /** A volume at {@code target}: a bind from a source the engine fills in. */
    private void volume(String name, String target, boolean ro, boolean nocopy, Map<String, String> labels,
        Map<String, String> options, String flag, String spec) throws EngineException {
        absolute(target, flag, spec);
        add(MountSpec.bind("", target, ro, false), flag, spec);
        volumes.add(new VolumeMounts.Wanted(name, target, ro, nocopy, Map.copyOf(labels), Map.copyOf(options),
            mounts.size() - 1));
    }

    /** The image's Volumes: an anonymous volume at each path no mount of the request covers. */
    void imageVolumes(java.util.Collection<String> paths) throws EngineException {
        for (String p : paths) {
            boolean covered = false;
            for (MountSpec m : mounts) {
                covered |= Path.of(m.destination()).normalize().equals(Path.of(p).normalize());
            }
            if (!covered && p.startsWith("/")) {
                volume(null, p, false, false, Map.of(), Map.of(), "the image's Volumes", p);
            }
        }
    }

    /** {@code PATH[:OPTIONS]}, the options as mount(8) writes them. */
    void tmpfs(String spec) throws EngineException {
        int colon = spec.indexOf(':');
        String target = colon < 0 ? spec : spec.substring(0, colon);
        long flags = TMPFS_DEFAULT;
        StringBuilder data = new StringBuilder();
        if (colon >= 0) {
            for (String o : spec.substring(colon + 1).split(",")) {
                long set = flag(o);
                long clear = flag("no" + o);
                if (set != 0) {
                    flags |= set;
                } else if (o.equals("rw")) {
                    flags &= ~MountFlags.RDONLY;
                } else if (clear != 0) {
                    flags &= ~clear;
                } else if (!o.isEmpty()) {
                    data.append(data.isEmpty() ? "" : ",").append(o);
                }
            }
        }
        absolute(target, "--tmpfs", spec);
        add(MountSpec.tmpfs(target, flags, data.toString()), "--tmpfs", spec);
    }

    /** {@code HOST[:CONTAINER[:PERMISSIONS]]}: the host's device node, bound into the container. */
    void device(String spec) throws EngineException {
        String[] parts = spec.split(":", -1);
        String host = parts[0];
        String target = parts.length > 1 && parts[1].startsWith("/") ? parts[1] : host;
        String perms = parts.length > 2 ? parts[2] : parts.length == 2 && !parts[1].startsWith("/") ? parts[1] : "rwm";
        if (!host.startsWith("/") || parts.length > 3 || !permissions(perms)) {
            throw invalid("--device", spec, "use /dev/HOST[:/dev/CONTAINER[:rwm]]");
        }
        absolute(target, "--device", spec);
        Path p = Path.of(host);
        if (!Files.exists(p)) {
            throw invalid("--device", spec, "no such device on the host: " + host);
        }
        boolean dir = Files.isDirectory(p);
        if (!dir && !isDevice(p)) {
            throw invalid("--device", spec, host + " is not a device node");
        }
        add(new MountSpec(host, target, "", MountFlags.BIND | (dir ? MountFlags.REC : 0), 0, "", !dir),
            "--device", spec);
    }

    private void bind(Path host, String target, boolean ro, long propagation, String flag, String spec)
        throws EngineException {
        absolute(target, flag, spec);
        long flags = MountFlags.BIND | MountFlags.REC | (ro ? MountFlags.RDONLY : 0);
        add(new MountSpec(host.toString(), target, "", flags, propagation, "", !Files.isDirectory(host)), flag, spec);
    }

    private void add(MountSpec m, String flag, String spec) throws EngineException {
        if (Path.of(m.destination()).normalize().toString().equals("/")) {
            throw invalid(flag, spec, "cannot mount over the container's root");
        }
        for (MountSpec other : mounts) {
            if (Path.of(other.destination()).normalize().equals(Path.of(m.destination()).normalize())) {
                throw new EngineException.InvalidArgument("duplicate mount point: " + m.destination());
            }
        }
        mounts.add(m);
    }

    private static void absolute(String target, String flag, String spec) throws EngineException {
        if (!target.startsWith("/")) {
            throw invalid(flag, spec, "the container path \"" + target + "\" must be absolute");
        }
    }

    private static boolean permissions(String perms) {
        for (int i = 0; i < perms.length(); i++) {
            if ("rwm".indexOf(perms.charAt(i)) < 0) {
                return false;
            }
        }
        return !perms.isEmpty();
    }

    private static boolean isDevice(Path p) {
        try {
            int mode = (Integer) Files.getAttribute(p, "unix:mode");
            int type = mode & 0170000;
            return type == 0020000 || type == 0060000;
        } catch (IOException | UnsupportedOperationException e) {
            return false;
        }
    }

    private static long flag(String o) {
        return switch (o) {
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
    }

    private static long propagation(String o) {
        return switch (o) {
            case "private" -> MountFlags.PRIVATE;
            case "rprivate" -> MountFlags.PRIVATE | MountFlags.REC;
            case "shared" -> MountFlags.SHARED;
            case "rshared" -> MountFlags.SHARED | MountFlags.REC;
            case "slave" -> MountFlags.SLAVE;
            case "rslave" -> MountFlags.SLAVE | MountFlags.REC;
            default -> 0;
        };
    }

    private static EngineException invalid(String flag, String spec, String fix) {
        return new EngineException.InvalidArgument("invalid " + flag + " \"" + spec + "\": " + fix);
    }
}
