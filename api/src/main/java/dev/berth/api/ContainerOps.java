package dev.berth.api;

import dev.berth.api.http.Exchange;
import dev.berth.api.http.HttpException;
import dev.berth.engine.Engine;
import dev.berth.engine.EngineException;
import dev.berth.engine.Prune;
import dev.berth.engine.Stats;
import dev.berth.engine.UpdateRequest;
import dev.berth.runtime.json.Json;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The container endpoints that act on one container's life without its streams: stats,
 * pause and unpause, rename, update, and {@code POST /containers/prune}.
 */
final class ContainerOps {
    /** dockerd's stats collector samples once a second; a stream sends each sample. */
    static final long INTERVAL_MILLIS = 1000;

    private final Engine engine;
    private final Live live;

    ContainerOps(Engine engine, Live live) {
        this.engine = engine;
        this.live = live;
    }

    void routes(Routes r) {
        r.get("/containers/{id}/stats", (x, p) -> stats(x, p.get("id")));
        r.post("/containers/{id}/pause", (x, p) -> {
            engine.pause(p.get("id"));
            x.respond(204, null, new byte[0]);
        });
        r.post("/containers/{id}/unpause", (x, p) -> {
            engine.unpause(p.get("id"));
            x.respond(204, null, new byte[0]);
        });
        r.post("/containers/{id}/rename", (x, p) -> rename(x, p.get("id")));
        r.post("/containers/{id}/update", (x, p) -> update(x, p.get("id")));
        r.post("/containers/prune", (x, p) -> prune(x));
    }

    /**
     * {@code stream} (default true): a sample a second, each with the one before as precpu, until
     * the client goes away or the container is removed. {@code stream=false}: two samples a
     * second apart, so that CPU % has a base (docker stats --no-stream); with {@code one-shot},
     * one sample at once. A container that is not running gives zeros, at once.
     */
    void stats(Exchange x, String ref) throws Exception {
        Map<String, Object> s = engine.inspect(ref);
        String id = (String) s.get("Id");
        String streamParam = x.request().query("stream");
        boolean stream = streamParam == null || streamParam.isEmpty() || Containers.flag(streamParam);
        boolean oneShot = Containers.flag(x.request().query("one-shot"));
        if (oneShot && stream) {
            throw new HttpException(400, "cannot have stream=true and one-shot=true");
        }
        Stats first = engine.stats(id);
        if (!stream) {
            Stats pre = null;
            if (!oneShot && first.cgroup() != null) {
                Thread.sleep(INTERVAL_MILLIS);
                pre = first;
                first = engine.stats(id);
            }
            x.json(200, StatsShape.of(first, pre, (String) s.get("Name"), id));
            return;
        }
        // before the head: it then says Connection: close, so no client reuses the connection
        Thread self = Thread.currentThread();
        AtomicBoolean done = new AtomicBoolean();
        x.onDisconnect(() -> {
            if (!done.get()) {
                self.interrupt();
            }
        });
        OutputStream out = x.stream(200, "application/json");
        try {
            Stats pre = null;
            for (Stats cur = first; ; ) {
                String name = String.valueOf(engine.inspect(id).get("Name")); // renamed meanwhile: the new one
                out.write((Json.compact(StatsShape.of(cur, pre, name, id)) + "\n").getBytes(StandardCharsets.UTF_8));
                out.flush();
                pre = cur;
                Thread.sleep(INTERVAL_MILLIS);
                cur = engine.stats(id);
            }
        } catch (InterruptedException | EngineException.NotFound e) {
            // the client went away, or the container was removed: the stream ends
        } finally {
            done.set(true);
            Thread.interrupted();
        }
    }

    void rename(Exchange x, String ref) throws Exception {
        String name = x.request().query("name");
        if (name == null || name.isEmpty()) {
            throw new HttpException(400, "Neither old nor new names may be empty");
        }
        engine.rename(ref, name);
        x.respond(204, null, new byte[0]);
    }

    /** docker's UpdateConfig: a zero (or absent) field stays as it is; PidsLimit 0 or -1 is unlimited. */
    void update(Exchange x, String ref) throws Exception {
        Body b = new Body(Containers.jsonBody(x), "");
        UpdateRequest r = new UpdateRequest();
        List<String> warnings = new ArrayList<>();
        try {
            Long memory = b.num("Memory");
            if (memory != null && memory > 0) {
                r.memory(memory);
            }
            Long swap = b.num("MemorySwap");
            if (swap != null && swap != 0) {
                r.memorySwap(swap);
            }
            Long reservation = b.num("MemoryReservation");
            if (reservation != null && reservation > 0) {
                r.memoryReservation(reservation);
            }
            Long nano = b.num("NanoCpus");
            Long quota = b.num("CpuQuota");
            Long period = b.num("CpuPeriod");
            if (nano != null && nano > 0) {
                r.cpus(nano / 1e9);
            } else if (quota != null && quota > 0) {
                r.cpus(quota / (double) (period != null && period > 0 ? period : 100_000));
            }
            Long shares = b.num("CpuShares");
            if (shares != null && shares > 0) {
                r.cpuShares(shares);
            }
            String cpus = b.str("CpusetCpus");
            if (cpus != null && !cpus.isEmpty()) {
                r.cpusetCpus(cpus);
            }
            String mems = b.str("CpusetMems");
            if (mems != null && !mems.isEmpty()) {
                r.cpusetMems(mems);
            }
            Long pids = b.num("PidsLimit");
            if (pids != null) {
                r.pidsLimit(pids <= 0 ? -1 : pids);
            }
            Long blkio = b.num("BlkioWeight");
            if (blkio != null && blkio > 0) {
                warnings.add("berth does not set BlkioWeight: it was left as it is");
            }
            Body policy = b.object("RestartPolicy");
            String policyName = policy == null ? null : policy.str("Name");
            if (policyName != null && !policyName.isEmpty() && !policyName.equals("no")) {
                throw new HttpException(400, "restart policy \"" + policyName + "\" is not supported yet:"
                    + " only \"no\"; restart the container yourself");
            }
        } catch (BadRequest e) {
            throw new HttpException(400, e.getMessage());
        }
        if (!r.isEmpty()) {
            warnings.addAll(engine.update(ref, r));
        } else {
            engine.inspect(ref); // docker answers 404 for a missing container even with nothing to change
        }
        x.json(200, Map.of("Warnings", warnings));
    }

    void prune(Exchange x) throws Exception {
        Map<String, List<String>> filters = Filters.byKey(x.request().query("filters"));
        Prune.Result r = engine.prune(filters);
        live.changed();
        x.json(200, Map.of("ContainersDeleted", r.removed(), "SpaceReclaimed", r.reclaimed()));
    }
}
