package dev.berth.runtime.cgroup;

import dev.berth.linux.Mountinfo;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The cgroup hierarchies of the calling process, from its {@code /proc/self/mountinfo} and
 * {@code /proc/self/cgroup}. A hierarchy counts only when it is both mounted and listed for the
 * process: a mount of a hierarchy we are not in (or a hierarchy nobody mounted) is of no use.
 *
 * @param v1 the cgroup v1 hierarchies, named ones ({@code name=systemd}) included
 * @param unified the cgroup v2 hierarchy, or null
 */
record Hierarchies(List<Hierarchy> v1, Hierarchy unified) {

    /** A mountinfo line of type cgroup or cgroup2. */
    private record Mount(String root, String point, boolean v2, List<String> options) {}

    static Hierarchies parse(String mountinfo, String selfCgroup, Path root) throws CgroupException {
        List<Mount> mounts = mounts(mountinfo);
        List<Hierarchy> v1 = new ArrayList<>();
        Hierarchy unified = null;
        for (String line : selfCgroup.split("\n")) {
            if (line.isBlank()) {
                continue;
            }
            int a = line.indexOf(':');
            int b = a < 0 ? -1 : line.indexOf(':', a + 1);
            if (b < 0) {
                throw new CgroupException("cannot read /proc/self/cgroup: malformed line \"" + line + "\"");
            }
            String key = line.substring(a + 1, b);
            String current = line.substring(b + 1);
            if (current.endsWith(" (deleted)")) {
                current = current.substring(0, current.length() - 10);
            }
            List<String> controllers = key.isEmpty() ? List.of() : List.of(key.split(","));
            Mount m = pick(mounts, key.isEmpty(), controllers, current);
            if (m == null) {
                continue;
            }
            Hierarchy h = new Hierarchy(key, controllers, under(root, m.point()), m.root(), current);
            if (key.isEmpty()) {
                unified = h;
            } else {
                v1.add(h);
            }
        }
        return new Hierarchies(List.copyOf(v1), unified);
    }

    /** True when a v1 hierarchy holds a real controller, not only a name: then v1 drives. */
    boolean v1Controllers() {
        for (Hierarchy h : v1) {
            for (String c : h.controllers()) {
                if (!c.startsWith("name=")) {
                    return true;
                }
            }
        }
        return false;
    }

    /**
     * The mount of one hierarchy: the one showing the whole hierarchy if there is one, else one
     * that contains our cgroup, else the first. Bind mounts of a hierarchy (into container root
     * file systems, for one) are common, and mountinfo lists the host's own first.
     */
    private static Mount pick(List<Mount> mounts, boolean v2, List<String> controllers, String current) {
        Mount containing = null;
        Mount first = null;
        for (Mount m : mounts) {
            if (m.v2() != v2 || (!v2 && !m.options().containsAll(controllers))) {
                continue;
            }
            if (m.root().equals("/")) {
                return m;
            }
            if (first == null) {
                first = m;
            }
            if (containing == null && (current.equals(m.root()) || current.startsWith(m.root() + "/"))) {
                containing = m;
            }
        }
        return containing != null ? containing : first;
    }

    private static List<Mount> mounts(String mountinfo) {
        List<Mount> out = new ArrayList<>();
        for (String line : mountinfo.split("\n")) {
            int dash = line.indexOf(" - ");
            if (dash < 0) {
                continue;
            }
            String[] tail = line.substring(dash + 3).split(" ");
            boolean v2 = tail[0].equals("cgroup2");
            if (!v2 && !tail[0].equals("cgroup")) {
                continue;
            }
            String[] head = line.substring(0, dash).split(" ");
            if (head.length < 5) {
                continue;
            }
            List<String> options = tail.length > 2 ? List.of(tail[2].split(",")) : List.of();
            out.add(new Mount(Mountinfo.unescape(head[3]), Mountinfo.unescape(head[4]), v2, options));
        }
        return out;
    }

    /** A mount point of the real root, seen below {@code root} (a test's fake tree). */
    private static Path under(Path root, String point) {
        Path p = root;
        for (String c : point.split("/")) {
            if (!c.isEmpty()) {
                p = p.resolve(c);
            }
        }
        return p;
    }
}
