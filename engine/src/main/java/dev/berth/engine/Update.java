package dev.berth.engine;

import dev.berth.runtime.cgroup.Cgroup;
import dev.berth.runtime.cgroup.CgroupException;
import dev.berth.runtime.cgroup.Cgroups;
import dev.berth.runtime.cgroup.Resources;
import dev.berth.runtime.json.Json;
import java.io.IOException;
import java.util.List;
import java.util.Map;

/**
 * docker update: new limits merged into what the container has, checked as run checks them,
 * written to its cgroup (while it runs) and to its HostConfig, so that inspect shows them.
 */
final class Update {
    private Update() {}

    static List<String> apply(Engine engine, String ref, UpdateRequest r) throws EngineException {
        String id = engine.resolve(ref);
        try (var lock = engine.store().lock(id)) {
            Map<String, Object> s = engine.load(id);
            if (s == null) {
                throw new EngineException.NotFound("no such container: " + ref);
            }
            String name = Inspect.name(s);
            Map<String, Object> host = Json.map(s, "HostConfig");
            Limits merged = merge(host, r.limits);
            merged.check();
            Resources changes = changes(r.limits, merged);
            try {
                changes.validate();
            } catch (CgroupException e) {
                throw new EngineException.InvalidArgument("cannot update container " + name + ": " + e.getMessage());
            }
            List<String> warnings = List.of();
            try {
                // a stopped container has no processes to limit: its HostConfig is all there is
                if (Inspect.isRunning(s)) {
                    Cgroup cgroup = Cgroups.detect().open(Engine.cgroupPath(s));
                    cgroup.update(changes);
                    warnings = cgroup.unsupported();
                }
            } catch (CgroupException e) {
                throw new EngineException.SystemFailure("cannot update container " + name + ": " + e.getMessage(), e);
            }
            record(host, r.limits);
            engine.store().write(id, s, !Inspect.autoRemove(s));
            RequestFile.limits(engine.store().dir(id), merged); // what the next start applies
            Events.container(engine, s, "update"); // dockerd's, after a successful update
            return warnings;
        } catch (IOException e) {
            throw new EngineException.SystemFailure("cannot update container " + ref + ": " + e.getMessage(), e);
        }
    }

    /**
     * The limits the container will have: those it has (from its HostConfig, where 0 and "" are
     * unset), with the given ones on top. A memory limit above the swap limit the container
     * already has needs a new swap limit too, as docker says.
     */
    static Limits merge(Map<String, Object> host, Limits given) throws EngineException {
        Limits m = new Limits();
        m.memory = positive(host.get("Memory"));
        m.memorySwap = nonZero(host.get("MemorySwap"));
        m.memoryReservation = positive(host.get("MemoryReservation"));
        Long nano = positive(host.get("NanoCpus"));
        m.cpus = nano == null ? null : nano / 1e9;
        m.cpuShares = positive(host.get("CpuShares"));
        m.cpusetCpus = text(host.get("CpusetCpus"));
        m.cpusetMems = text(host.get("CpusetMems"));
        m.pidsLimit = nonZero(host.get("PidsLimit"));
        if (given.memory != null && given.memorySwap == null && m.memorySwap != null && m.memorySwap > 0
                && given.memory > m.memorySwap) {
            throw new EngineException.InvalidArgument("memory limit should be smaller than already set memoryswap"
                + " limit (" + m.memorySwap + " bytes), update the memoryswap at the same time: add --memory-swap"
                + " (-1 for unlimited swap)");
        }
        m.memory = given.memory != null ? given.memory : m.memory;
        m.memorySwap = given.memorySwap != null ? given.memorySwap : m.memorySwap;
        m.memoryReservation = given.memoryReservation != null ? given.memoryReservation : m.memoryReservation;
        m.cpus = given.cpus != null ? given.cpus : m.cpus;
        m.cpuShares = given.cpuShares != null ? given.cpuShares : m.cpuShares;
        m.cpusetCpus = given.cpusetCpus != null ? given.cpusetCpus : m.cpusetCpus;
        m.cpusetMems = given.cpusetMems != null ? given.cpusetMems : m.cpusetMems;
        m.pidsLimit = given.pidsLimit != null ? given.pidsLimit : m.pidsLimit;
        return m;
    }

    /**
     * What the cgroup gets: only the given limits, except that a new memory limit takes the swap
     * limit along, so that memory plus swap keeps its meaning on cgroup v2 too, where swap is
     * written as swap alone (memory.swap.max).
     */
    static Resources changes(Limits given, Limits merged) {
        Resources.Memory mem = null;
        if (given.memory != null || given.memorySwap != null || given.memoryReservation != null) {
            Long swap = given.memorySwap != null ? given.memorySwap : given.memory != null ? merged.memorySwap : null;
            mem = new Resources.Memory(given.memory, given.memoryReservation, swap, null, null, null, null, null, null);
        }
        return new Resources(mem, given.cpu(), given.pids(), null, null, null, null, null, null);
    }

    /** The given limits into HostConfig, in the fields and units run records them in. */
    static void record(Map<String, Object> host, Limits given) {
        if (given.memory != null) {
            host.put("Memory", given.memory);
        }
        if (given.memorySwap != null) {
            host.put("MemorySwap", given.memorySwap);
        }
        if (given.memoryReservation != null) {
            host.put("MemoryReservation", given.memoryReservation);
        }
        if (given.cpus != null) {
            host.put("NanoCpus", Math.round(given.cpus * 1e9));
        }
        if (given.cpuShares != null) {
            host.put("CpuShares", given.cpuShares);
        }
        if (given.cpusetCpus != null) {
            host.put("CpusetCpus", given.cpusetCpus);
        }
        if (given.cpusetMems != null) {
            host.put("CpusetMems", given.cpusetMems);
        }
        if (given.pidsLimit != null) {
            host.put("PidsLimit", given.pidsLimit);
        }
    }

    private static Long positive(Object o) {
        return o instanceof Number n && n.longValue() > 0 ? n.longValue() : null;
    }

    private static Long nonZero(Object o) {
        return o instanceof Number n && n.longValue() != 0 ? n.longValue() : null;
    }

    private static String text(Object o) {
        return o instanceof String t && !t.isEmpty() ? t : null;
    }
}
