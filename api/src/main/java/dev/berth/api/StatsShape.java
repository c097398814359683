package dev.berth.api;

import dev.berth.engine.Stats;
import dev.berth.engine.Usage;
import dev.berth.runtime.Timestamps;
import dev.berth.runtime.cgroup.CgroupStats;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * docker's StatsResponse (api/types/container/stats.go) from the engine's {@link Stats}: the
 * cgroup v1 shape, or v2's where it differs (no max_usage or failcnt, memory.stat's own keys,
 * lower-case io ops). What the docker CLI computes from it: CPU % from cpu_stats and
 * precpu_stats, memory as usage less the inactive page cache, block I/O summed by op, network
 * summed over the interfaces.
 */
final class StatsShape {
    private static final String ZERO_TIME = "0001-01-01T00:00:00Z";

    private StatsShape() {}

    /** {@code pre} null: precpu_stats are zeros, as in docker's first sample. */
    static Map<String, Object> of(Stats cur, Stats pre, String name, String id) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("name", name);
        m.put("id", id);
        boolean running = cur.cgroup() != null;
        m.put("read", running ? Timestamps.format(cur.readNanos()) : ZERO_TIME);
        m.put("preread", pre != null && pre.cgroup() != null ? Timestamps.format(pre.readNanos()) : ZERO_TIME);
        CgroupStats c = cur.cgroup();
        Map<String, Object> pids = new LinkedHashMap<>();
        pids.put("current", running ? or0(c.pidsCurrent()) : 0);
        if (running && c.pidsLimit() != null && c.pidsLimit() > 0) {
            pids.put("limit", c.pidsLimit());
        }
        m.put("pids_stats", pids);
        m.put("blkio_stats", blkio(cur));
        m.put("num_procs", 0);
        m.put("storage_stats", Map.of());
        m.put("cpu_stats", cpu(cur));
        m.put("precpu_stats", pre == null ? cpu(null) : cpu(pre));
        m.put("memory_stats", memory(cur));
        if (!cur.networks().isEmpty()) {
            Map<String, Object> nets = new LinkedHashMap<>();
            for (Stats.Interface i : cur.networks()) {
                Map<String, Object> n = new LinkedHashMap<>();
                n.put("rx_bytes", i.rxBytes());
                n.put("rx_packets", i.rxPackets());
                n.put("rx_errors", i.rxErrors());
                n.put("rx_dropped", i.rxDropped());
                n.put("tx_bytes", i.txBytes());
                n.put("tx_packets", i.txPackets());
                n.put("tx_errors", i.txErrors());
                n.put("tx_dropped", i.txDropped());
                nets.put(i.name(), n);
            }
            m.put("networks", nets);
        }
        return m;
    }

    private static Map<String, Object> cpu(Stats st) {
        boolean running = st != null && st.cgroup() != null;
        CgroupStats c = running ? st.cgroup() : null;
        Usage u = running ? st.usage() : null;
        Map<String, Object> usage = new LinkedHashMap<>();
        usage.put("total_usage", running ? u.cpuNanos() : 0);
        usage.put("usage_in_kernelmode", running ? or0(c.cpuSystem()) : 0);
        usage.put("usage_in_usermode", running ? or0(c.cpuUser()) : 0);
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("cpu_usage", usage);
        if (running) {
            m.put("system_cpu_usage", u.systemCpuNanos());
            m.put("online_cpus", u.onlineCpus());
        }
        Map<String, Object> throttling = new LinkedHashMap<>();
        throttling.put("periods", running ? or0(c.cpuPeriods()) : 0);
        throttling.put("throttled_periods", running ? or0(c.cpuThrottledPeriods()) : 0);
        throttling.put("throttled_time", running ? or0(c.cpuThrottledTime()) : 0);
        m.put("throttling_data", throttling);
        return m;
    }

    private static Map<String, Object> memory(Stats st) {
        Map<String, Object> m = new LinkedHashMap<>();
        CgroupStats c = st.cgroup();
        if (c == null) {
            return m;
        }
        boolean v1 = st.cgroupVersion() == 1;
        m.put("usage", or0(c.memoryUsage()));
        if (v1) {
            m.put("max_usage", or0(c.memoryMaxUsage()));
        }
        Map<String, Object> stats = new LinkedHashMap<>();
        // the keys docker's CLI looks for: total_inactive_file on v1, inactive_file on v2
        if (v1) {
            stats.put("total_inactive_file", or0(c.inactiveFile()));
            stats.put("total_cache", or0(c.cache()));
            stats.put("total_rss", or0(c.rss()));
        } else {
            stats.put("inactive_file", or0(c.inactiveFile()));
            stats.put("file", or0(c.cache()));
            stats.put("anon", or0(c.rss()));
        }
        m.put("stats", stats);
        if (v1) {
            m.put("failcnt", or0(c.memoryFailcnt()));
        }
        m.put("limit", st.usage().memoryLimit());
        return m;
    }

    /**
     * The bytes read and written, summed over the devices (the engine keeps no per-device
     * counts): one entry per op, with device 0:0.
     */
    private static Map<String, Object> blkio(Stats st) {
        Map<String, Object> m = new LinkedHashMap<>();
        CgroupStats c = st.cgroup();
        List<Object> bytes = null;
        if (c != null && (c.ioReadBytes() != null || c.ioWriteBytes() != null)) {
            boolean v1 = st.cgroupVersion() == 1;
            bytes = List.of(entry(v1 ? "Read" : "read", or0(c.ioReadBytes())),
                entry(v1 ? "Write" : "write", or0(c.ioWriteBytes())));
        }
        m.put("io_service_bytes_recursive", bytes);
        m.put("io_serviced_recursive", null);
        m.put("io_queue_recursive", null);
        m.put("io_service_time_recursive", null);
        m.put("io_wait_time_recursive", null);
        m.put("io_merged_recursive", null);
        m.put("io_time_recursive", null);
        m.put("sectors_recursive", null);
        return m;
    }

    private static Map<String, Object> entry(String op, long value) {
        Map<String, Object> e = new LinkedHashMap<>();
        e.put("major", 0);
        e.put("minor", 0);
        e.put("op", op);
        e.put("value", value);
        return e;
    }

    private static long or0(Long v) {
        return v == null ? 0 : v;
    }
}
