package dev.berth.runtime.cgroup;

import java.math.BigInteger;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The strict reader behind {@link Resources#fromOci}: JSON values to records, field by field. */
final class OciResources {
    private static final String AT = "linux.resources";
    /** Go writes an unset uint64 swappiness as (uint64) -1. */
    private static final BigInteger UINT64_MAX = BigInteger.ONE.shiftLeft(64).subtract(BigInteger.ONE);

    private OciResources() {}

    static Resources parse(Map<String, Object> m) throws CgroupException {
        if (m == null) {
            return Resources.NONE;
        }
        Fields f = new Fields(m, AT, "memory", "cpu", "pids", "blockIO", "hugepageLimits", "devices", "network",
            "rdma", "unified");
        return new Resources(
            f.has("memory") ? memory(f.object("memory"), AT + ".memory") : null,
            f.has("cpu") ? cpu(f.object("cpu"), AT + ".cpu") : null,
            f.has("pids") ? pids(f.object("pids"), AT + ".pids") : null,
            f.has("blockIO") ? blockIO(f.object("blockIO"), AT + ".blockIO") : null,
            f.has("hugepageLimits") ? hugepages(f) : null,
            f.has("devices") ? devices(f) : null,
            f.has("network") ? network(f.object("network"), AT + ".network") : null,
            f.has("rdma") ? rdma(f.object("rdma"), AT + ".rdma") : null,
            f.has("unified") ? unified(f.object("unified"), AT + ".unified") : null);
    }

    private static Resources.Memory memory(Map<String, Object> m, String base) throws CgroupException {
        Fields f = new Fields(m, base, "limit", "reservation", "swap", "kernel", "kernelTCP", "swappiness",
            "disableOOMKiller", "useHierarchy", "checkBeforeUpdate");
        Long swappiness = UINT64_MAX.equals(m.get("swappiness")) ? Long.valueOf(-1) : f.integer("swappiness");
        return new Resources.Memory(f.integer("limit"), f.integer("reservation"), f.integer("swap"),
            f.integer("kernel"), f.integer("kernelTCP"), swappiness, f.bool("disableOOMKiller"),
            f.bool("useHierarchy"), f.bool("checkBeforeUpdate"));
    }

    private static Resources.Cpu cpu(Map<String, Object> m, String base) throws CgroupException {
        Fields f = new Fields(m, base, "shares", "quota", "burst", "period", "realtimeRuntime", "realtimePeriod",
            "cpus", "mems", "idle");
        return new Resources.Cpu(f.integer("shares"), f.integer("quota"), f.integer("burst"), f.integer("period"),
            f.integer("realtimeRuntime"), f.integer("realtimePeriod"), f.string("cpus"), f.string("mems"),
            f.integer("idle"));
    }

    private static Resources.Pids pids(Map<String, Object> m, String base) throws CgroupException {
        return new Resources.Pids(new Fields(m, base, "limit").integer("limit"));
    }

    private static Resources.BlockIo blockIO(Map<String, Object> m, String base) throws CgroupException {
        Fields f = new Fields(m, base, "weight", "leafWeight", "weightDevice", "throttleReadBpsDevice",
            "throttleWriteBpsDevice", "throttleReadIOPSDevice", "throttleWriteIOPSDevice");
        List<Resources.WeightDevice> weightDevice = null;
        if (f.has("weightDevice")) {
            weightDevice = new ArrayList<>();
            for (Fields d : f.objects("weightDevice", "major", "minor", "weight", "leafWeight")) {
                weightDevice.add(new Resources.WeightDevice(d.number("major"), d.number("minor"), d.small("weight"),
                    d.small("leafWeight")));
            }
        }
        return new Resources.BlockIo(f.small("weight"), f.small("leafWeight"), weightDevice,
            throttles(f, "throttleReadBpsDevice"), throttles(f, "throttleWriteBpsDevice"),
            throttles(f, "throttleReadIOPSDevice"), throttles(f, "throttleWriteIOPSDevice"));
    }

    private static List<Resources.ThrottleDevice> throttles(Fields f, String key) throws CgroupException {
        if (!f.has(key)) {
            return null;
        }
        List<Resources.ThrottleDevice> out = new ArrayList<>();
        for (Fields d : f.objects(key, "major", "minor", "rate")) {
            out.add(new Resources.ThrottleDevice(d.number("major"), d.number("minor"), d.number("rate")));
        }
        return out;
    }

    private static List<Resources.HugepageLimit> hugepages(Fields f) throws CgroupException {
        List<Resources.HugepageLimit> out = new ArrayList<>();
        for (Fields d : f.objects("hugepageLimits", "pageSize", "limit")) {
            out.add(new Resources.HugepageLimit(d.requiredString("pageSize"), d.number("limit")));
        }
        return out;
    }

    private static List<Resources.DeviceRule> devices(Fields f) throws CgroupException {
        List<Resources.DeviceRule> out = new ArrayList<>();
        for (Fields d : f.objects("devices", "allow", "type", "major", "minor", "access")) {
            Boolean allow = d.bool("allow");
            if (allow == null) {
                throw new CgroupException(d.base + ".allow is required");
            }
            out.add(new Resources.DeviceRule(allow, d.string("type"), d.integer("major"), d.integer("minor"),
                d.string("access")));
        }
        return out;
    }

    private static Resources.Network network(Map<String, Object> m, String base) throws CgroupException {
        Fields f = new Fields(m, base, "classID", "priorities");
        List<Resources.Priority> priorities = null;
        if (f.has("priorities")) {
            priorities = new ArrayList<>();
            for (Fields p : f.objects("priorities", "name", "priority")) {
                priorities.add(new Resources.Priority(p.requiredString("name"), p.number("priority")));
            }
        }
        return new Resources.Network(f.integer("classID"), priorities);
    }

    private static Map<String, Resources.Rdma> rdma(Map<String, Object> m, String base) throws CgroupException {
        Map<String, Resources.Rdma> out = new LinkedHashMap<>();
        for (Map.Entry<String, Object> e : m.entrySet()) {
            String item = base + "." + e.getKey();
            Fields d = new Fields(object(required(e.getValue(), item), item), item, "hcaHandles", "hcaObjects");
            out.put(e.getKey(), new Resources.Rdma(d.integer("hcaHandles"), d.integer("hcaObjects")));
        }
        return out;
    }

    private static Map<String, String> unified(Map<String, Object> m, String base) throws CgroupException {
        Map<String, String> out = new LinkedHashMap<>();
        for (Map.Entry<String, Object> e : m.entrySet()) {
            String at = base + "." + e.getKey();
            out.put(e.getKey(), string(required(e.getValue(), at), at));
        }
        return out;
    }

    // ---- typed access ----

    private static Object required(Object v, String at) throws CgroupException {
        if (v == null) {
            throw new CgroupException(at + " is required");
        }
        return v;
    }

    private static Long integer(Object v, String at) throws CgroupException {
        if (v instanceof Integer i) {
            return Long.valueOf(i);
        }
        if (v instanceof Long l) {
            return l;
        }
        if (v instanceof BigInteger) {
            throw new CgroupException(at + " is out of range: " + v);
        }
        throw new CgroupException(at + " must be an integer, not " + kind(v));
    }

    private static Integer small(Object v, String at) throws CgroupException {
        long n = integer(v, at);
        if (n < 0 || n > 65535) {
            throw new CgroupException(at + " is out of range: " + n);
        }
        return (int) n;
    }

    private static String string(Object v, String at) throws CgroupException {
        if (v instanceof String s) {
            return s;
        }
        throw new CgroupException(at + " must be a string, not " + kind(v));
    }

    private static Boolean bool(Object v, String at) throws CgroupException {
        if (v instanceof Boolean b) {
            return b;
        }
        throw new CgroupException(at + " must be true or false, not " + kind(v));
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> object(Object v, String at) throws CgroupException {
        if (v instanceof Map<?, ?> m) {
            return (Map<String, Object>) m;
        }
        throw new CgroupException(at + " must be an object, not " + kind(v));
    }

    @SuppressWarnings("unchecked")
    private static List<Object> array(Object v, String at) throws CgroupException {
        if (v instanceof List<?> l) {
            return (List<Object>) l;
        }
        throw new CgroupException(at + " must be an array, not " + kind(v));
    }

    private static String kind(Object v) {
        if (v instanceof String s) {
            return "the string \"" + s + "\"";
        }
        if (v instanceof Map<?, ?>) {
            return "an object";
        }
        if (v instanceof List<?>) {
            return "an array";
        }
        if (v instanceof Boolean) {
            return v.toString();
        }
        return v == null ? "null" : "the number " + v;
    }

    private static CgroupException unknown(String at) {
        return new CgroupException("unknown field " + at + ": remove it or check its spelling");
    }

    /** One JSON object of the spec: its fields checked against the known names, read by type. */
    private static final class Fields {
        private final Map<String, Object> m;
        final String base;

        Fields(Map<String, Object> m, String base, String... known) throws CgroupException {
            this.m = m;
            this.base = base;
            for (String k : m.keySet()) {
                if (!List.of(known).contains(k)) {
                    throw unknown(base + "." + k);
                }
            }
        }

        boolean has(String key) {
            return m.get(key) != null;
        }

        Map<String, Object> object(String key) throws CgroupException {
            return OciResources.object(m.get(key), base + "." + key);
        }

        Long integer(String key) throws CgroupException {
            Object v = m.get(key);
            return v == null ? null : OciResources.integer(v, base + "." + key);
        }

        Integer small(String key) throws CgroupException {
            Object v = m.get(key);
            return v == null ? null : OciResources.small(v, base + "." + key);
        }

        String string(String key) throws CgroupException {
            Object v = m.get(key);
            return v == null ? null : OciResources.string(v, base + "." + key);
        }

        Boolean bool(String key) throws CgroupException {
            Object v = m.get(key);
            return v == null ? null : OciResources.bool(v, base + "." + key);
        }

        long number(String key) throws CgroupException {
            String at = base + "." + key;
            return OciResources.integer(required(m.get(key), at), at);
        }

        String requiredString(String key) throws CgroupException {
            String at = base + "." + key;
            return OciResources.string(required(m.get(key), at), at);
        }

        /** The objects of the array at {@code key}, each with its own known fields. */
        List<Fields> objects(String key, String... known) throws CgroupException {
            String at = base + "." + key;
            List<Object> list = array(m.get(key), at);
            List<Fields> out = new ArrayList<>();
            for (int i = 0; i < list.size(); i++) {
                String item = at + "[" + i + "]";
                out.add(new Fields(OciResources.object(list.get(i), item), item, known));
            }
            return out;
        }
    }
}
