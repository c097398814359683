package dev.berth.runtime.oci;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The config.json {@code berth-runtime spec [--rootless]} writes: runc's example, member for
 * member and in runc's order, as runc 1.2 and later print it (no ambient capabilities, which
 * the kernel would refuse without inheritable ones, and a cgroup namespace on a cgroup v2
 * host), with berth's {@link OciSpec#VERSION}.
 */
public final class OciDefaults {
    private static final List<String> CAPS = List.of("CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE");
    private static final List<String> MASKED = List.of("/proc/acpi", "/proc/asound", "/proc/kcore",
        "/proc/keys", "/proc/latency_stats", "/proc/timer_list", "/proc/timer_stats",
        "/proc/sched_debug", "/sys/firmware", "/proc/scsi");
    private static final List<String> READ_ONLY = List.of("/proc/bus", "/proc/fs", "/proc/irq",
        "/proc/sys", "/proc/sysrq-trigger");

    private OciDefaults() {}

    /** For this host and this process's effective uid and gid (the rootless mapping's host side). */
    public static Map<String, Object> spec(boolean rootless) {
        long[] ids = effectiveIds();
        return spec(rootless, ids[0], ids[1], Files.exists(Path.of("/sys/fs/cgroup/cgroup.controllers")));
    }

    /**
     * @param uid the host uid container root maps to in the rootless variant
     * @param cgroupNamespace add a cgroup namespace, as runc does on a cgroup v2 host
     */
    public static Map<String, Object> spec(boolean rootless, long uid, long gid, boolean cgroupNamespace) {
        Map<String, Object> caps = obj("bounding", CAPS, "effective", CAPS, "permitted", CAPS);
        Map<String, Object> process = obj(
            "terminal", true,
            "user", obj("uid", 0, "gid", 0),
            "args", List.of("sh"),
            "env", List.of("PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "TERM=xterm"),
            "cwd", "/",
            "capabilities", caps,
            "rlimits", List.of(obj("type", "RLIMIT_NOFILE", "hard", 1024, "soft", 1024)),
            "noNewPrivileges", true);
        List<Object> mounts = new ArrayList<>();
        mounts.add(obj("destination", "/proc", "type", "proc", "source", "proc"));
        mounts.add(mount("/dev", "tmpfs", "tmpfs", "nosuid", "strictatime", "mode=755", "size=65536k"));
        // group 5 (tty) is not mapped in a rootless container's one-id user namespace
        mounts.add(rootless
            ? mount("/dev/pts", "devpts", "devpts", "nosuid", "noexec", "newinstance", "ptmxmode=0666",
                "mode=0620")
            : mount("/dev/pts", "devpts", "devpts", "nosuid", "noexec", "newinstance", "ptmxmode=0666",
                "mode=0620", "gid=5"));
        mounts.add(mount("/dev/shm", "tmpfs", "shm", "nosuid", "noexec", "nodev", "mode=1777", "size=65536k"));
        mounts.add(mount("/dev/mqueue", "mqueue", "mqueue", "nosuid", "noexec", "nodev"));
        // a rootless container may not mount a new sysfs: it gets the host's, read-only
        mounts.add(rootless
            ? mount("/sys", "none", "/sys", "rbind", "nosuid", "noexec", "nodev", "ro")
            : mount("/sys", "sysfs", "sysfs", "nosuid", "noexec", "nodev", "ro"));
        mounts.add(mount("/sys/fs/cgroup", "cgroup", "cgroup", "nosuid", "noexec", "nodev", "relatime", "ro"));

        List<Object> namespaces = new ArrayList<>();
        namespaces.add(obj("type", "pid"));
        if (!rootless) {
            namespaces.add(obj("type", "network"));
        }
        namespaces.add(obj("type", "ipc"));
        namespaces.add(obj("type", "uts"));
        namespaces.add(obj("type", "mount"));
        if (cgroupNamespace) {
            namespaces.add(obj("type", "cgroup"));
        }
        Map<String, Object> linux = new LinkedHashMap<>();
        if (rootless) {
            linux.put("uidMappings", List.of(obj("containerID", 0, "hostID", uid, "size", 1)));
            linux.put("gidMappings", List.of(obj("containerID", 0, "hostID", gid, "size", 1)));
            namespaces.add(obj("type", "user"));
        } else {
            // deny every device; the default devices are allowed by the runtime on top
            linux.put("resources", obj("devices", List.of(obj("allow", false, "access", "rwm"))));
        }
        linux.put("namespaces", namespaces);
        linux.put("maskedPaths", MASKED);
        linux.put("readonlyPaths", READ_ONLY);

        return obj("ociVersion", OciSpec.VERSION, "process", process,
            "root", obj("path", "rootfs", "readonly", true), "hostname", "runc", "mounts", mounts,
            "linux", linux);
    }

    /** The text {@code spec} writes to config.json: tab-indented, no final newline, as runc. */
    public static String json(boolean rootless) {
        return OciJson.indent(spec(rootless), "\t");
    }

    private static Map<String, Object> mount(String destination, String type, String source,
        String... options) {
        return obj("destination", destination, "type", type, "source", source, "options", List.of(options));
    }

    private static Map<String, Object> obj(Object... keysAndValues) {
        Map<String, Object> m = new LinkedHashMap<>();
        for (int i = 0; i < keysAndValues.length; i += 2) {
            m.put((String) keysAndValues[i], keysAndValues[i + 1]);
        }
        return m;
    }

    /** The effective uid and gid, from /proc/self/status: Java has no geteuid without FFM. */
    static long[] effectiveIds() {
        try {
            long uid = -1;
            long gid = -1;
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("Uid:")) {
                    uid = field(line, 2);
                } else if (line.startsWith("Gid:")) {
                    gid = field(line, 2);
                }
            }
            if (uid < 0 || gid < 0) {
                throw new IOException("no Uid or Gid line in /proc/self/status");
            }
            return new long[] {uid, gid};
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The n-th whitespace-separated field (1 = the first after the label). */
    private static long field(String line, int n) {
        String[] parts = line.substring(line.indexOf(':') + 1).strip().split("\t");
        return Long.parseLong(parts[n - 1].strip());
    }
}
