package dev.berth.api;

import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.berth.engine.ExecRequest;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The daemon forgets finished execs as dockerd's exec GC does, and never a running one. */
class ExecsTest {
    private static Execs.Instance instance(String id) {
        return new Execs.Instance(id, "c", ExecRequest.of("true"), List.of("true"), "", false, false, true, true);
    }

    @Test
    void finishedExecsAreForgottenAfterFiveMinutes() {
        Execs execs = new Execs(null);
        long now = System.nanoTime();
        Execs.Instance old = instance("old");
        old.finishedAt = now - TimeUnit.MINUTES.toNanos(6);
        Execs.Instance recent = instance("recent");
        recent.finishedAt = now - TimeUnit.MINUTES.toNanos(4);
        Execs.Instance running = instance("running");
        running.running = true;
        Execs.Instance created = instance("created");
        for (Execs.Instance e : List.of(old, recent, running, created)) {
            execs.add(e);
        }

        execs.sweep(now);

        assertNull(execs.get("old"));
        assertNotNull(execs.get("recent"));
        assertNotNull(execs.get("running"));
        assertNotNull(execs.get("created"));
        // a running exec stays however long it runs
        execs.sweep(now + TimeUnit.HOURS.toNanos(1));
        assertNull(execs.get("recent"));
        assertNotNull(execs.get("running"));
    }
}
