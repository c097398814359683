package dev.berth.runtime.cgroup;

/**
 * A cgroup's usage, in bytes, nanoseconds and counts whatever the version. A null field is one
 * the kernel did not report (controller absent, file missing, older kernel); a limit of -1 is
 * "no limit".
 *
 * @param memoryMaxUsage v1 {@code max_usage_in_bytes}, v2 {@code memory.peak} (Linux 5.19)
 * @param swapUsage swap alone (v1: memsw usage minus memory usage)
 * @param cache page cache (v1 {@code total_cache}, v2 {@code file})
 * @param rss anonymous memory (v1 {@code total_rss}, v2 {@code anon})
 * @param memoryFailcnt times the limit was hit (v1 {@code failcnt}, v2 {@code memory.events max})
 * @param oomEvents times the OOM killer was invoked (v2 {@code oom}; v1 does not count them)
 * @param oomKills processes killed by the OOM killer
 * @param underOom v1 only: the cgroup is out of memory right now (OOM killer disabled)
 * @param cpuThrottledTime nanoseconds the cgroup waited for its quota
 * @param inactiveFile page cache the kernel may reclaim first (v1 {@code total_inactive_file}, v2
 *     {@code inactive_file}): docker's stats leave it out of the memory usage
 */
public record CgroupStats(
    Long memoryUsage,
    Long memoryLimit,
    Long memoryMaxUsage,
    Long swapUsage,
    Long cache,
    Long rss,
    Long memoryFailcnt,
    Long oomEvents,
    Long oomKills,
    Boolean underOom,
    Long cpuUsage,
    Long cpuUser,
    Long cpuSystem,
    Long cpuPeriods,
    Long cpuThrottledPeriods,
    Long cpuThrottledTime,
    Long pidsCurrent,
    Long pidsLimit,
    Long ioReadBytes,
    Long ioWriteBytes,
    Long inactiveFile) {}
