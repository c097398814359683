package dev.berth.engine;

import dev.berth.runtime.Timestamps;
import dev.berth.runtime.cgroup.CgroupException;
import dev.berth.runtime.cgroup.CgroupStats;
import dev.berth.runtime.cgroup.Cgroups;
import dev.berth.runtime.json.Json;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * One detailed reading of a container's usage, for docker's stats API: the {@link Usage}
 * the CLI shows, the cgroup's own counters, and each interface of the container's network
 * namespace (from its first process's {@code /proc/PID/net/dev}, loopback left out).
 *
 * @param cgroup null when the container is not running
 * @param cgroupVersion 1 or 2 (the hierarchy the counters came from), 0 when not running
 * @param readNanos when the reading was taken, in nanoseconds since the epoch
 */
public record Stats(Usage usage, CgroupStats cgroup, int cgroupVersion, List<Interface> networks, long readNanos) {

    /** An interface's counters, as the kernel keeps them. */
    public record Interface(String name, long rxBytes, long rxPackets, long rxErrors, long rxDropped,
        long txBytes, long txPackets, long txErrors, long txDropped) {}

    static Stats read(Map<String, Object> s) throws EngineException {
        long now = Timestamps.nowNanos();
        if (!Inspect.isRunning(s)) {
            return new Stats(Usage.read(s), null, 0, List.of(), now);
        }
        Cgroups cgroups;
        CgroupStats c;
        try {
            cgroups = Cgroups.detect();
            c = cgroups.open(Engine.cgroupPath(s)).stats();
        } catch (CgroupException e) {
            throw new EngineException.SystemFailure("cannot read the cgroup of container " + Inspect.name(s) + ": "
                + e.getMessage(), e);
        }
        Map<String, Object> host = Json.map(s, "HostConfig");
        boolean hostNet = host != null && "host".equals(host.get("NetworkMode"));
        List<Interface> nets = hostNet ? List.of()
            : interfaces(Usage.read(Path.of("/proc/" + Inspect.pid(s) + "/net/dev")));
        return new Stats(Usage.of(s, c), c, cgroups.version(), nets, now);
    }

    /** The interfaces of a {@code /proc/net/dev} text but {@code lo}. */
    static List<Interface> interfaces(String dev) {
        List<Interface> out = new ArrayList<>();
        for (String line : dev.split("\n")) {
            int colon = line.indexOf(':');
            if (colon < 0) {
                continue; // the two header lines
            }
            String name = line.substring(0, colon).strip();
            String[] f = Usage.fields(line.substring(colon + 1));
            if (name.equals("lo") || f.length < 12) {
                continue;
            }
            out.add(new Interface(name, Usage.parse(f[0]), Usage.parse(f[1]), Usage.parse(f[2]), Usage.parse(f[3]),
                Usage.parse(f[8]), Usage.parse(f[9]), Usage.parse(f[10]), Usage.parse(f[11])));
        }
        return out;
    }
}
