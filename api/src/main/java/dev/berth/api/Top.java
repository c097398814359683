package dev.berth.api;

import dev.berth.engine.Engine;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** {@code GET /containers/{id}/top}: the engine's {@link dev.berth.engine.Top} in docker's shape. */
final class Top {
    private Top() {}

    static Map<String, Object> of(Engine engine, String ref, String psArgs) throws Exception {
        List<String> args = new ArrayList<>();
        for (String a : psArgs.split(" ")) {
            if (!a.isEmpty()) {
                args.add(a);
            }
        }
        dev.berth.engine.Top top = engine.top(ref, args);
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("Titles", top.titles());
        m.put("Processes", top.processes());
        return m;
    }
}
