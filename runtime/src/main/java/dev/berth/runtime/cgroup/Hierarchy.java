package dev.berth.runtime.cgroup;

import java.nio.file.Path;
import java.util.List;

/**
 * One mounted cgroup hierarchy and where the calling process sits in it.
 *
 * @param key the controller field of {@code /proc/self/cgroup}: {@code memory},
 *     {@code cpu,cpuacct}, {@code name=systemd}; empty for the cgroup v2 hierarchy
 * @param controllers {@code key} split at commas (empty for v2, whose controllers are per cgroup)
 * @param mountPoint where it is mounted, below the root given to {@link Cgroups#at}
 * @param mountRoot the cgroup the mount shows at its top (mountinfo field 4): {@code /} unless a
 *     subtree is bind-mounted or the mount was made outside our cgroup namespace
 * @param current this process's cgroup in it, as {@code /proc/self/cgroup} says
 */
record Hierarchy(String key, List<String> controllers, Path mountPoint, String mountRoot, String current) {

    /**
     * The directory of {@code cgroupsPath} with OCI's meaning: an absolute path is taken from the
     * top of the hierarchy (as far as it is mounted), a relative one from the caller's cgroup.
     */
    Path dir(String cgroupsPath) throws CgroupException {
        List<String> parts = Cgroups.components(cgroupsPath);
        Path dir = mountPoint;
        if (!cgroupsPath.startsWith("/")) {
            if (!under(current, mountRoot)) {
                throw new CgroupException("cannot place the relative cgroup path \"" + cgroupsPath
                    + "\": this process's cgroup " + current + " is not inside the mount at " + mountPoint
                    + " (" + mountRoot + "); use an absolute cgroupsPath");
            }
            for (String c : Cgroups.components(current.substring(mountRoot.length()))) {
                dir = dir.resolve(c);
            }
        }
        for (String c : parts) {
            dir = dir.resolve(c);
        }
        return dir;
    }

    boolean isV2() {
        return key.isEmpty();
    }

    private static boolean under(String path, String root) {
        if (path.contains("/..")) {
            return false;
        }
        if (root.equals("/")) {
            return path.startsWith("/");
        }
        return path.equals(root) || path.startsWith(root + "/");
    }
}
