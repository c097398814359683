package dev.berth.engine;

import dev.berth.image.ImageException;
import dev.berth.image.ImageFilter;
import dev.berth.runtime.Timestamps;
import dev.berth.runtime.json.Json;
import java.io.IOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * docker container prune: every container that is not running (created, exited, dead), narrowed
 * by {@code until=TIME} (created before it) and {@code label=K[=V]} / {@code label!=K[=V]}.
 */
public final class Prune {
    static final List<String> KEYS = List.of("until", "label", "label!");

    private Prune() {}

    /** What a prune removed: the ids, and the bytes their directories held. */
    public record Result(List<String> removed, long reclaimed) {}

    /** {@code filters} by key, as docker's JSON form ({@code {"label": ["a=b"]}}). */
    static Result run(Engine engine, Map<String, List<String>> filters) throws EngineException {
        long until = Long.MAX_VALUE;
        for (var e : filters.entrySet()) {
            if (!KEYS.contains(e.getKey())) {
                throw new EngineException.InvalidArgument("invalid filter '" + e.getKey() + "': container prune takes "
                    + String.join(", ", KEYS));
            }
            if (e.getKey().equals("until")) {
                for (String v : e.getValue()) {
                    try {
                        until = Math.min(until, ImageFilter.time(v, Timestamps.nowNanos()));
                    } catch (ImageException.InvalidArgument x) {
                        throw new EngineException.InvalidArgument(x.getMessage());
                    }
                }
            }
        }
        List<String> removed = new ArrayList<>();
        long bytes = 0;
        for (Map<String, Object> s : engine.list(true)) {
            if (Inspect.isRunning(s) || !matches(s, filters, until)) {
                continue;
            }
            String id = (String) s.get("Id");
            long size = size(engine.dir(id));
            try {
                engine.remove(id, false);
            } catch (EngineException.NotFound | EngineException.InvalidState e) {
                continue; // removed by someone else, or started again meanwhile
            }
            removed.add(id);
            bytes += size;
        }
        return new Result(removed, bytes);
    }

    private static boolean matches(Map<String, Object> s, Map<String, List<String>> filters, long until) {
        if (until != Long.MAX_VALUE) {
            long created = Timestamps.parse(String.valueOf(s.get("Created")));
            if (created < 0 || created >= until) {
                return false;
            }
        }
        Map<String, Object> config = Json.map(s, "Config");
        Map<String, Object> labels = config == null ? null : Json.map(config, "Labels");
        Map<String, Object> l = labels == null ? new LinkedHashMap<>() : labels;
        for (String want : filters.getOrDefault("label", List.of())) {
            if (!hasLabel(l, want)) {
                return false;
            }
        }
        for (String unwanted : filters.getOrDefault("label!", List.of())) {
            if (hasLabel(l, unwanted)) {
                return false;
            }
        }
        return true;
    }

    private static boolean hasLabel(Map<String, Object> labels, String spec) {
        int eq = spec.indexOf('=');
        if (eq < 0) {
            return labels.containsKey(spec);
        }
        Object v = labels.get(spec.substring(0, eq));
        return v != null && v.equals(spec.substring(eq + 1));
    }

    /** The bytes of the files under the container's directory (its writable layer, logs, /etc files). */
    static long size(Path dir) {
        long[] total = {0};
        try {
            Files.walkFileTree(dir, new SimpleFileVisitor<>() {
                @Override
                public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) {
                    if (attrs.isRegularFile()) {
                        total[0] += attrs.size();
                    }
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult visitFileFailed(Path file, IOException e) {
                    return FileVisitResult.CONTINUE;
                }
            });
        } catch (IOException e) {
            // gone meanwhile: nothing to count
        }
        return total[0];
    }
}
