package dev.berth.runtime.cgroup;

import java.nio.file.Path;
import java.util.Map;

/** {@link CgroupStats} from the v1 hierarchies: memory, cpuacct, cpu, pids and blkio. */
final class V1Stats {
    /** cpuacct.stat counts USER_HZ ticks, 100 a second on every architecture Linux exports it for. */
    private static final long NANOS_PER_TICK = 10_000_000;

    private V1Stats() {}

    static CgroupStats read(Map<String, Path> dirs) {
        Path mem = dirs.get("memory");
        Long usage = null;
        Long limit = null;
        Long maxUsage = null;
        Long swap = null;
        Long cache = null;
        Long rss = null;
        Long failcnt = null;
        Long oomKills = null;
        Boolean underOom = null;
        Long inactiveFile = null;
        if (mem != null) {
            usage = Fs.number(mem.resolve("memory.usage_in_bytes"));
            limit = unlimited(Fs.number(mem.resolve("memory.limit_in_bytes")));
            maxUsage = Fs.number(mem.resolve("memory.max_usage_in_bytes"));
            Long memsw = Fs.number(mem.resolve("memory.memsw.usage_in_bytes"));
            swap = memsw == null || usage == null ? null : Math.max(0, memsw - usage);
            Map<String, Long> stat = Fs.keyed(mem.resolve("memory.stat"));
            // the total_ lines include the cgroups below, as v2's memory.stat does
            cache = either(stat, "total_cache", "cache");
            rss = either(stat, "total_rss", "rss");
            inactiveFile = either(stat, "total_inactive_file", "inactive_file");
            failcnt = Fs.number(mem.resolve("memory.failcnt"));
            Map<String, Long> oom = Fs.keyed(mem.resolve("memory.oom_control"));
            oomKills = oom.get("oom_kill");
            Long under = oom.get("under_oom");
            underOom = under == null ? null : under == 1;
        }
        Long cpuUsage = null;
        Long cpuUser = null;
        Long cpuSystem = null;
        Path acct = dirs.get("cpuacct");
        if (acct != null) {
            cpuUsage = Fs.number(acct.resolve("cpuacct.usage"));
            cpuUser = Fs.number(acct.resolve("cpuacct.usage_user"));
            cpuSystem = Fs.number(acct.resolve("cpuacct.usage_sys"));
            if (cpuUser == null || cpuSystem == null) {
                // kernels before 4.7 only have the tick counts
                Map<String, Long> ticks = Fs.keyed(acct.resolve("cpuacct.stat"));
                cpuUser = ticks.get("user") == null ? null : ticks.get("user") * NANOS_PER_TICK;
                cpuSystem = ticks.get("system") == null ? null : ticks.get("system") * NANOS_PER_TICK;
            }
        }
        Map<String, Long> cpu = dirs.get("cpu") == null ? Map.of() : Fs.keyed(dirs.get("cpu").resolve("cpu.stat"));
        Path pids = dirs.get("pids");
        long[] io = dirs.get("blkio") == null ? null : io(dirs.get("blkio"));
        return new CgroupStats(usage, limit, maxUsage, swap, cache, rss, failcnt, null, oomKills, underOom,
            cpuUsage, cpuUser, cpuSystem,
            cpu.get("nr_periods"), cpu.get("nr_throttled"), cpu.get("throttled_time"),
            pids == null ? null : Fs.number(pids.resolve("pids.current")),
            pids == null ? null : Fs.number(pids.resolve("pids.max")),
            io == null ? null : io[0], io == null ? null : io[1], inactiveFile);
    }

    /** v1 says "no limit" with the largest page-aligned counter, 0x7FFFFFFFFFFFF000 on 4K pages. */
    static Long unlimited(Long v) {
        return v != null && v >= (1L << 62) ? Long.valueOf(-1) : v;
    }

    private static Long either(Map<String, Long> m, String a, String b) {
        Long v = m.get(a);
        return v != null ? v : m.get(b);
    }

    /** Read and Write bytes over the device lines ({@code 8:0 Read 4096}) of the throttle stats. */
    static long[] io(Path blkio) {
        String s = Fs.read(blkio.resolve("blkio.throttle.io_service_bytes_recursive"));
        if (s == null) {
            s = Fs.read(blkio.resolve("blkio.throttle.io_service_bytes"));
        }
        if (s == null) {
            return null;
        }
        long[] out = new long[2];
        for (String line : s.split("\n")) {
            String[] f = line.split(" ");
            if (f.length != 3) {
                continue;
            }
            try {
                if (f[1].equals("Read")) {
                    out[0] += Long.parseLong(f[2]);
                } else if (f[1].equals("Write")) {
                    out[1] += Long.parseLong(f[2]);
                }
            } catch (NumberFormatException e) {
                // not a counter line
            }
        }
        return out;
    }
}
