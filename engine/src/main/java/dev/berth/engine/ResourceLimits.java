package dev.berth.engine;

/**
 * docker's resource flags, set the same way on a {@link ContainerRequest} (berth run) and an
 * {@link UpdateRequest} (berth update), so that one parser serves both.
 */
public interface ResourceLimits {
    /** --memory, in bytes. */
    ResourceLimits memory(long bytes);

    /** --memory-swap: memory plus swap, in bytes; -1 for unlimited swap. */
    ResourceLimits memorySwap(long bytes);

    /** --memory-reservation, in bytes. */
    ResourceLimits memoryReservation(long bytes);

    /** --cpus: how many CPUs' worth of time, e.g. 1.5. */
    ResourceLimits cpus(double cpus);

    /** --cpu-shares: relative weight, 2 to 262144. */
    ResourceLimits cpuShares(long shares);

    /** --cpuset-cpus, e.g. {@code 0-2,4}. */
    ResourceLimits cpusetCpus(String cpus);

    /** --cpuset-mems. */
    ResourceLimits cpusetMems(String mems);

    /** --pids-limit; 0 or -1 for none. */
    ResourceLimits pidsLimit(long limit);
}
