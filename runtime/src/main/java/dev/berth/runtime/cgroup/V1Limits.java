package dev.berth.runtime.cgroup;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * {@link Resources} as cgroup v1 file writes. OCI's units are v1's, so this is mostly naming;
 * what is not is the order of writes the kernel insists on (memory before or after memsw).
 *
 * <p>{@code dirs} maps each controller to the cgroup's directory in its hierarchy; co-mounted
 * controllers ({@code cpu,cpuacct}) share one.
 */
final class V1Limits {
    private V1Limits() {}

    /** Refuses limits whose controller has no hierarchy, before anything is made. */
    static void require(Resources r, Map<String, Path> dirs) throws CgroupException {
        Resources.Memory m = r.memory();
        if (m != null && (m.limit() != null || m.reservation() != null || m.swap() != null || m.kernelTCP() != null
                || m.swappiness() != null || m.disableOOMKiller() != null || m.useHierarchy() != null)) {
            need(dirs, "memory", "memory");
        }
        Resources.Cpu c = r.cpu();
        if (c != null) {
            if ((c.shares() != null && c.shares() != 0) || c.quota() != null || c.period() != null
                    || c.burst() != null || c.realtimeRuntime() != null || c.realtimePeriod() != null
                    || c.idle() != null) {
                need(dirs, "cpu", "cpu");
            }
            if (!blank(c.cpus()) || !blank(c.mems())) {
                need(dirs, "cpuset", "cpu.cpus and cpu.mems");
            }
        }
        if (r.pids() != null && r.pids().limit() != null) {
            need(dirs, "pids", "pids");
        }
        if (r.blockIO() != null) {
            need(dirs, "blkio", "blockIO");
        }
        if (r.hugepageLimits() != null && !r.hugepageLimits().isEmpty()) {
            need(dirs, "hugetlb", "hugepageLimits");
        }
        if (r.rdma() != null && !r.rdma().isEmpty()) {
            need(dirs, "rdma", "rdma");
        }
        if (r.devices() != null) {
            need(dirs, "devices", "devices");
        }
    }

    private static void need(Map<String, Path> dirs, String controller, String field) throws CgroupException {
        if (!dirs.containsKey(controller)) {
            throw new CgroupException("linux.resources." + field + " needs the " + controller
                + " cgroup controller, which no cgroup v1 hierarchy of this host has");
        }
    }

    static List<Fs.Write> plan(Resources r, Map<String, Path> dirs, List<String> unsupported) {
        List<Fs.Write> w = new ArrayList<>();
        if (r.devices() != null) {
            devices(r.devices(), dirs.get("devices"), w);
        }
        Resources.Cpu c = r.cpu();
        if (c != null && !blank(c.cpus())) {
            w.add(new Fs.Write(dirs.get("cpuset").resolve("cpuset.cpus"), c.cpus()));
        }
        if (c != null && !blank(c.mems())) {
            w.add(new Fs.Write(dirs.get("cpuset").resolve("cpuset.mems"), c.mems()));
        }
        if (r.memory() != null) {
            memory(r.memory(), dirs.get("memory"), w, unsupported);
        }
        if (c != null) {
            cpu(c, dirs.get("cpu"), w);
        }
        if (r.pids() != null && r.pids().limit() != null) {
            w.add(new Fs.Write(dirs.get("pids").resolve("pids.max"), Convert.max(r.pids().limit())));
        }
        if (r.blockIO() != null) {
            blkio(r.blockIO(), dirs.get("blkio"), w, unsupported);
        }
        if (r.hugepageLimits() != null) {
            for (Resources.HugepageLimit h : r.hugepageLimits()) {
                Path d = dirs.get("hugetlb");
                String v = Long.toString(h.limit());
                w.add(new Fs.Write(d.resolve("hugetlb." + h.pageSize() + ".limit_in_bytes"), v));
                Path rsvd = d.resolve("hugetlb." + h.pageSize() + ".rsvd.limit_in_bytes");
                if (Fs.exists(rsvd)) {
                    w.add(new Fs.Write(rsvd, v));
                }
            }
        }
        if (r.rdma() != null) {
            for (Map.Entry<String, Resources.Rdma> e : r.rdma().entrySet()) {
                w.add(new Fs.Write(dirs.get("rdma").resolve("rdma.max"), V2Limits.rdma(e.getKey(), e.getValue())));
            }
        }
        if (r.network() != null) {
            network(r.network(), dirs, w, unsupported);
        }
        return w;
    }

    /** Deny everything first, then the rules in order: the spec's list is a default-deny list. */
    private static void devices(List<Resources.DeviceRule> rules, Path d, List<Fs.Write> w) {
        w.add(new Fs.Write(d.resolve("devices.deny"), "a"));
        for (Resources.DeviceRule rule : rules) {
            w.add(new Fs.Write(d.resolve(rule.allow() ? "devices.allow" : "devices.deny"), line(rule)));
        }
    }

    /** {@code c 1:3 rwm}; type a is "all devices" to the kernel whatever follows, so just {@code a}. */
    static String line(Resources.DeviceRule rule) {
        String type = rule.type() == null ? "a" : rule.type();
        if (type.equals("a")) {
            return "a";
        }
        return type + " " + wildcard(rule.major()) + ":" + wildcard(rule.minor()) + " "
            + (rule.access() == null ? "rwm" : rule.access());
    }

    private static String wildcard(Long n) {
        return n == null || n == -1 ? "*" : n.toString();
    }

    private static void memory(Resources.Memory m, Path d, List<Fs.Write> w, List<String> unsupported) {
        Long limit = m.limit();
        Long swap = m.swap() != null && m.swap() == 0 ? null : m.swap();
        Path memsw = d.resolve("memory.memsw.limit_in_bytes");
        boolean accounted = Fs.exists(memsw);
        if (limit != null && limit == -1 && swap == null && accounted) {
            // memsw below an unlimited memory limit would still cap memory: lift both
            swap = -1L;
        }
        if (swap != null && !accounted) {
            unsupported.add("memory.swap is ignored: this kernel does not account swap (boot with swapaccount=1)");
            swap = null;
        }
        Fs.Write mem = limit == null ? null : new Fs.Write(d.resolve("memory.limit_in_bytes"), limit.toString());
        Fs.Write sw = swap == null ? null : new Fs.Write(memsw, swap.toString());
        // the kernel keeps memory <= memsw at every step: raising goes memsw first, lowering memory first
        Long current = Fs.number(d.resolve("memory.limit_in_bytes"));
        if (mem != null && sw != null && (swap == -1 || (current != null && current != -1 && current < swap))) {
            w.add(sw);
            w.add(mem);
        } else {
            add(w, mem);
            add(w, sw);
        }
        if (m.reservation() != null) {
            w.add(new Fs.Write(d.resolve("memory.soft_limit_in_bytes"), m.reservation().toString()));
        }
        if (m.kernel() != null) {
            unsupported.add("memory.kernel is ignored: the kernel no longer limits kernel memory separately");
        }
        if (m.kernelTCP() != null) {
            w.add(new Fs.Write(d.resolve("memory.kmem.tcp.limit_in_bytes"), m.kernelTCP().toString()));
        }
        if (m.swappiness() != null && m.swappiness() != -1) {
            w.add(new Fs.Write(d.resolve("memory.swappiness"), m.swappiness().toString()));
        }
        if (m.disableOOMKiller() != null) {
            w.add(new Fs.Write(d.resolve("memory.oom_control"), m.disableOOMKiller() ? "1" : "0"));
        }
        if (m.useHierarchy() != null) {
            w.add(new Fs.Write(d.resolve("memory.use_hierarchy"), m.useHierarchy() ? "1" : "0"));
        }
    }

    private static void cpu(Resources.Cpu c, Path d, List<Fs.Write> w) {
        if (c.shares() != null && c.shares() != 0) {
            w.add(new Fs.Write(d.resolve("cpu.shares"), c.shares().toString()));
        }
        Fs.Write period = c.period() == null ? null : new Fs.Write(d.resolve("cpu.cfs_period_us"), c.period().toString());
        Fs.Write quota = c.quota() == null ? null : new Fs.Write(d.resolve("cpu.cfs_quota_us"), c.quota().toString());
        // a parent's quota caps the child's quota/period ratio at every step: when the quota goes
        // down, lower it before the period shrinks
        Long current = Fs.number(d.resolve("cpu.cfs_quota_us"));
        if (quota != null && c.quota() != -1 && current != null && current != -1 && c.quota() < current) {
            w.add(quota);
            add(w, period);
        } else {
            add(w, period);
            add(w, quota);
        }
        if (c.burst() != null) {
            w.add(new Fs.Write(d.resolve("cpu.cfs_burst_us"), c.burst().toString()));
        }
        // the runtime must fit the period, so the period goes first
        if (c.realtimePeriod() != null) {
            w.add(new Fs.Write(d.resolve("cpu.rt_period_us"), c.realtimePeriod().toString()));
        }
        if (c.realtimeRuntime() != null) {
            w.add(new Fs.Write(d.resolve("cpu.rt_runtime_us"), c.realtimeRuntime().toString()));
        }
        if (c.idle() != null) {
            w.add(new Fs.Write(d.resolve("cpu.idle"), c.idle().toString()));
        }
    }

    private static void blkio(Resources.BlockIo b, Path d, List<Fs.Write> w, List<String> unsupported) {
        // CFQ's blkio.weight is gone since Linux 5.0; BFQ names its own
        String prefix = Fs.exists(d.resolve("blkio.weight")) ? "blkio." : "blkio.bfq.";
        if (b.weight() != null && b.weight() != 0) {
            w.add(new Fs.Write(d.resolve(prefix + "weight"), b.weight().toString()));
        }
        Path leaf = d.resolve("blkio.leaf_weight");
        boolean leaves = Fs.exists(leaf);
        if (b.leafWeight() != null) {
            if (leaves) {
                w.add(new Fs.Write(leaf, b.leafWeight().toString()));
            } else {
                unsupported.add("blockIO.leafWeight is ignored: this kernel has no blkio.leaf_weight (CFQ is gone)");
            }
        }
        if (b.weightDevice() != null) {
            for (Resources.WeightDevice dev : b.weightDevice()) {
                String id = dev.major() + ":" + dev.minor() + " ";
                if (dev.weight() != null && dev.weight() != 0) {
                    w.add(new Fs.Write(d.resolve(prefix + "weight_device"), id + dev.weight()));
                }
                if (dev.leafWeight() != null) {
                    if (leaves) {
                        w.add(new Fs.Write(d.resolve("blkio.leaf_weight_device"), id + dev.leafWeight()));
                    } else {
                        unsupported.add("blockIO.weightDevice leafWeight is ignored: this kernel has no leaf weights");
                    }
                }
            }
        }
        throttle(b.throttleReadBpsDevice(), d.resolve("blkio.throttle.read_bps_device"), w);
        throttle(b.throttleWriteBpsDevice(), d.resolve("blkio.throttle.write_bps_device"), w);
        throttle(b.throttleReadIOPSDevice(), d.resolve("blkio.throttle.read_iops_device"), w);
        throttle(b.throttleWriteIOPSDevice(), d.resolve("blkio.throttle.write_iops_device"), w);
    }

    private static void throttle(List<Resources.ThrottleDevice> list, Path file, List<Fs.Write> w) {
        if (list != null) {
            for (Resources.ThrottleDevice t : list) {
                w.add(new Fs.Write(file, t.major() + ":" + t.minor() + " " + t.rate()));
            }
        }
    }

    private static void network(Resources.Network n, Map<String, Path> dirs, List<Fs.Write> w,
            List<String> unsupported) {
        if (n.classID() != null) {
            Path d = dirs.get("net_cls");
            if (d == null) {
                unsupported.add("network.classID is ignored: the net_cls controller is not mounted");
            } else {
                w.add(new Fs.Write(d.resolve("net_cls.classid"), n.classID().toString()));
            }
        }
        if (n.priorities() != null && !n.priorities().isEmpty()) {
            Path d = dirs.get("net_prio");
            if (d == null) {
                unsupported.add("network.priorities are ignored: the net_prio controller is not mounted");
            } else {
                for (Resources.Priority p : n.priorities()) {
                    w.add(new Fs.Write(d.resolve("net_prio.ifpriomap"), p.name() + " " + p.priority()));
                }
            }
        }
    }

    private static void add(List<Fs.Write> w, Fs.Write x) {
        if (x != null) {
            w.add(x);
        }
    }

    private static boolean blank(String s) {
        return s == null || s.isBlank();
    }
}
