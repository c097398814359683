package dev.berth.runtime.cgroup;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The cgroup driver of this host: which version, which hierarchies are mounted where, and where
 * the calling process sits in each. Makes and finds {@link Cgroup}s. Plain file I/O: the
 * {@code cgroupfs} way, as runc's and crun's default drivers; the systemd driver is not done.
 */
public final class Cgroups {
    private final Hierarchies hierarchies;
    private final int version;
    private DeviceFilter.Attach devices;

    private Cgroups(Hierarchies hierarchies) throws CgroupException {
        this.hierarchies = hierarchies;
        if (hierarchies.v1Controllers()) {
            version = 1;
        } else if (hierarchies.unified() != null) {
            version = 2;
        } else {
            throw new CgroupException("no cgroup file system is mounted: mount cgroup2 on /sys/fs/cgroup");
        }
    }

    /** The calling process's view: {@code /proc/self/mountinfo} and {@code /proc/self/cgroup}. */
    public static Cgroups detect() throws CgroupException {
        String mountinfo = text(Path.of("/proc/self/mountinfo"));
        String selfCgroup = text(Path.of("/proc/self/cgroup"));
        Detected last = lastDetected;
        if (last != null && last.mountinfo().equals(mountinfo) && last.selfCgroup().equals(selfCgroup)) {
            return new Cgroups(last.hierarchies());
        }
        Hierarchies h = Hierarchies.parse(mountinfo, selfCgroup, Path.of("/"));
        lastDetected = new Detected(mountinfo, selfCgroup, h);
        return new Cgroups(h);
    }

    /**
     * The last texts {@link #detect} read and what they were parsed into: a run asks when it
     * makes the cgroup and again when it removes it (a daemon for every container), and the same
     * texts parse the same (~0.3 ms each time on a cold JVM). The files are still read each time.
     */
    private record Detected(String mountinfo, String selfCgroup, Hierarchies hierarchies) {}

    private static volatile Detected lastDetected;

    /**
     * As {@link #detect()} from the given files, with mount points taken below {@code root}: a
     * test points this at a fake tree in a temporary directory.
     */
    public static Cgroups at(Path mountinfo, Path selfCgroup, Path root) throws CgroupException {
        return parse(text(mountinfo), text(selfCgroup), root);
    }

    static Cgroups parse(String mountinfo, String selfCgroup, Path root) throws CgroupException {
        return new Cgroups(Hierarchies.parse(mountinfo, selfCgroup, root));
    }

    /** Sends v2 device programs to {@code attach} instead of the kernel: for a fake tree. */
    Cgroups devicesTo(DeviceFilter.Attach attach) {
        this.devices = attach;
        return this;
    }

    /** 1 when any v1 hierarchy has a controller (pure v1 or hybrid), else 2. */
    public int version() {
        return version;
    }

    /** A v1 host that also mounts the v2 hierarchy (typically at /sys/fs/cgroup/unified). */
    public boolean hybrid() {
        return version == 1 && hierarchies.unified() != null;
    }

    /**
     * Makes the cgroup (and its missing parents) and writes the limits. {@code cgroupsPath}
     * follows OCI: absolute is from the top of each hierarchy, relative is below the caller's own
     * cgroup; berth's default is {@code /berth/<id>}. An existing cgroup is reused. If any write
     * fails, every directory made here is removed again before the error is thrown.
     */
    public Cgroup create(String cgroupsPath, Resources resources) throws CgroupException {
        check(cgroupsPath);
        Resources r = resources == null ? Resources.NONE : resources;
        return version == 1
            ? V1Cgroup.create(hierarchies, cgroupsPath, r)
            : V2Cgroup.create(hierarchies.unified(), cgroupsPath, r, devices);
    }

    /** A handle on a cgroup made before (by another process, say); nothing is written. */
    public Cgroup open(String cgroupsPath) throws CgroupException {
        check(cgroupsPath);
        return version == 1
            ? V1Cgroup.open(hierarchies, cgroupsPath)
            : new V2Cgroup(hierarchies.unified(), cgroupsPath, devices);
    }

    /** The mounted hierarchies, for diagnostics: controller field and mount point. */
    public List<String> describe() {
        List<String> out = new ArrayList<>();
        for (Hierarchy h : hierarchies.v1()) {
            out.add(h.key() + " " + h.mountPoint());
        }
        if (hierarchies.unified() != null) {
            out.add("cgroup2 " + hierarchies.unified().mountPoint());
        }
        return out;
    }

    /** A cgroup path split into names; "." is skipped and ".." refused: no way out of the hierarchy. */
    static List<String> components(String path) throws CgroupException {
        List<String> out = new ArrayList<>();
        for (String c : path.split("/")) {
            if (c.equals("..")) {
                throw new CgroupException("cgroup path \"" + path + "\" must not contain \"..\"");
            }
            if (!c.isEmpty() && !c.equals(".")) {
                out.add(c);
            }
        }
        return out;
    }

    private static void check(String cgroupsPath) throws CgroupException {
        if (cgroupsPath == null || components(cgroupsPath).isEmpty()) {
            throw new CgroupException("cgroup path \"" + cgroupsPath
                + "\" names no cgroup of its own: use a path like /berth/<id>");
        }
        if (!cgroupsPath.startsWith("/") && cgroupsPath.indexOf(':') >= 0
                && cgroupsPath.indexOf(':') != cgroupsPath.lastIndexOf(':')) {
            throw new CgroupException("cgroup path \"" + cgroupsPath + "\" is in the systemd driver's slice:prefix:name "
                + "form, and berth has only the cgroupfs driver: use a path like /berth/<id>");
        }
        if (cgroupsPath.indexOf('\n') >= 0 || cgroupsPath.indexOf('\0') >= 0) {
            throw new CgroupException("cgroup path must not contain a newline or a NUL");
        }
    }

    private static String text(Path p) throws CgroupException {
        try {
            return new String(Files.readAllBytes(p), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new CgroupException("cannot read " + p + ": " + Fs.reason(e), e);
        }
    }
}
