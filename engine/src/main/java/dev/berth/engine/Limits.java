package dev.berth.engine;

import dev.berth.runtime.cgroup.DefaultDevices;
import dev.berth.runtime.cgroup.Resources;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * docker's resource flags ({@code --memory}, {@code --cpus}, {@code --pids-limit}, ...) and its
 * device allow-list, as cgroup {@link Resources}.
 */
final class Limits {
    private static final long CPU_PERIOD = 100_000;

    Long memory;
    Long memorySwap;
    Long memoryReservation;
    Double cpus;
    Long cpuShares;
    String cpusetCpus;
    String cpusetMems;
    Long pidsLimit;

    /** What the cgroup of a new container holds, after {@link #check()}: docker run's defaults. */
    Resources resources(List<Resources.DeviceRule> devices) throws EngineException {
        check();
        Resources.Memory mem = memory == null && memoryReservation == null ? null
            : new Resources.Memory(memory, memoryReservation, memorySwap != null ? memorySwap
                : memory != null ? 2 * memory : null, null, null, null, null, null, null);
        Resources.Cpu cpu = cpu();
        Resources.Pids pids = pids();
        return new Resources(mem, cpu, pids, null, null, devices, null, null, null);
    }

    /**
     * docker's checks of the limits a container would have, with its messages: run checks the
     * flags, update the flags merged with what the container has.
     */
    void check() throws EngineException {
        if (memory != null && memory < 6 * 1024 * 1024) {
            throw new EngineException.InvalidArgument("minimum memory limit allowed is 6MB: raise --memory");
        }
        if (memorySwap != null && memorySwap != -1) {
            if (memory == null) {
                throw new EngineException.InvalidArgument("you should always set the memory limit when using"
                    + " the memoryswap limit: add --memory");
            }
            if (memorySwap < memory) {
                throw new EngineException.InvalidArgument("minimum memoryswap limit should be larger than"
                    + " memory limit, see usage: raise --memory-swap");
            }
        }
        if (cpus != null) {
            int online = Runtime.getRuntime().availableProcessors();
            if (cpus <= 0 || cpus > online) {
                throw new EngineException.InvalidArgument("range of CPUs is from 0.01 to " + online
                    + ".00, as there are only " + online + " CPUs available: lower --cpus");
            }
        }
    }

    /** --cpus as a CFS quota per docker's 100 ms period, shares and cpuset; null when none is set. */
    Resources.Cpu cpu() {
        if (cpus == null && cpuShares == null && cpusetCpus == null && cpusetMems == null) {
            return null;
        }
        Long quota = cpus == null ? null : Math.round(cpus * CPU_PERIOD);
        return new Resources.Cpu(cpuShares, quota, null, cpus == null ? null : CPU_PERIOD, null, null,
            cpusetCpus, cpusetMems, null);
    }

    /** docker's --pids-limit: 0 and below mean no limit. */
    Resources.Pids pids() {
        return pidsLimit == null ? null : new Resources.Pids(pidsLimit <= 0 ? -1 : pidsLimit);
    }

    /** No limit asked for (device rules aside). */
    boolean isEmpty() {
        return memory == null && memorySwap == null && memoryReservation == null && cpus == null
            && cpuShares == null && cpusetCpus == null && cpusetMems == null && pidsLimit == null;
    }

    /** docker's default device cgroup ({@link DefaultDevices}) and each --device asked for. */
    static List<Resources.DeviceRule> deviceRules(boolean privileged, List<String> devices) throws EngineException {
        List<Resources.DeviceRule> rules = new ArrayList<>();
        if (privileged) {
            rules.add(new Resources.DeviceRule(true, "a", null, null, "rwm"));
            return rules;
        }
        rules.addAll(DefaultDevices.rules());
        for (String spec : devices) {
            String[] parts = spec.split(":");
            String perms = parts.length > 2 ? parts[2] : parts.length == 2 && !parts[1].startsWith("/") ? parts[1] : "rwm";
            addDevice(rules, Path.of(parts[0]), perms);
        }
        return rules;
    }

    private static void addDevice(List<Resources.DeviceRule> rules, Path p, String perms) throws EngineException {
        try {
            if (Files.isDirectory(p)) {
                try (var s = Files.list(p)) {
                    for (Path child : s.toList()) {
                        addDevice(rules, child, perms);
                    }
                }
                return;
            }
            int mode = (Integer) Files.getAttribute(p, "unix:mode");
            long rdev = (Long) Files.getAttribute(p, "unix:rdev");
            int type = mode & 0170000;
            if (type != 0020000 && type != 0060000) {
                return;
            }
            long major = (rdev >>> 8) & 0xfff | (rdev >>> 32) & ~0xfffL;
            long minor = rdev & 0xff | (rdev >>> 12) & ~0xffL;
            rules.add(new Resources.DeviceRule(true, type == 0020000 ? "c" : "b", major, minor, perms));
        } catch (IOException | RuntimeException e) {
            throw new EngineException.InvalidArgument("cannot read the device " + p + ": " + e.getMessage());
        }
    }
}
