package dev.berth.runtime.cgroup;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The limits of one cgroup, shaped like OCI runtime-spec 1.2 {@code linux.resources}. Every
 * field is nullable: null means "leave the kernel's value alone", so the same record serves for
 * create and for update. Values keep the spec's units and cgroup v1 meanings (shares, memory+swap,
 * blkio weights); each driver converts them for its hierarchy (see {@link Convert}).
 *
 * @param unified cgroup v2 file name to value, written last and as given (v2 only)
 * @param rdma device name (e.g. {@code mlx5_1}) to its limits
 */
public record Resources(
    Memory memory,
    Cpu cpu,
    Pids pids,
    BlockIo blockIO,
    List<HugepageLimit> hugepageLimits,
    List<DeviceRule> devices,
    Network network,
    Map<String, Rdma> rdma,
    Map<String, String> unified) {

    /** No limits at all: a cgroup that only groups processes. */
    public static final Resources NONE = new Resources(null, null, null, null, null, null, null, null, null);

    public Resources {
        hugepageLimits = hugepageLimits == null ? null : List.copyOf(hugepageLimits);
        devices = devices == null ? null : List.copyOf(devices);
        rdma = rdma == null ? null : Collections.unmodifiableMap(new LinkedHashMap<>(rdma));
        unified = unified == null ? null : Collections.unmodifiableMap(new LinkedHashMap<>(unified));
    }

    /**
     * @param limit bytes, -1 for no limit
     * @param reservation soft limit in bytes (v1 soft_limit_in_bytes, v2 memory.low)
     * @param swap memory plus swap in bytes, as on cgroup v1; -1 for no limit, 0 for unset
     * @param kernel ignored: recent kernels no longer limit kernel memory on its own (deprecated since 5.4)
     * @param swappiness 0 to 100; -1 leaves it alone
     * @param checkBeforeUpdate on update, refuse a limit below the current usage
     */
    public record Memory(
        Long limit,
        Long reservation,
        Long swap,
        Long kernel,
        Long kernelTCP,
        Long swappiness,
        Boolean disableOOMKiller,
        Boolean useHierarchy,
        Boolean checkBeforeUpdate) {}

    /**
     * @param shares relative weight, 2 to 262144 (0: unset)
     * @param quota microseconds per period, -1 for no limit
     * @param period microseconds, 1000 to 1000000
     * @param cpus {@code cpuset.cpus} syntax, e.g. {@code 0-3,6}
     * @param idle 1 puts the cgroup in SCHED_IDLE
     */
    public record Cpu(
        Long shares,
        Long quota,
        Long burst,
        Long period,
        Long realtimeRuntime,
        Long realtimePeriod,
        String cpus,
        String mems,
        Long idle) {}

    /** @param limit maximum number of tasks; -1 for no limit (0 is a real limit: no new task) */
    public record Pids(Long limit) {}

    /** Weights are blkio's, 10 to 1000. */
    public record BlockIo(
        Integer weight,
        Integer leafWeight,
        List<WeightDevice> weightDevice,
        List<ThrottleDevice> throttleReadBpsDevice,
        List<ThrottleDevice> throttleWriteBpsDevice,
        List<ThrottleDevice> throttleReadIOPSDevice,
        List<ThrottleDevice> throttleWriteIOPSDevice) {

        public BlockIo {
            weightDevice = copy(weightDevice);
            throttleReadBpsDevice = copy(throttleReadBpsDevice);
            throttleWriteBpsDevice = copy(throttleWriteBpsDevice);
            throttleReadIOPSDevice = copy(throttleReadIOPSDevice);
            throttleWriteIOPSDevice = copy(throttleWriteIOPSDevice);
        }
    }

    public record WeightDevice(long major, long minor, Integer weight, Integer leafWeight) {}

    /** @param rate bytes or operations per second; 0 removes the limit */
    public record ThrottleDevice(long major, long minor, long rate) {}

    /** @param pageSize as the kernel names it in file names: {@code 2MB}, {@code 1GB}, {@code 64KB} */
    public record HugepageLimit(String pageSize, long limit) {}

    /**
     * One device cgroup rule. A null major or minor is a wildcard ({@code *}), a null type is
     * {@code a} (all), a null access is {@code rwm}.
     */
    public record DeviceRule(boolean allow, String type, Long major, Long minor, String access) {}

    public record Network(Long classID, List<Priority> priorities) {
        public Network {
            priorities = copy(priorities);
        }
    }

    public record Priority(String name, long priority) {}

    /** Null: no limit. */
    public record Rdma(Long hcaHandles, Long hcaObjects) {}

    /**
     * Reads {@code linux.resources} as {@link dev.berth.runtime.json.Json} returns it: numbers
     * must be JSON integers, strings strings; unknown fields are refused, since a limit that is
     * silently dropped is worse than an error. The result is {@link #validate() validated}.
     */
    public static Resources fromOci(Map<String, Object> resources) throws CgroupException {
        Resources r = OciResources.parse(resources);
        r.validate();
        return r;
    }

    /** Checks ranges and combinations that hold on any cgroup version. */
    public void validate() throws CgroupException {
        Checks.common(this);
    }

    private static <T> List<T> copy(List<T> list) {
        return list == null ? null : List.copyOf(list);
    }
}
