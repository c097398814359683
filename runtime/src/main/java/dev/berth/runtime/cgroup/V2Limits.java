package dev.berth.runtime.cgroup;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** {@link Resources} as cgroup v2 file writes, converted from the OCI (v1) units. */
final class V2Limits {
    private V2Limits() {}

    /** The controllers the limits need enabled in the parent; {@code cpu} for cpu.weight, etc. */
    static Set<String> controllers(Resources r) {
        Set<String> out = new LinkedHashSet<>();
        Resources.Memory m = r.memory();
        if (m != null && (m.limit() != null || m.reservation() != null || m.swap() != null)) {
            out.add("memory");
        }
        Resources.Cpu c = r.cpu();
        if (c != null) {
            if ((c.shares() != null && c.shares() != 0) || c.quota() != null || c.period() != null
                    || c.burst() != null || c.idle() != null) {
                out.add("cpu");
            }
            if (!empty(c.cpus()) || !empty(c.mems())) {
                out.add("cpuset");
            }
        }
        if (r.pids() != null && r.pids().limit() != null) {
            out.add("pids");
        }
        Resources.BlockIo b = r.blockIO();
        if (b != null && ((b.weight() != null && b.weight() != 0) || b.weightDevice() != null
                || b.throttleReadBpsDevice() != null || b.throttleWriteBpsDevice() != null
                || b.throttleReadIOPSDevice() != null || b.throttleWriteIOPSDevice() != null)) {
            out.add("io");
        }
        if (r.hugepageLimits() != null && !r.hugepageLimits().isEmpty()) {
            out.add("hugetlb");
        }
        if (r.rdma() != null && !r.rdma().isEmpty()) {
            out.add("rdma");
        }
        if (r.unified() != null) {
            for (String key : r.unified().keySet()) {
                String controller = key.substring(0, key.indexOf('.'));
                if (!controller.equals("cgroup")) {
                    out.add(controller);
                }
            }
        }
        return out;
    }

    /**
     * The writes for {@code r} in {@code dir}, in order. Reads {@code memory.max} when swap is set
     * without a memory limit, and looks for {@code io.bfq.weight}; adds to {@code unsupported}
     * what v2 cannot express.
     */
    static List<Fs.Write> plan(Resources r, Path dir, List<String> unsupported) throws CgroupException {
        List<Fs.Write> w = new ArrayList<>();
        if (r.memory() != null) {
            memory(r.memory(), dir, w, unsupported);
        }
        if (r.cpu() != null) {
            cpu(r.cpu(), dir, w);
        }
        if (r.pids() != null && r.pids().limit() != null) {
            w.add(new Fs.Write(dir.resolve("pids.max"), Convert.max(r.pids().limit())));
        }
        if (r.blockIO() != null) {
            io(r.blockIO(), dir, w, unsupported);
        }
        if (r.hugepageLimits() != null) {
            for (Resources.HugepageLimit h : r.hugepageLimits()) {
                String v = Convert.max(h.limit());
                w.add(new Fs.Write(dir.resolve("hugetlb." + h.pageSize() + ".max"), v));
                // the reservation limit (Linux 5.7) also caps pages reserved but not yet faulted in
                Path rsvd = dir.resolve("hugetlb." + h.pageSize() + ".rsvd.max");
                if (Fs.exists(rsvd)) {
                    w.add(new Fs.Write(rsvd, v));
                }
            }
        }
        if (r.rdma() != null) {
            for (Map.Entry<String, Resources.Rdma> e : r.rdma().entrySet()) {
                w.add(new Fs.Write(dir.resolve("rdma.max"), rdma(e.getKey(), e.getValue())));
            }
        }
        if (r.network() != null) {
            unsupported.add("network classID and priorities are ignored: cgroup v2 has no net_cls or net_prio");
        }
        if (r.unified() != null) {
            for (Map.Entry<String, String> e : r.unified().entrySet()) {
                w.add(new Fs.Write(dir.resolve(e.getKey()), e.getValue()));
            }
        }
        return w;
    }

    private static void memory(Resources.Memory m, Path dir, List<Fs.Write> w, List<String> unsupported)
            throws CgroupException {
        if (m.limit() != null) {
            w.add(new Fs.Write(dir.resolve("memory.max"), Convert.max(m.limit())));
        }
        if (m.reservation() != null) {
            w.add(new Fs.Write(dir.resolve("memory.low"), m.reservation() == -1 ? "0" : m.reservation().toString()));
        }
        Path swapMax = dir.resolve("memory.swap.max");
        if (m.swap() != null || (m.limit() != null && m.limit() == -1 && Fs.exists(swapMax))) {
            long memory = m.limit() != null ? m.limit() : current(dir.resolve("memory.max"));
            long swap = Convert.swapV2(m.swap() == null ? 0 : m.swap(), memory);
            if (swap != 0 || (m.swap() != null && m.swap() != 0)) {
                w.add(new Fs.Write(swapMax, Convert.max(swap)));
            }
        }
        if (m.kernel() != null) {
            unsupported.add("memory.kernel is ignored: the kernel no longer limits kernel memory separately");
        }
        if (m.kernelTCP() != null) {
            unsupported.add("memory.kernelTCP is ignored: cgroup v2 counts TCP buffers in memory.max");
        }
        if (m.swappiness() != null && m.swappiness() != -1) {
            unsupported.add("memory.swappiness is ignored: cgroup v2 has no per-cgroup swappiness");
        }
        if (Boolean.TRUE.equals(m.disableOOMKiller())) {
            unsupported.add("memory.disableOOMKiller is ignored: cgroup v2 cannot turn the OOM killer off");
        }
        if (Boolean.FALSE.equals(m.useHierarchy())) {
            unsupported.add("memory.useHierarchy false is ignored: cgroup v2 is always hierarchical");
        }
    }

    private static void cpu(Resources.Cpu c, Path dir, List<Fs.Write> w) {
        if (c.shares() != null && c.shares() != 0) {
            w.add(new Fs.Write(dir.resolve("cpu.weight"), Long.toString(Convert.cpuWeight(c.shares()))));
        }
        if (c.quota() != null || c.period() != null) {
            // one file for both; "max" alone keeps the period, "max P" sets it
            String v = c.quota() == null || c.quota() == -1 ? "max" : c.quota().toString();
            if (c.period() != null) {
                v = v + " " + c.period();
            }
            w.add(new Fs.Write(dir.resolve("cpu.max"), v));
        }
        if (c.burst() != null) {
            w.add(new Fs.Write(dir.resolve("cpu.max.burst"), c.burst().toString()));
        }
        if (c.idle() != null) {
            w.add(new Fs.Write(dir.resolve("cpu.idle"), c.idle().toString()));
        }
        if (!empty(c.cpus())) {
            w.add(new Fs.Write(dir.resolve("cpuset.cpus"), c.cpus()));
        }
        if (!empty(c.mems())) {
            w.add(new Fs.Write(dir.resolve("cpuset.mems"), c.mems()));
        }
    }

    private static void io(Resources.BlockIo b, Path dir, List<Fs.Write> w, List<String> unsupported) {
        // BFQ keeps blkio's 1..1000 scale in io.bfq.weight; without BFQ, io.weight is 1..10000
        Path bfq = dir.resolve("io.bfq.weight");
        boolean useBfq = Fs.exists(bfq);
        if (b.weight() != null && b.weight() != 0) {
            w.add(useBfq
                ? new Fs.Write(bfq, b.weight().toString())
                : new Fs.Write(dir.resolve("io.weight"), "default " + Convert.ioWeight(b.weight())));
        }
        if (b.leafWeight() != null) {
            unsupported.add("blockIO.leafWeight is ignored: cgroup v2 has no leaf weights");
        }
        if (b.weightDevice() != null) {
            for (Resources.WeightDevice d : b.weightDevice()) {
                String dev = d.major() + ":" + d.minor() + " ";
                if (d.weight() != null && d.weight() != 0) {
                    w.add(useBfq
                        ? new Fs.Write(bfq, dev + d.weight())
                        : new Fs.Write(dir.resolve("io.weight"), dev + Convert.ioWeight(d.weight())));
                }
                if (d.leafWeight() != null) {
                    unsupported.add("blockIO.weightDevice leafWeight is ignored: cgroup v2 has no leaf weights");
                }
            }
        }
        throttle(b.throttleReadBpsDevice(), "rbps", dir, w);
        throttle(b.throttleWriteBpsDevice(), "wbps", dir, w);
        throttle(b.throttleReadIOPSDevice(), "riops", dir, w);
        throttle(b.throttleWriteIOPSDevice(), "wiops", dir, w);
    }

    /** A rate of 0 removes a v1 throttle rule; on v2 that is "max". */
    private static void throttle(List<Resources.ThrottleDevice> list, String key, Path dir, List<Fs.Write> w) {
        if (list == null) {
            return;
        }
        for (Resources.ThrottleDevice d : list) {
            String rate = d.rate() == 0 ? "max" : Long.toString(d.rate());
            w.add(new Fs.Write(dir.resolve("io.max"), d.major() + ":" + d.minor() + " " + key + "=" + rate));
        }
    }

    static String rdma(String device, Resources.Rdma r) {
        return device + " hca_handle=" + (r.hcaHandles() == null ? "max" : r.hcaHandles().toString())
            + " hca_object=" + (r.hcaObjects() == null ? "max" : r.hcaObjects().toString());
    }

    private static long current(Path file) throws CgroupException {
        String s = Fs.readRequired(file);
        try {
            return Convert.parseMax(s);
        } catch (NumberFormatException e) {
            throw new CgroupException("cannot read " + file + ": \"" + s.strip() + "\" is not a number");
        }
    }

    private static boolean empty(String s) {
        return s == null || s.isBlank();
    }
}
