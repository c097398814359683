package dev.berth.runtime.oci;

import dev.berth.runtime.json.Json;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** Test bundles, JSON edits by path, and runc as an oracle when it is installed. */
final class OciBundles {
    private OciBundles() {}

    /** A bundle in {@code dir} with {@code configJson} and an empty rootfs/. */
    static Path bundle(Path dir, String configJson) throws IOException {
        Files.createDirectories(dir.resolve("rootfs"));
        Files.writeString(dir.resolve("config.json"), configJson);
        return dir;
    }

    /** berth's default config with no cgroup namespace and no user namespace: a stable base. */
    static String base() {
        return Json.pretty(OciDefaults.spec(false, 0, 0, false));
    }

    /**
     * {@code json} with the value at {@code path} ("linux.namespaces[2].type") replaced by
     * {@code valueJson}, or removed when that is null; "[+]" appends to an array.
     */
    @SuppressWarnings("unchecked")
    static String edit(String json, String path, String valueJson) throws IOException {
        Map<String, Object> doc = Json.parseObject(json);
        Object value = valueJson == null ? null : Json.parse(valueJson);
        String[] steps = path.replace("[", ".[").split("\\.");
        Object at = doc;
        for (int i = 0; i < steps.length; i++) {
            String step = steps[i];
            boolean last = i == steps.length - 1;
            if (step.startsWith("[")) {
                List<Object> list = (List<Object>) at;
                String idx = step.substring(1, step.length() - 1);
                if (idx.equals("+")) {
                    list.add(value);
                    break;
                }
                int n = Integer.parseInt(idx);
                if (last) {
                    if (valueJson == null) {
                        list.remove(n);
                    } else {
                        list.set(n, value);
                    }
                } else {
                    at = list.get(n);
                }
            } else {
                Map<String, Object> map = (Map<String, Object>) at;
                if (last) {
                    if (valueJson == null) {
                        map.remove(step);
                    } else {
                        map.put(step, value);
                    }
                } else {
                    at = map.computeIfAbsent(step, k -> new java.util.LinkedHashMap<String, Object>());
                }
            }
        }
        return Json.pretty(doc);
    }

    /** True when a runc binary is on PATH. */
    static boolean haveRunc() {
        String path = System.getenv("PATH");
        if (path == null) {
            return false;
        }
        for (String dir : path.split(File.pathSeparator)) {
            if (Files.isExecutable(Path.of(dir, "runc"))) {
                return true;
            }
        }
        return false;
    }

    /** Runs runc with {@code args} in {@code dir} and returns its stdout. */
    static String runc(Path dir, String... args) throws IOException, InterruptedException {
        String[] cmd = new String[args.length + 1];
        cmd[0] = "runc";
        System.arraycopy(args, 0, cmd, 1, args.length);
        Process p = new ProcessBuilder(cmd).directory(dir.toFile())
            .redirectError(ProcessBuilder.Redirect.DISCARD).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(30, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new IOException("runc " + String.join(" ", args) + " failed");
        }
        return out;
    }
}
