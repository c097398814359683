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
        Resources.Memory memory = null;
        Resources.Cpu cpu = null;
        Resources.Pids pids = null;
        Resources.BlockIo blockIO = null;
        List<Resources.HugepageLimit> hugepages = null;
        List<Resources.DeviceRule> devices = null;
        Resources.Network network = null;
        Map<String, Resources.Rdma> rdma = null;
        Map<String, String> unified = null;
        for (Map.Entry<String, Object> e : m.entrySet()) {
            String at = AT + "." + e.getKey();
            Object v = e.getValue();
            if (v == null) {
                continue;
            }
            switch (e.getKey()) {
                case "memory" -> memory = memory(object(v, at), at);
                case "cpu" -> cpu = cpu(object(v, at), at);
                case "pids" -> pids = pids(object(v, at), at);
                case "blockIO" -> blockIO = blockIO(object(v, at), at);
                case "hugepageLimits" -> hugepages = hugepages(array(v, at), at);
                case "devices" -> devices = devices(array(v, at), at);
                case "network" -> network = network(object(v, at), at);
                case "rdma" -> rdma = rdma(object(v, at), at);
                case "unified" -> unified = unified(object(v, at), at);
                default -> throw unknown(at);
            }
        }
        return new Resources(memory, cpu, pids, blockIO, hugepages, devices, network, rdma, unified);
    }

    private static Resources.Memory memory(Map<String, Object> m, String base) throws CgroupException {
        Long limit = null;
        Long reservation = null;
        Long swap = null;
        Long kernel = null;
        Long kernelTCP = null;
        Long swappiness = null;
        Boolean disableOOMKiller = null;
        Boolean useHierarchy = null;
        Boolean checkBeforeUpdate = null;
        for (Map.Entry<String, Object> e : m.entrySet()) {
            String at = base + "." + e.getKey();
            Object v = e.getValue();
            if (v == null) {
                continue;
            }
            switch (e.getKey()) {
                case "limit" -> limit = integer(v, at);
                case "reservation" -> reservation = integer(v, at);
                case "swap" -> swap = integer(v, at);
                case "kernel" -> kernel = integer(v, at);
                case "kernelTCP" -> kernelTCP = integer(v, at);
                case "swappiness" -> swappiness = UINT64_MAX.equals(v) ? Long.valueOf(-1) : integer(v, at);
                case "disableOOMKiller" -> disableOOMKiller = bool(v, at);
                case "useHierarchy" -> useHierarchy = bool(v, at);
                case "checkBeforeUpdate" -> checkBeforeUpdate = bool(v, at);
                default -> throw unknown(at);
            }
        }
        return new Resources.Memory(limit, reservation, swap, kernel, kernelTCP, swappiness, disableOOMKiller,
            useHierarchy, checkBeforeUpdate);
    }

    private static Resources.Cpu cpu(Map<String, Object> m, String base) throws CgroupException {
        Long shares = null;
        Long quota = null;
        Long burst = null;
        Long period = null;
        Long rtRuntime = null;
        Long rtPeriod = null;
        String cpus = null;
        String mems = null;
        Long idle = null;
        for (Map.Entry<String, Object> e : m.entrySet()) {
            String at = base + "." + e.getKey();
            Object v = e.getValue();
            if (v == null) {
                continue;
            }
            switch (e.getKey()) {
                case "shares" -> shares = integer(v, at);
                case "quota" -> quota = integer(v, at);
                case "burst" -> burst = integer(v, at);
                case "period" -> period = integer(v, at);
                case "realtimeRuntime" -> rtRuntime = integer(v, at);
                case "realtimePeriod" -> rtPeriod = integer(v, at);
                case "cpus" -> cpus = string(v, at);
                case "mems" -> mems = string(v, at);
                case "idle" -> idle = integer(v, at);
                default -> throw unknown(at);
            }
        }
        return new Resources.Cpu(shares, quota, burst, period, rtRuntime, rtPeriod, cpus, mems, idle);
    }

    private static Resources.Pids pids(Map<String, Object> m, String base) throws CgroupException {
        Long limit = null;
        for (Map.Entry<String, Object> e : m.entrySet()) {
            String at = base + "." + e.getKey();
            if (!e.getKey().equals("limit")) {
                throw unknown(at);
            }
            if (e.getValue() != null) {
                limit = integer(e.getValue(), at);
            }
        }
        return new Resources.Pids(limit);
    }

    private static Resources.BlockIo blockIO(Map<String, Object> m, String base) throws CgroupException {
        Integer weight = null;
        Integer leafWeight = null;
        List<Resources.WeightDevice> weightDevice = null;
        List<Resources.ThrottleDevice> readBps = null;
        List<Resources.ThrottleDevice> writeBps = null;
        List<Resources.ThrottleDevice> readIops = null;
        List<Resources.ThrottleDevice> writeIops = null;
        for (Map.Entry<String, Object> e : m.entrySet()) {
            String at = base + "." + e.getKey();
            Object v = e.getValue();
            if (v == null) {
                continue;
            }
            switch (e.getKey()) {
                case "weight" -> weight = small(v, at);
                case "leafWeight" -> leafWeight = small(v, at);
                case "weightDevice" -> weightDevice = weightDevices(array(v, at), at);
                case "throttleReadBpsDevice" -> readBps = throttles(array(v, at), at);
                case "throttleWriteBpsDevice" -> writeBps = throttles(array(v, at), at);
                case "throttleReadIOPSDevice" -> readIops = throttles(array(v, at), at);
                case "throttleWriteIOPSDevice" -> writeIops = throttles(array(v, at), at);
                default -> throw unknown(at);
            }
        }
        return new Resources.BlockIo(weight, leafWeight, weightDevice, readBps, writeBps, readIops, writeIops);
    }

    private static List<Resources.WeightDevice> weightDevices(List<Object> list, String base)
            throws CgroupException {
        List<Resources.WeightDevice> out = new ArrayList<>();
        for (int i = 0; i < list.size(); i++) {
            String item = base + "[" + i + "]";
            Map<String, Object> m = object(list.get(i), item);
            Integer weight = null;
            Integer leafWeight = null;
            for (Map.Entry<String, Object> e : m.entrySet()) {
                String at = item + "." + e.getKey();
                Object v = e.getValue();
                switch (e.getKey()) {
                    case "major", "minor" -> { } // read below, where both are required
                    case "weight" -> weight = v == null ? null : small(v, at);
                    case "leafWeight" -> leafWeight = v == null ? null : small(v, at);
                    default -> throw unknown(at);
                }
            }
            out.add(new Resources.WeightDevice(number(m, "major", item), number(m, "minor", item), weight, leafWeight));
        }
        return out;
    }

    private static List<Resources.ThrottleDevice> throttles(List<Object> list, String base) throws CgroupException {
        List<Resources.ThrottleDevice> out = new ArrayList<>();
        for (int i = 0; i < list.size(); i++) {
            String item = base + "[" + i + "]";
            Map<String, Object> m = object(list.get(i), item);
            for (String k : m.keySet()) {
                if (!k.equals("major") && !k.equals("minor") && !k.equals("rate")) {
                    throw unknown(item + "." + k);
                }
            }
            out.add(new Resources.ThrottleDevice(number(m, "major", item), number(m, "minor", item),
                number(m, "rate", item)));
        }
        return out;
    }

    private static List<Resources.HugepageLimit> hugepages(List<Object> list, String base) throws CgroupException {
        List<Resources.HugepageLimit> out = new ArrayList<>();
        for (int i = 0; i < list.size(); i++) {
            String item = base + "[" + i + "]";
            Map<String, Object> m = object(list.get(i), item);
            for (String k : m.keySet()) {
                if (!k.equals("pageSize") && !k.equals("limit")) {
                    throw unknown(item + "." + k);
                }
            }
            String size = string(required(m.get("pageSize"), item + ".pageSize"), item + ".pageSize");
            out.add(new Resources.HugepageLimit(size, number(m, "limit", item)));
        }
        return out;
    }

    private static List<Resources.DeviceRule> devices(List<Object> list, String base) throws CgroupException {
        List<Resources.DeviceRule> out = new ArrayList<>();
        for (int i = 0; i < list.size(); i++) {
            String item = base + "[" + i + "]";
            Map<String, Object> m = object(list.get(i), item);
            Boolean allow = null;
            String type = null;
            Long major = null;
            Long minor = null;
            String access = null;
            for (Map.Entry<String, Object> e : m.entrySet()) {
                String at = item + "." + e.getKey();
                Object v = e.getValue();
                if (v == null) {
                    continue;
                }
                switch (e.getKey()) {
                    case "allow" -> allow = bool(v, at);
                    case "type" -> type = string(v, at);
                    case "major" -> major = integer(v, at);
                    case "minor" -> minor = integer(v, at);
                    case "access" -> access = string(v, at);
                    default -> throw unknown(at);
                }
            }
            if (allow == null) {
                throw new CgroupException(item + ".allow is required");
            }
            out.add(new Resources.DeviceRule(allow, type, major, minor, access));
        }
        return out;
    }

    private static Resources.Network network(Map<String, Object> m, String base) throws CgroupException {
        Long classID = null;
        List<Resources.Priority> priorities = null;
        for (Map.Entry<String, Object> e : m.entrySet()) {
            String at = base + "." + e.getKey();
            Object v = e.getValue();
            if (v == null) {
                continue;
            }
            switch (e.getKey()) {
                case "classID" -> classID = integer(v, at);
                case "priorities" -> {
                    List<Object> list = array(v, at);
                    priorities = new ArrayList<>();
                    for (int i = 0; i < list.size(); i++) {
                        String item = at + "[" + i + "]";
                        Map<String, Object> p = object(list.get(i), item);
                        for (String k : p.keySet()) {
                            if (!k.equals("name") && !k.equals("priority")) {
                                throw unknown(item + "." + k);
                            }
                        }
                        String name = string(required(p.get("name"), item + ".name"), item + ".name");
                        priorities.add(new Resources.Priority(name, number(p, "priority", item)));
                    }
                }
                default -> throw unknown(at);
            }
        }
        return new Resources.Network(classID, priorities);
    }

    private static Map<String, Resources.Rdma> rdma(Map<String, Object> m, String base) throws CgroupException {
        Map<String, Resources.Rdma> out = new LinkedHashMap<>();
        for (Map.Entry<String, Object> e : m.entrySet()) {
            String item = base + "." + e.getKey();
            Map<String, Object> d = object(required(e.getValue(), item), item);
            Long handles = null;
            Long objects = null;
            for (Map.Entry<String, Object> f : d.entrySet()) {
                String at = item + "." + f.getKey();
                Object v = f.getValue();
                switch (f.getKey()) {
                    case "hcaHandles" -> handles = v == null ? null : integer(v, at);
                    case "hcaObjects" -> objects = v == null ? null : integer(v, at);
                    default -> throw unknown(at);
                }
            }
            out.put(e.getKey(), new Resources.Rdma(handles, objects));
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

    private static long number(Map<String, Object> m, String key, String item) throws CgroupException {
        String at = item + "." + key;
        return integer(required(m.get(key), at), at);
    }

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
}
