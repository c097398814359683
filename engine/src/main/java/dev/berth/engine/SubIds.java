package dev.berth.engine;

import dev.berth.runtime.IdMap;
import dev.berth.runtime.state.AtomicFiles;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * The id range berth maps container root to, from the {@code berth} entry of /etc/subuid and
 * /etc/subgid, as docker's userns-remap does with {@code dockremap}. The entry is added (65536
 * ids above every existing range) when it is missing.
 */
final class SubIds {
    static final String USER = "berth";
    private static final long SIZE = 65536;
    private static final long FLOOR = 100000;

    private SubIds() {}

    /** The uid and gid maps for container root: {@code 0 START 65536}. */
    static IdMap[] maps(Path etc) throws IOException {
        Path subuid = etc.resolve("subuid");
        Path subgid = etc.resolve("subgid");
        long[] u = find(subuid);
        long[] g = find(subgid);
        if (u == null || g == null) {
            try (var lock = AtomicFiles.lock(etc.resolve(".berth-subid.lock"))) {
                u = find(subuid);
                g = find(subgid);
                if (u == null || g == null) {
                    long start = Math.max(FLOOR, Math.max(top(subuid), top(subgid)));
                    if (u == null) {
                        append(subuid, start);
                        u = new long[] {start, SIZE};
                    }
                    if (g == null) {
                        append(subgid, start);
                        g = new long[] {start, SIZE};
                    }
                }
            }
        }
        return new IdMap[] {new IdMap(0, u[0], u[1]), new IdMap(0, g[0], g[1])};
    }

    private static List<String> lines(Path file) throws IOException {
        return Files.exists(file) ? Files.readAllLines(file) : List.of();
    }

    private static long[] find(Path file) throws IOException {
        for (String line : lines(file)) {
            String[] f = line.split(":");
            if (f.length == 3 && f[0].equals(USER)) {
                return new long[] {Long.parseLong(f[1].trim()), Long.parseLong(f[2].trim())};
            }
        }
        return null;
    }

    private static long top(Path file) throws IOException {
        long top = 0;
        for (String line : lines(file)) {
            String[] f = line.split(":");
            if (f.length == 3) {
                try {
                    top = Math.max(top, Long.parseLong(f[1].trim()) + Long.parseLong(f[2].trim()));
                } catch (NumberFormatException e) {
                    // not ours to judge: skip malformed lines
                }
            }
        }
        return top;
    }

    private static void append(Path file, long start) throws IOException {
        StringBuilder sb = new StringBuilder();
        for (String line : lines(file)) {
            sb.append(line).append('\n');
        }
        sb.append(USER).append(':').append(start).append(':').append(SIZE).append('\n');
        AtomicFiles.write(file, sb.toString().getBytes(StandardCharsets.UTF_8));
    }
}
