package dev.berth.engine;

import dev.berth.linux.DetachedMount;
import dev.berth.linux.ErrnoException;
import dev.berth.linux.Fd;
import dev.berth.linux.InRoot;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The mounts a stopped container's files are seen through, for {@code cp}: its volumes and
 * bind mounts, and the {@code /etc/hosts}, {@code /etc/resolv.conf} and {@code /etc/hostname}
 * berth wrote for it, as dockerd mounts them before it copies. Each is a detached copy of the
 * host directory attached below the container's detached root, so no mount appears on the host
 * and none outlives the descriptor. {@code BERTH_STOPPED_MOUNTS=off} leaves them out (as a kernel
 * before 6.15 does).
 */
final class StoppedMounts {
    private static final int ENOENT = 2;
    private static final int EINVAL = 22;
    private static volatile boolean enabled = !"off".equals(System.getenv("BERTH_STOPPED_MOUNTS"));

    private StoppedMounts() {}

    record Mount(String destination, Path source, boolean readOnly) {}

    static boolean enabled() {
        return enabled;
    }

    /** The container's mounts that have a host source, parents before what is mounted inside them. */
    static List<Mount> of(Map<String, Object> state) {
        List<Mount> out = new ArrayList<>();
        Set<String> taken = new HashSet<>();
        if (state.get("Mounts") instanceof List<?> list) {
            for (Object o : list) {
                if (o instanceof Map<?, ?> m && ("bind".equals(m.get("Type")) || "volume".equals(m.get("Type")))
                    && m.get("Source") instanceof String src && !src.isEmpty() && m.get("Destination") instanceof String dest) {
                    out.add(new Mount(dest, Path.of(src), Boolean.FALSE.equals(m.get("RW"))));
                    taken.add(dest);
                }
            }
        }
        network(state, "HostsPath", "/etc/hosts", taken, out);
        network(state, "ResolvConfPath", "/etc/resolv.conf", taken, out);
        network(state, "HostnamePath", "/etc/hostname", taken, out);
        out.sort(Comparator.comparingInt(m -> depth(m.destination())));
        return out;
    }

    private static void network(Map<String, Object> state, String key, String dest, Set<String> taken, List<Mount> out) {
        if (!taken.contains(dest) && state.get(key) instanceof String p && !p.isEmpty()
            && Files.isRegularFile(Path.of(p), LinkOption.NOFOLLOW_LINKS)) {
            out.add(new Mount(dest, Path.of(p), false));
        }
    }

    private static int depth(String path) {
        return (int) Path.of("/").resolve(path).normalize().toString().chars().filter(c -> c == '/').count();
    }

    static List<String> destinations(List<Mount> mounts) {
        return mounts.stream().map(Mount::destination).toList();
    }

    /**
     * Attaches each mount below {@code root}, which must be a detached tree (attaching below a
     * directory of the host's tree would mount on the host). Returns the destinations that
     * could not be attached because the kernel cannot mount onto a detached tree.
     */
    static List<String> attach(InRoot root, List<Mount> mounts) throws ErrnoException {
        List<String> unreachable = new ArrayList<>();
        for (Mount m : mounts) {
            if (!enabled) {
                unreachable.add(m.destination());
                continue;
            }
            Fd tree;
            try {
                tree = DetachedMount.cloneTree(m.source());
            } catch (ErrnoException e) {
                if (e.errno() != ENOENT) {
                    throw e;
                }
                unreachable.add(m.destination()); // a bind whose source is gone: nothing to show, nowhere to write
                continue;
            }
            try (tree; Fd target = target(root, m.destination(), Files.isDirectory(m.source()))) {
                if (m.readOnly()) {
                    DetachedMount.readOnly(tree);
                }
                DetachedMount.attach(tree, target);
            } catch (ErrnoException e) {
                if (e.errno() != EINVAL) {
                    throw e;
                }
                enabled = false; // before Linux 6.15: mounts go only onto attached mounts
                unreachable.add(m.destination());
            }
        }
        return unreachable;
    }

    /** The mount point, made when the container never started (the stage makes it at start). */
    private static Fd target(InRoot root, String dest, boolean directory) throws ErrnoException {
        try {
            return root.open(dest, true);
        } catch (ErrnoException e) {
            if (e.errno() != ENOENT) {
                throw e;
            }
        }
        String[] parts = Path.of("/").resolve(dest).normalize().toString().substring(1).split("/");
        StringBuilder path = new StringBuilder();
        for (int i = 0; i < parts.length; i++) {
            path.append('/').append(parts[i]);
            boolean last = i == parts.length - 1;
            try (Fd existing = root.open(path.toString(), true)) {
                continue;
            } catch (ErrnoException e) {
                if (e.errno() != ENOENT) {
                    throw e;
                }
            }
            try (InRoot.Parent p = root.parent(path.toString())) {
                if (last && !directory) {
                    p.dir().openAt(p.name(), Fd.O_CREAT | Fd.O_EXCL | Fd.O_NOFOLLOW | Fd.O_WRONLY, 0644).close();
                } else {
                    p.dir().mkdirAt(p.name(), 0755);
                }
            }
        }
        return root.open(dest, true);
    }
}
