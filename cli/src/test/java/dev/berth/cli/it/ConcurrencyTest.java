package dev.berth.cli.it;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

/** Several berth processes at once over one state directory: names stay unique. */
class ConcurrencyTest extends ContainerTestBase {
    @Test
    void exactlyOneOfManyRacingRunsGetsAName() throws Exception {
        int n = 6;
        List<Future<Berth.Result>> results = new ArrayList<>();
        try (ExecutorService pool = Executors.newFixedThreadPool(n)) {
            for (int i = 0; i < n; i++) {
                results.add(pool.submit(() -> berth.run("run", "-d", "--name", "only", "host", "sleep", "60")));
            }
        }
        int ok = 0;
        for (Future<Berth.Result> f : results) {
            Berth.Result r = f.get();
            if (r.code() == 0) {
                ok++;
            } else {
                assertEquals(125, r.code(), r.err());
            }
        }
        assertEquals(1, ok, "exactly one container may own the name");
        assertEquals(1, berth.ok("ps", "-a", "-q").strip().lines().count());
    }
}
