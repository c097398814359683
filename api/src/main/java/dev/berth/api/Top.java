package dev.berth.api;

import dev.berth.api.http.HttpException;
import dev.berth.engine.Engine;
import dev.berth.engine.EngineException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * {@code GET /containers/{id}/top}: as docker does it, the host's {@code ps} with the client's
 * arguments, keeping the rows whose PID is one of the container's processes.
 */
final class Top {
    private Top() {}

    static Map<String, Object> of(Engine engine, String ref, String psArgs) throws Exception {
        Set<Long> pids = Set.copyOf(engine.processes(ref));
        List<String> cmd = new ArrayList<>();
        cmd.add("ps");
        for (String a : psArgs.split(" ")) {
            if (!a.isEmpty()) {
                cmd.add(a);
            }
        }
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        p.getOutputStream().close();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (p.waitFor() != 0) {
            throw new HttpException(500, "ps " + psArgs + " failed: " + out.strip());
        }
        String[] lines = out.split("\n");
        List<String> titles = Arrays.asList(lines[0].trim().split("\\s+"));
        int pidCol = titles.indexOf("PID");
        if (pidCol < 0) {
            throw new HttpException(500, "couldn't find PID field in ps output");
        }
        List<Object> rows = new ArrayList<>();
        for (int i = 1; i < lines.length; i++) {
            String[] f = lines[i].trim().split("\\s+", titles.size());
            if (f.length <= pidCol) {
                continue;
            }
            try {
                if (pids.contains(Long.parseLong(f[pidCol]))) {
                    rows.add(Arrays.asList(f));
                }
            } catch (NumberFormatException e) {
                // not a process row
            }
        }
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("Titles", titles);
        m.put("Processes", rows);
        return m;
    }

}
