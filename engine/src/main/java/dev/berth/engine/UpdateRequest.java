package dev.berth.engine;

/**
 * New limits for {@link Engine#update}: only what is set here changes, the rest stays as the
 * container has it (docker update).
 *
 * <pre>{@code
 * engine.update("web", new UpdateRequest().memory(256L << 20).memorySwap(-1).pidsLimit(100));
 * }</pre>
 */
public final class UpdateRequest implements ResourceLimits {
    final Limits limits = new Limits();

    /** True when no limit was set: there is nothing to update. */
    public boolean isEmpty() {
        return limits.isEmpty();
    }

    @Override
    public UpdateRequest memory(long bytes) {
        limits.memory = bytes;
        return this;
    }

    @Override
    public UpdateRequest memorySwap(long bytes) {
        limits.memorySwap = bytes;
        return this;
    }

    @Override
    public UpdateRequest memoryReservation(long bytes) {
        limits.memoryReservation = bytes;
        return this;
    }

    @Override
    public UpdateRequest cpus(double cpus) {
        limits.cpus = cpus;
        return this;
    }

    @Override
    public UpdateRequest cpuShares(long shares) {
        limits.cpuShares = shares;
        return this;
    }

    @Override
    public UpdateRequest cpusetCpus(String cpus) {
        limits.cpusetCpus = cpus;
        return this;
    }

    @Override
    public UpdateRequest cpusetMems(String mems) {
        limits.cpusetMems = mems;
        return this;
    }

    @Override
    public UpdateRequest pidsLimit(long limit) {
        limits.pidsLimit = limit;
        return this;
    }
}
