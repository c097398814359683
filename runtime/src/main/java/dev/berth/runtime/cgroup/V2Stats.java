package dev.berth.runtime.cgroup;

import java.nio.file.Path;
import java.util.Map;

/** {@link CgroupStats} from a cgroup v2 directory. v2 reports cpu time in microseconds. */
final class V2Stats {
    private V2Stats() {}

    static CgroupStats read(Path dir) {
        Map<String, Long> mem = Fs.keyed(dir.resolve("memory.stat"));
        Map<String, Long> events = Fs.keyed(dir.resolve("memory.events"));
        Map<String, Long> cpu = Fs.keyed(dir.resolve("cpu.stat"));
        long[] io = io(Fs.read(dir.resolve("io.stat")));
        return new CgroupStats(
            Fs.number(dir.resolve("memory.current")),
            Fs.number(dir.resolve("memory.max")),
            Fs.number(dir.resolve("memory.peak")),
            Fs.number(dir.resolve("memory.swap.current")),
            mem.get("file"),
            mem.get("anon"),
            events.get("max"),
            events.get("oom"),
            events.get("oom_kill"),
            null,
            micros(cpu.get("usage_usec")),
            micros(cpu.get("user_usec")),
            micros(cpu.get("system_usec")),
            cpu.get("nr_periods"),
            cpu.get("nr_throttled"),
            micros(cpu.get("throttled_usec")),
            Fs.number(dir.resolve("pids.current")),
            Fs.number(dir.resolve("pids.max")),
            io == null ? null : io[0],
            io == null ? null : io[1],
            mem.get("inactive_file"));
    }

    private static Long micros(Long v) {
        return v == null ? null : v * 1000;
    }

    /** Sums {@code rbytes=} and {@code wbytes=} over the device lines of io.stat. */
    static long[] io(String s) {
        if (s == null) {
            return null;
        }
        long[] out = new long[2];
        for (String line : s.split("\n")) {
            for (String field : line.split(" ")) {
                if (field.startsWith("rbytes=")) {
                    out[0] += parse(field, 7);
                } else if (field.startsWith("wbytes=")) {
                    out[1] += parse(field, 7);
                }
            }
        }
        return out;
    }

    private static long parse(String field, int from) {
        try {
            return Long.parseLong(field, from, field.length(), 10);
        } catch (NumberFormatException e) {
            return 0;
        }
    }
}
