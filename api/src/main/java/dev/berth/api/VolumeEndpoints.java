package dev.berth.api;

import dev.berth.api.http.Exchange;
import dev.berth.api.http.HttpException;
import dev.berth.engine.Engine;
import dev.berth.engine.EngineException;
import dev.berth.engine.Volumes;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The {@code /volumes} endpoints, over the engine's {@link Volumes} (the CLI's {@code berth volume}). */
final class VolumeEndpoints {
    private final Engine engine;

    VolumeEndpoints(Engine engine) {
        this.engine = engine;
    }

    void routes(Routes r) {
        r.get("/volumes", (x, p) -> list(x));
        r.post("/volumes/create", (x, p) -> create(x));
        r.post("/volumes/prune", (x, p) -> prune(x));
        r.get("/volumes/{name}", (x, p) -> x.json(200, engine.volumes().inspect(p.get("name"))));
        r.delete("/volumes/{name}", (x, p) -> {
            Volumes v = engine.volumes();
            v.sweep();
            v.remove(p.get("name"), Containers.flag(x.request().query("force")));
            x.respond(204, null, new byte[0]);
        });
    }

    private void list(Exchange x) throws Exception {
        Map<String, List<String>> filters = Filters.byKey(x.request().query("filters"));
        Volumes v = engine.volumes();
        v.sweep();
        Map<String, List<String>> users = v.users();
        List<Object> out = new ArrayList<>();
        try {
            for (Map<String, Object> vol : v.list()) {
                if (Volumes.matches(vol, filters, users)) {
                    out.add(vol);
                }
            }
        } catch (EngineException.InvalidArgument e) {
            throw new HttpException(400, e.getMessage());
        }
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("Volumes", out);
        m.put("Warnings", null);
        x.json(200, m);
    }

    private void create(Exchange x) throws Exception {
        Body b = new Body(Containers.jsonBody(x), "");
        Map<String, Object> vol;
        try {
            vol = engine.volumes().create(b.str("Name"), b.str("Driver"), b.strMap("Labels"), b.strMap("DriverOpts"));
        } catch (BadRequest e) {
            throw new HttpException(400, e.getMessage());
        }
        x.json(201, vol);
    }

    /** {@code filters}: {@code all} (every unused volume, not only anonymous ones: API 1.42+), {@code label}, {@code label!}. */
    private void prune(Exchange x) throws Exception {
        Map<String, List<String>> filters = Filters.byKey(x.request().query("filters"));
        boolean all = false;
        for (String v : filters.getOrDefault("all", List.of())) {
            all |= Containers.flag(v);
        }
        Volumes v = engine.volumes();
        v.sweep();
        Volumes.Pruned p = v.prune(all, filters);
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("VolumesDeleted", p.names());
        m.put("SpaceReclaimed", p.bytes());
        x.json(200, m);
    }
}
