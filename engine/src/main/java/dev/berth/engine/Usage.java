package dev.berth.engine;

import dev.berth.runtime.cgroup.CgroupException;
import dev.berth.runtime.cgroup.CgroupStats;
import dev.berth.runtime.cgroup.Cgroups;
import dev.berth.runtime.json.Json;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * One reading of a container's resource usage, with what docker's stats API reports: cumulative
 * counters (CPU time, bytes), so that CPU % needs two readings.
 *
 * @param cpuNanos CPU time the container's cgroup used since it was made
 * @param systemCpuNanos CPU time of the whole host since boot, from {@code /proc/stat}
 * @param onlineCpus the host's CPUs ({@code cpuN} lines of {@code /proc/stat})
 * @param memoryUsage bytes in use less the inactive page cache, as docker's stats show it
 * @param memoryLimit the cgroup's limit, at most the host's memory
 * @param netRx bytes received over the interfaces of its network namespace but {@code lo}
 * @param blockRead bytes read from block devices (blkio on cgroup v1, io.stat on v2)
 */
public record Usage(String id, String name, boolean running, long cpuNanos, long systemCpuNanos, int onlineCpus,
    long memoryUsage, long memoryLimit, long netRx, long netTx, long blockRead, long blockWrite, long pids) {

    /** /proc/stat counts USER_HZ ticks, 100 a second on every architecture that exports it. */
    private static final long NANOS_PER_TICK = 10_000_000;

    /**
     * docker's CPU %: the container's share of the host's CPU time between two readings, times
     * the number of CPUs, so that one busy CPU of four is 100%.
     */
    public static double cpuPercent(Usage before, Usage after) {
        double cpu = after.cpuNanos - before.cpuNanos;
        double system = after.systemCpuNanos - before.systemCpuNanos;
        if (!after.running || cpu <= 0 || system <= 0) {
            return 0;
        }
        return cpu / system * after.onlineCpus * 100.0;
    }

    /** Memory in use as a share of the limit, in percent. */
    public double memoryPercent() {
        return memoryLimit > 0 ? memoryUsage * 100.0 / memoryLimit : 0;
    }

    static Usage read(Map<String, Object> s) throws EngineException {
        String id = (String) s.get("Id");
        String name = Inspect.name(s);
        if (!Inspect.isRunning(s)) {
            return new Usage(id, name, false, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0);
        }
        return of(s, cgroup(s));
    }

    /** The container's cgroup counters (the running container of state {@code s}). */
    static CgroupStats cgroup(Map<String, Object> s) throws EngineException {
        try {
            return Cgroups.detect().open(Engine.cgroupPath(s)).stats();
        } catch (CgroupException e) {
            throw new EngineException.SystemFailure("cannot read the cgroup of container " + Inspect.name(s) + ": "
                + e.getMessage(), e);
        }
    }

    /** A running container's usage from its cgroup's counters {@code c} and the host's. */
    static Usage of(Map<String, Object> s, CgroupStats c) {
        String id = (String) s.get("Id");
        String name = Inspect.name(s);
        long[] cpu = systemCpu(read(Path.of("/proc/stat")));
        long hostMemory = memTotal(read(Path.of("/proc/meminfo")));
        long usage = or0(c.memoryUsage());
        long inactive = or0(c.inactiveFile());
        long limit = c.memoryLimit() == null || c.memoryLimit() < 0 ? hostMemory : c.memoryLimit();
        if (hostMemory > 0 && limit > hostMemory) {
            limit = hostMemory; // docker shows the host's memory for a limit above it
        }
        Map<String, Object> host = Json.map(s, "HostConfig");
        // a container on the host's network has no traffic of its own to show, as in docker
        boolean hostNet = host != null && "host".equals(host.get("NetworkMode"));
        long[] net = hostNet ? new long[2] : netDev(read(Path.of("/proc/" + Inspect.pid(s) + "/net/dev")));
        return new Usage(id, name, true, or0(c.cpuUsage()), cpu[0], (int) cpu[1],
            inactive < usage ? usage - inactive : usage, limit, net[0], net[1],
            or0(c.ioReadBytes()), or0(c.ioWriteBytes()), or0(c.pidsCurrent()));
    }

    /**
     * The host's CPU time in nanoseconds and its number of CPUs: docker sums the first seven
     * fields of the {@code cpu} line (user to softirq, idle included) and counts the
     * {@code cpuN} lines.
     */
    static long[] systemCpu(String stat) {
        long ticks = 0;
        long cpus = 0;
        for (String line : stat.split("\n")) {
            if (line.startsWith("cpu ")) {
                String[] f = fields(line);
                for (int i = 1; i < 8 && i < f.length; i++) {
                    ticks += parse(f[i]);
                }
            } else if (line.startsWith("cpu")) {
                cpus++;
            }
        }
        return new long[] {ticks * NANOS_PER_TICK, cpus};
    }

    /** MemTotal of /proc/meminfo in bytes, 0 when unknown. */
    static long memTotal(String meminfo) {
        for (String line : meminfo.split("\n")) {
            if (line.startsWith("MemTotal:")) {
                String[] f = fields(line);
                return f.length > 1 ? parse(f[1]) * 1024 : 0;
            }
        }
        return 0;
    }

    /** Received and sent bytes over the interfaces of {@code /proc/PID/net/dev} but lo. */
    static long[] netDev(String dev) {
        long[] out = new long[2];
        for (String line : dev.split("\n")) {
            int colon = line.indexOf(':');
            if (colon < 0) {
                continue; // the two header lines
            }
            if (line.substring(0, colon).strip().equals("lo")) {
                continue;
            }
            String[] f = fields(line.substring(colon + 1));
            if (f.length >= 9) {
                out[0] += parse(f[0]);
                out[1] += parse(f[8]);
            }
        }
        return out;
    }

    /** Whitespace-separated fields, without a regular expression (cold path). */
    static String[] fields(String line) {
        List<String> out = new ArrayList<>();
        int i = 0;
        int n = line.length();
        while (i < n) {
            while (i < n && Character.isWhitespace(line.charAt(i))) {
                i++;
            }
            int start = i;
            while (i < n && !Character.isWhitespace(line.charAt(i))) {
                i++;
            }
            if (i > start) {
                out.add(line.substring(start, i));
            }
        }
        return out.toArray(new String[0]);
    }

    static long parse(String s) {
        try {
            return Long.parseLong(s);
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    private static long or0(Long v) {
        return v == null ? 0 : v;
    }

    /** A /proc file, or "" when it is gone (the container exited between two reads). */
    static String read(Path p) {
        try {
            return Files.readString(p);
        } catch (IOException e) {
            return "";
        }
    }
}
