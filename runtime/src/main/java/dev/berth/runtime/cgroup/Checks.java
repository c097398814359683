package dev.berth.runtime.cgroup;

import java.util.List;
import java.util.Map;

/**
 * Validation of {@link Resources} before anything is written: ranges the kernel would reject
 * with a bare EINVAL, combinations it would accept but misread, and what one version lacks.
 */
final class Checks {
    private static final String AT = "linux.resources.";

    private Checks() {}

    static void common(Resources r) throws CgroupException {
        if (r.memory() != null) {
            memory(r.memory());
        }
        if (r.cpu() != null) {
            cpu(r.cpu());
        }
        if (r.pids() != null && r.pids().limit() != null && r.pids().limit() < -1) {
            throw new CgroupException(AT + "pids.limit must be -1 (no limit) or at least 0, not " + r.pids().limit());
        }
        if (r.blockIO() != null) {
            blockIO(r.blockIO());
        }
        if (r.hugepageLimits() != null) {
            for (Resources.HugepageLimit h : r.hugepageLimits()) {
                if (!pageSize(h.pageSize())) {
                    throw new CgroupException(AT + "hugepageLimits: page size \"" + h.pageSize()
                        + "\" is not a size like 2MB or 1GB");
                }
                if (h.limit() < -1) {
                    throw new CgroupException(AT + "hugepageLimits: the limit for " + h.pageSize() + " is negative");
                }
            }
        }
        if (r.devices() != null) {
            for (Resources.DeviceRule d : r.devices()) {
                device(d);
            }
        }
        if (r.rdma() != null) {
            for (Map.Entry<String, Resources.Rdma> e : r.rdma().entrySet()) {
                rdma(e.getKey(), e.getValue());
            }
        }
        if (r.unified() != null) {
            for (Map.Entry<String, String> e : r.unified().entrySet()) {
                if (!unifiedKey(e.getKey())) {
                    throw new CgroupException(AT + "unified: \"" + e.getKey()
                        + "\" is not a cgroup v2 file name like memory.high");
                }
                if (e.getValue() == null) {
                    throw new CgroupException(AT + "unified." + e.getKey() + " has no value");
                }
            }
        }
    }

    /** What cgroup v1 cannot express at all. */
    static void v1(Resources r) throws CgroupException {
        if (r.unified() != null && !r.unified().isEmpty()) {
            throw new CgroupException(AT + "unified needs cgroup v2, but this host uses cgroup v1 (unknown key \""
                + r.unified().keySet().iterator().next() + "\"): use the v1 fields instead");
        }
    }

    /** What cgroup v2 cannot express at all (what it only ignores is in {@code unsupported()}). */
    static void v2(Resources r) throws CgroupException {
        Resources.Cpu cpu = r.cpu();
        if (cpu != null && (nonZero(cpu.realtimeRuntime()) || nonZero(cpu.realtimePeriod()))) {
            throw new CgroupException(AT + "cpu.realtimeRuntime and realtimePeriod need cgroup v1: "
                + "cgroup v2 has no real-time bandwidth control");
        }
    }

    private static void memory(Resources.Memory m) throws CgroupException {
        if (m.limit() != null && m.limit() != -1 && m.limit() <= 0) {
            throw new CgroupException(AT + "memory.limit must be -1 (no limit) or positive, not " + m.limit());
        }
        minusOneOrAtLeast(m.reservation(), 0, "memory.reservation");
        minusOneOrAtLeast(m.swap(), 0, "memory.swap");
        minusOneOrAtLeast(m.kernel(), 0, "memory.kernel");
        minusOneOrAtLeast(m.kernelTCP(), 0, "memory.kernelTCP");
        if (m.swap() != null && m.swap() > 0 && m.limit() != null && m.limit() > 0 && m.swap() < m.limit()) {
            throw new CgroupException(AT + "memory.swap (" + m.swap() + ") is memory plus swap and must not be "
                + "below memory.limit (" + m.limit() + "): set it to at least the limit, or -1 for unlimited swap");
        }
        if (m.swappiness() != null && m.swappiness() != -1 && (m.swappiness() < 0 || m.swappiness() > 100)) {
            throw new CgroupException(AT + "memory.swappiness must be between 0 and 100, not " + m.swappiness());
        }
    }

    private static void cpu(Resources.Cpu c) throws CgroupException {
        if (c.shares() != null && c.shares() != 0 && (c.shares() < 2 || c.shares() > 262144)) {
            throw new CgroupException(AT + "cpu.shares must be between 2 and 262144, not " + c.shares());
        }
        if (c.period() != null && (c.period() < 1000 || c.period() > 1000000)) {
            throw new CgroupException(AT + "cpu.period must be between 1000 and 1000000 microseconds, not "
                + c.period());
        }
        if (c.quota() != null && c.quota() != -1) {
            if (c.quota() < 1000) {
                throw new CgroupException(AT + "cpu.quota must be -1 (no limit) or at least 1000 microseconds, not "
                    + c.quota());
            }
            if (c.period() == null) {
                throw new CgroupException(AT + "cpu.quota needs cpu.period: the quota is microseconds per period");
            }
        }
        if (c.burst() != null) {
            if (c.burst() < 0) {
                throw new CgroupException(AT + "cpu.burst must not be negative, not " + c.burst());
            }
            if (c.quota() != null && c.quota() > 0 && c.burst() > c.quota()) {
                throw new CgroupException(AT + "cpu.burst (" + c.burst() + ") must not exceed cpu.quota ("
                    + c.quota() + ")");
            }
        }
        if (c.realtimeRuntime() != null && c.realtimeRuntime() < -1) {
            throw new CgroupException(AT + "cpu.realtimeRuntime must be -1 or at least 0, not " + c.realtimeRuntime());
        }
        if (c.realtimePeriod() != null && c.realtimePeriod() <= 0) {
            throw new CgroupException(AT + "cpu.realtimePeriod must be positive, not " + c.realtimePeriod());
        }
        if (c.realtimeRuntime() != null && c.realtimePeriod() != null && c.realtimeRuntime() > c.realtimePeriod()) {
            throw new CgroupException(AT + "cpu.realtimeRuntime must not exceed cpu.realtimePeriod");
        }
        cpuList(c.cpus(), "cpu.cpus");
        cpuList(c.mems(), "cpu.mems");
        if (c.idle() != null && c.idle() != 0 && c.idle() != 1) {
            throw new CgroupException(AT + "cpu.idle must be 0 or 1, not " + c.idle());
        }
    }

    private static void blockIO(Resources.BlockIo b) throws CgroupException {
        weight(b.weight(), "blockIO.weight");
        weight(b.leafWeight(), "blockIO.leafWeight");
        if (b.weightDevice() != null) {
            for (Resources.WeightDevice d : b.weightDevice()) {
                String at = "blockIO.weightDevice " + d.major() + ":" + d.minor();
                devNumber(d.major(), d.minor(), at);
                weight(d.weight(), at + " weight");
                weight(d.leafWeight(), at + " leafWeight");
            }
        }
        throttles(b.throttleReadBpsDevice(), "blockIO.throttleReadBpsDevice");
        throttles(b.throttleWriteBpsDevice(), "blockIO.throttleWriteBpsDevice");
        throttles(b.throttleReadIOPSDevice(), "blockIO.throttleReadIOPSDevice");
        throttles(b.throttleWriteIOPSDevice(), "blockIO.throttleWriteIOPSDevice");
    }

    private static void throttles(List<Resources.ThrottleDevice> list, String at) throws CgroupException {
        if (list == null) {
            return;
        }
        for (Resources.ThrottleDevice d : list) {
            devNumber(d.major(), d.minor(), at);
            if (d.rate() < 0) {
                throw new CgroupException(AT + at + ": the rate for " + d.major() + ":" + d.minor() + " is negative");
            }
        }
    }

    private static void device(Resources.DeviceRule d) throws CgroupException {
        String type = d.type() == null ? "a" : d.type();
        if (!type.equals("a") && !type.equals("b") && !type.equals("c")) {
            throw new CgroupException(AT + "devices: type must be a, b or c, not \"" + type + "\"");
        }
        if ((d.major() != null && d.major() < -1) || (d.minor() != null && d.minor() < -1)) {
            throw new CgroupException(AT + "devices: major and minor must be -1 (any) or at least 0");
        }
        String access = d.access() == null ? "rwm" : d.access();
        if (access.isEmpty()) {
            throw new CgroupException(AT + "devices: access must not be empty: use some of r, w and m");
        }
        for (int i = 0; i < access.length(); i++) {
            char c = access.charAt(i);
            if ((c != 'r' && c != 'w' && c != 'm') || access.indexOf(c) != i) {
                throw new CgroupException(AT + "devices: access must be some of r, w and m, not \"" + access + "\"");
            }
        }
    }

    private static void rdma(String name, Resources.Rdma r) throws CgroupException {
        if (name.isEmpty() || name.indexOf(' ') >= 0 || name.indexOf('\n') >= 0) {
            throw new CgroupException(AT + "rdma: \"" + name + "\" is not a device name");
        }
        if ((r.hcaHandles() != null && r.hcaHandles() < 0) || (r.hcaObjects() != null && r.hcaObjects() < 0)) {
            throw new CgroupException(AT + "rdma." + name + ": limits must not be negative");
        }
    }

    private static void minusOneOrAtLeast(Long v, long min, String field) throws CgroupException {
        if (v != null && v != -1 && v < min) {
            throw new CgroupException(AT + field + " must be -1 (no limit) or at least " + min + ", not " + v);
        }
    }

    private static void weight(Integer w, String field) throws CgroupException {
        if (w != null && w != 0 && (w < 10 || w > 1000)) {
            throw new CgroupException(AT + field + " must be between 10 and 1000, not " + w);
        }
    }

    private static void devNumber(long major, long minor, String at) throws CgroupException {
        if (major < 0 || minor < 0) {
            throw new CgroupException(AT + at + ": major and minor must not be negative");
        }
    }

    /** The kernel's list syntax, {@code 0-3,8,10-11}; empty means "leave it". */
    private static void cpuList(String s, String field) throws CgroupException {
        if (s == null) {
            return;
        }
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (!(c >= '0' && c <= '9') && c != ',' && c != '-' && c != ' ' && c != '\n') {
                throw new CgroupException(AT + field + " must be a list like 0-3,6, not \"" + s + "\"");
            }
        }
    }

    static boolean pageSize(String s) {
        if (s == null || s.length() < 3 || !(s.endsWith("KB") || s.endsWith("MB") || s.endsWith("GB"))) {
            return false;
        }
        for (int i = 0; i < s.length() - 2; i++) {
            if (s.charAt(i) < '0' || s.charAt(i) > '9') {
                return false;
            }
        }
        return true;
    }

    /** A file in a cgroup directory: {@code controller.knob}, no path, no leading dot. */
    static boolean unifiedKey(String key) {
        int dot = key.indexOf('.');
        return dot > 0 && dot < key.length() - 1 && key.indexOf('/') < 0 && key.indexOf('\0') < 0
            && key.indexOf(' ') < 0 && key.indexOf('\n') < 0;
    }

    private static boolean nonZero(Long v) {
        return v != null && v != 0;
    }
}
