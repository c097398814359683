package dev.berth.runtime;

import static dev.berth.runtime.stage.Protocol.*;

import dev.berth.runtime.stage.Program;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * /sys/fs/cgroup inside a container, as runc makes it: programs that size themselves from their
 * limits (a JVM's heap, a Go runtime's GOMAXPROCS) read them there. Shared by berth run and the
 * OCI runtime.
 */
public final class CgroupMounts {
    private CgroupMounts() {}

    /**
     * The mount of {@code dest} for a container whose cgroup is given by its join files
     * ({@code Cgroup.joinFiles}): cgroup2 on a v2 host, else runc's tmpfs of v1 hierarchies. {@code dest} is a path
     * in the container's root, resolved inside it by the stage.
     */
    public static void add(Program p, String dest, long flags, List<String> cgroupProcs, boolean cgroupns) {
        List<String[]> v1 = v1Hierarchies(cgroupProcs);
        if (v1.isEmpty()) {
            cgroupMount(p, dest, flags);
        } else {
            cgroupV1Mount(p, dest, flags, v1, cgroupns);
        }
    }

    /** cgroup v2's one filesystem; on v1 a read-only cgroup2 view is not there, so the host's tree is bound. */
    private static void cgroupMount(Program p, String dest, long flags) {
        p.addInRoot(OP_MKDIR, "mkdir " + dest, dest, "755");
        p.addInRoot(OP_MOUNT, "mount cgroup2 on " + dest, "cgroup", dest, "cgroup2",
            Long.toString(flags & ~MountFlags.BIND), "");
        p.addWithFlags(OP_MOUNT, RF_ELSE | RF_IN_ROOT, "bind the host's cgroups on " + dest, "/sys/fs/cgroup", dest, "",
            Long.toString(MountFlags.BIND | MountFlags.REC), "");
        if ((flags & MountFlags.RDONLY) != 0) {
            p.addInRoot(OP_REMOUNT_RO, "make " + dest + " read-only", dest, Long.toString(MountFlags.REC));
        }
    }

    /**
     * runc's cgroup mount on a v1 (or hybrid) host, which programs reading their own limits (a
     * JVM, say) expect: a tmpfs with a directory per v1 hierarchy showing the container's cgroup,
     * mounted anew in a cgroup namespace, else bound from the host; the v2 hierarchy of a hybrid
     * host is left out, as runc leaves it out.
     */
    private static void cgroupV1Mount(Program p, String dest, long flags, List<String[]> v1, boolean cgroupns) {
        p.addInRoot(OP_MKDIR, "mkdir " + dest, dest, "755");
        p.addInRoot(OP_MOUNT, "mount a tmpfs on " + dest, "tmpfs", dest, "tmpfs",
            Long.toString(MountFlags.NOEXEC | MountFlags.NOSUID | MountFlags.NODEV), "mode=755");
        for (String[] h : v1) {
            String name = h[1];
            String sub = dest + "/" + name;
            if (cgroupns) {
                boolean named = name.equals("systemd");
                p.addInRoot(OP_MKDIR, "mkdir " + sub, sub, "755");
                p.addInRoot(OP_MOUNT, "mount the cgroup hierarchy " + name + " on " + sub, named ? "systemd" : "cgroup",
                    sub, "cgroup",
                    Long.toString(flags & ~(MountFlags.BIND | MountFlags.REC)), named ? "name=systemd" : name);
            } else {
                ProgramCompiler.mount(p, new MountSpec(h[0], sub, "", flags | MountFlags.BIND | MountFlags.REC,
                    0, "", false));
            }
            if (name.contains(",")) { // co-mounted controllers: cpu -> cpu,cpuacct, as on the host
                for (String c : name.split(",")) {
                    p.addWithFlags(OP_SYMLINK, RF_OPTIONAL | RF_IN_ROOT, "symlink " + dest + "/" + c, name,
                        dest + "/" + c);
                }
            }
        }
    }

    /**
     * The v1 hierarchies the container's cgroup is in: its directory (the parent of a
     * join file) and the base name of the hierarchy's mount point; none on a v2 host.
     */
    private static List<String[]> v1Hierarchies(List<String> cgroupProcs) {
        List<String[]> out = new ArrayList<>();
        Set<String> mountPoints = new LinkedHashSet<>();
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/mountinfo"))) {
                int dash = line.indexOf(" - ");
                String[] pre = line.substring(0, Math.max(dash, 0)).split(" ");
                if (dash > 0 && pre.length > 4 && line.substring(dash + 3).startsWith("cgroup ")) {
                    mountPoints.add(pre[4]);
                }
            }
        } catch (IOException e) {
            return out;
        }
        // each cgroup's hierarchy: the longest mount point above its directory, found once per
        // cgroup (a cold JVM interprets this: a Path made per pair cost ~2 ms on a 10-hierarchy host)
        String[] dirs = new String[cgroupProcs.size()];
        String[] points = new String[cgroupProcs.size()];
        for (int i = 0; i < dirs.length; i++) {
            dirs[i] = parent(cgroupProcs.get(i));
            points[i] = longest(mountPoints, dirs[i]);
        }
        // in the host's mount order, as runc lists them
        for (String mp : mountPoints) {
            for (int i = 0; i < dirs.length; i++) {
                if (points[i].equals(mp)) {
                    out.add(new String[] {dirs[i], mp.substring(mp.lastIndexOf('/') + 1)});
                }
            }
        }
        return out;
    }

    /** The directory of a join file (an absolute path). */
    private static String parent(String procs) {
        int slash = procs.lastIndexOf('/');
        return slash <= 0 ? "/" : procs.substring(0, slash);
    }

    /** The longest of {@code mountPoints} that holds {@code dir} (whole components, as Path.startsWith). */
    private static String longest(Set<String> mountPoints, String dir) {
        String best = "";
        for (String mp : mountPoints) {
            boolean holds = dir.startsWith(mp) && (dir.length() == mp.length() || mp.equals("/")
                || dir.charAt(mp.length()) == '/');
            if (holds && mp.length() > best.length()) {
                best = mp;
            }
        }
        return best;
    }
}
