package dev.berth.cli.oci;

import dev.berth.engine.EngineException;
import dev.berth.engine.Sizes;
import dev.berth.runtime.cgroup.CgroupStats;
import dev.berth.runtime.json.Json;
import dev.berth.runtime.json.JsonException;
import dev.berth.runtime.oci.BundleRuntime;
import dev.berth.runtime.oci.OciException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** {@code berth-runtime update} and {@code events}, as runc's. */
final class RuntimeUpdate {
    private RuntimeUpdate() {}

    /** Each flag of runc's update: the resources section and field it sets, and whether it takes a size. */
    private record Knob(String section, String field, boolean size) {}

    private static final Map<String, Knob> KNOBS = Map.ofEntries(
        Map.entry("--blkio-weight", new Knob("blockIO", "weight", false)),
        Map.entry("--cpu-period", new Knob("cpu", "period", false)),
        Map.entry("--cpu-quota", new Knob("cpu", "quota", false)),
        Map.entry("--cpu-share", new Knob("cpu", "shares", false)),
        Map.entry("--cpu-rt-period", new Knob("cpu", "realtimePeriod", false)),
        Map.entry("--cpu-rt-runtime", new Knob("cpu", "realtimeRuntime", false)),
        Map.entry("--cpuset-cpus", new Knob("cpu", "cpus", false)),
        Map.entry("--cpuset-mems", new Knob("cpu", "mems", false)),
        Map.entry("--memory", new Knob("memory", "limit", true)),
        Map.entry("--memory-reservation", new Knob("memory", "reservation", true)),
        Map.entry("--memory-swap", new Knob("memory", "swap", true)),
        Map.entry("--kernel-memory", new Knob("memory", "kernel", true)),
        Map.entry("--kernel-memory-tcp", new Knob("memory", "kernelTCP", true)),
        Map.entry("--pids-limit", new Knob("pids", "limit", false)));

    static int update(BundleRuntime rt, List<String> rest) throws OciException, IOException {
        Map<String, Object> resources = new LinkedHashMap<>();
        Map<String, String> flags = new LinkedHashMap<>();
        while (!rest.isEmpty() && rest.get(0).startsWith("-")) {
            String arg = rest.remove(0);
            Flag flag = Flag.of(arg);
            String a = flag.name();
            String value = flag.value();
            if (a.equals("-r") || a.equals("--resources")) {
                resources = document(value != null ? value : RuntimeMain.next(rest, a));
            } else if (KNOBS.containsKey(a)) {
                flags.put(a, value != null ? value : RuntimeMain.next(rest, a));
            } else if (a.equals("--l3-cache-schema") || a.equals("--mem-bw-schema")) {
                throw new OciException(a + ": Intel RDT is not supported by berth-runtime");
            } else {
                throw new OciException("flag provided but not defined: " + a);
            }
        }
        String id = RuntimeMain.one(rest, "update");
        for (var e : flags.entrySet()) { // runc: the flags win over the file
            Knob k = KNOBS.get(e.getKey());
            @SuppressWarnings("unchecked")
            Map<String, Object> section = (Map<String, Object>) resources.computeIfAbsent(k.section(),
                x -> new LinkedHashMap<String, Object>());
            section.put(k.field(), value(e.getKey(), e.getValue(), k));
        }
        rt.update(id, resources);
        return 0;
    }

    private static Object value(String flag, String v, Knob k) throws OciException {
        if (k.field().equals("cpus") || k.field().equals("mems")) {
            return v;
        }
        try {
            if (k.size()) {
                return v.equals("-1") ? -1L : Sizes.bytes(flag, v);
            }
            return Long.parseLong(v);
        } catch (EngineException | NumberFormatException e) {
            throw new OciException("invalid value \"" + v + "\" for " + flag + (k.size() ? ": use bytes with an"
                + " optional unit k, m or g, or -1" : ": use an integer"));
        }
    }

    private static Map<String, Object> document(String source) throws OciException, IOException {
        String text = source.equals("-") ? new String(System.in.readAllBytes(), StandardCharsets.UTF_8)
            : Files.readString(Caller.path(source));
        try {
            return Json.parseObject(text);
        } catch (JsonException e) {
            throw new OciException("--resources " + source + ": " + e.getMessage());
        }
    }

    /**
     * {@code events}: with {@code --stats} one stats event; otherwise a stats event every
     * interval, and an {@code oom} event whenever the cgroup's OOM count grows, until the
     * container is gone.
     */
    static int events(BundleRuntime rt, List<String> rest) throws OciException, IOException {
        boolean once = false;
        long intervalMs = 5000;
        while (!rest.isEmpty() && rest.get(0).startsWith("-")) {
            String arg = rest.remove(0);
            Flag flag = Flag.of(arg);
            String a = flag.name();
            String value = flag.value();
            switch (a) {
                case "--stats" -> once = true;
                case "--interval" -> intervalMs = duration(value != null ? value : RuntimeMain.next(rest, a));
                default -> throw new OciException("flag provided but not defined: " + a);
            }
        }
        String id = RuntimeMain.one(rest, "events");
        long ooms = -1;
        for (;;) {
            CgroupStats st = rt.stats(id);
            if (st == null) {
                return 0;
            }
            long now = (st.oomKills() != null ? st.oomKills() : 0) + (st.oomEvents() != null ? st.oomEvents() : 0);
            if (ooms >= 0 && now > ooms) {
                System.out.println(Json.compact(Map.of("type", "oom", "id", id)));
            }
            ooms = now;
            Map<String, Object> event = new LinkedHashMap<>();
            event.put("type", "stats");
            event.put("id", id);
            event.put("data", data(st));
            System.out.println(Json.compact(event));
            System.out.flush();
            if (once) {
                return 0;
            }
            try {
                Thread.sleep(intervalMs);
            } catch (InterruptedException e) {
                return 0;
            }
        }
    }

    /** Go's durations as runc's --interval takes them: 500ms, 5s, 1m. */
    private static long duration(String v) throws OciException {
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("(\\d+(?:\\.\\d+)?)(ms|s|m|h)").matcher(v);
        if (m.matches()) {
            long unit = switch (m.group(2)) {
                case "ms" -> 1;
                case "s" -> 1000;
                case "m" -> 60_000;
                default -> 3_600_000;
            };
            long n = (long) (Double.parseDouble(m.group(1)) * unit);
            if (n > 0) {
                return n;
            }
        }
        throw new OciException("invalid --interval \"" + v + "\": use a duration such as 500ms or 5s");
    }

    /** runc's stats document (libcontainer's types.Stats), with what the cgroup reports. */
    private static Map<String, Object> data(CgroupStats st) {
        Map<String, Object> usage = new LinkedHashMap<>();
        usage.put("total", zero(st.cpuUsage()));
        usage.put("kernel", zero(st.cpuSystem()));
        usage.put("user", zero(st.cpuUser()));
        Map<String, Object> throttling = new LinkedHashMap<>();
        throttling.put("periods", zero(st.cpuPeriods()));
        throttling.put("throttled_periods", zero(st.cpuThrottledPeriods()));
        throttling.put("throttled_time", zero(st.cpuThrottledTime()));
        Map<String, Object> memUsage = new LinkedHashMap<>();
        memUsage.put("limit", zero(st.memoryLimit()));
        memUsage.put("usage", zero(st.memoryUsage()));
        memUsage.put("max", zero(st.memoryMaxUsage()));
        memUsage.put("failcnt", zero(st.memoryFailcnt()));
        Map<String, Object> memory = new LinkedHashMap<>();
        memory.put("cache", zero(st.cache()));
        memory.put("usage", memUsage);
        memory.put("swap", Map.of("usage", zero(st.swapUsage())));
        Map<String, Object> data = new LinkedHashMap<>();
        data.put("cpu", Map.of("usage", usage, "throttling", throttling));
        data.put("memory", memory);
        data.put("pids", Map.of("current", zero(st.pidsCurrent()), "limit", zero(st.pidsLimit())));
        return data;
    }

    private static long zero(Long v) {
        return v == null ? 0 : v;
    }
}
