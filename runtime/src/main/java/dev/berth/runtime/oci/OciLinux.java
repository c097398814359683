package dev.berth.runtime.oci;

import java.util.List;
import java.util.Map;

/**
 * {@code linux}: namespaces, ids, devices and the kernel's knobs. An absent {@code linux} reads
 * as {@link #NONE}. {@code resources} and {@code seccomp} stay raw JSON (null when absent): the
 * cgroup and seccomp packages parse them. {@code intelRdt} and {@code netDevices} stay raw too:
 * berth-runtime refuses them ({@link OciSupport}).
 *
 * @param timeOffsets by clock name ({@code boottime}, {@code monotonic}), in document order
 * @param sysctl by key as written (dots or slashes), in document order
 */
public record OciLinux(
    List<OciNamespace> namespaces,
    List<OciIdMapping> uidMappings,
    List<OciIdMapping> gidMappings,
    Map<String, TimeOffset> timeOffsets,
    List<OciDevice> devices,
    String cgroupsPath,
    Map<String, Object> resources,
    String rootfsPropagation,
    Map<String, Object> seccomp,
    Map<String, String> sysctl,
    List<String> maskedPaths,
    List<String> readonlyPaths,
    String mountLabel,
    Personality personality,
    Map<String, Object> intelRdt,
    Map<String, Object> netDevices) {

    public static final OciLinux NONE = new OciLinux(List.of(), List.of(), List.of(), Map.of(),
        List.of(), "", null, "", null, Map.of(), List.of(), List.of(), "", null, null, null);

    public OciLinux {
        namespaces = List.copyOf(namespaces);
        uidMappings = List.copyOf(uidMappings);
        gidMappings = List.copyOf(gidMappings);
        timeOffsets = Frozen.map(timeOffsets);
        devices = List.copyOf(devices);
        resources = Frozen.json(resources);
        seccomp = Frozen.json(seccomp);
        sysctl = Frozen.map(sysctl);
        maskedPaths = List.copyOf(maskedPaths);
        readonlyPaths = List.copyOf(readonlyPaths);
        intelRdt = Frozen.json(intelRdt);
        netDevices = Frozen.json(netDevices);
    }

    /** An offset of a clock in a new time namespace; {@code nanosecs} is below a second. */
    public record TimeOffset(long secs, long nanosecs) {}

    /** personality(2): {@code LINUX} or {@code LINUX32}; no flags are defined yet. */
    public record Personality(String domain, List<String> flags) {
        public Personality {
            flags = List.copyOf(flags);
        }

        /** The persona personality(2) takes: PER_LINUX or PER_LINUX32. */
        public int persona() {
            return domain.equals("LINUX32") ? 0x0008 : 0x0000;
        }
    }

    /** The entry of {@code type}, or null when the container shares the runtime's. */
    public OciNamespace namespace(String type) {
        for (OciNamespace ns : namespaces) {
            if (ns.type().equals(type)) {
                return ns;
            }
        }
        return null;
    }

    /** True when the container gets a namespace of {@code type}, new or joined. */
    public boolean has(String type) {
        return namespace(type) != null;
    }

    /** True when the container gets a new namespace of {@code type}. */
    public boolean creates(String type) {
        OciNamespace ns = namespace(type);
        return ns != null && !ns.joins();
    }

    /** {@code timeOffsets} as the text /proc/PID/timens_offsets takes, or null when none. */
    public String timensOffsets() {
        if (timeOffsets.isEmpty()) {
            return null;
        }
        StringBuilder sb = new StringBuilder();
        for (Map.Entry<String, TimeOffset> e : timeOffsets.entrySet()) {
            sb.append(e.getKey()).append(' ').append(e.getValue().secs()).append(' ')
                .append(e.getValue().nanosecs()).append('\n');
        }
        return sb.toString();
    }
}
