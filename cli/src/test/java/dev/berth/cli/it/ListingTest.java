package dev.berth.cli.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.berth.engine.Engine;
import dev.berth.engine.Listing;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * {@link Listing}: a container's state is read again when its directory changed, whoever
 * changed it (here the CLI, another process), or when its monitor is gone; else not at all.
 */
class ListingTest extends ContainerTestBase {
    private final AtomicInteger shaped = new AtomicInteger();

    private Listing<String> listing(Engine engine) {
        return new Listing<>(engine, s -> {
            shaped.incrementAndGet();
            @SuppressWarnings("unchecked")
            Map<String, Object> st = (Map<String, Object>) s.get("State");
            return s.get("Name") + " " + st.get("Status");
        });
    }

    @Test
    void readsAStateAgainOnlyWhenItChanged() throws Exception {
        Engine engine = Engine.open(berth.root());
        Listing<String> listing = listing(engine);
        assertEquals(List.of(), listing.list());
        String id = berth.ok("run", "-d", "--name", "one", "--rootfs", busybox(), "sleep", "600").strip();
        Thread.sleep(50); // older than the file system's timestamp tick: not racy
        assertEquals(List.of("/one running"), listing.list());
        int reads = shaped.get();
        assertEquals(List.of("/one running"), listing.list());
        assertEquals(List.of("/one running"), listing.list());
        assertEquals(reads, shaped.get(), "an unchanged container is not read again");

        berth.ok("rename", "one", "two"); // state.json replaced by another process
        assertEquals(List.of("/two running"), listing.list());
        berth.ok("kill", "two"); // the monitor writes its exit file
        awaitList(listing, List.of("/two exited"));
        reads = shaped.get();
        Thread.sleep(50);
        listing.list();
        listing.list();
        assertTrue(shaped.get() <= reads + 1, "an exited container is read once more at most (racy)");

        berth.ok("rm", "two");
        assertEquals(List.of(), listing.list());
        assertTrue(!berth.root().resolve("containers").resolve(id).toFile().exists());
    }

    @Test
    void seesAMonitorThatDiedWithoutAWord() throws Exception {
        Engine engine = Engine.open(berth.root());
        Listing<String> listing = listing(engine);
        berth.ok("run", "-d", "--name", "gone", "--rootfs", busybox(), "sleep", "600");
        Thread.sleep(50);
        assertEquals(List.of("/gone running"), listing.list());
        long monitor = Long.parseLong(berth.ok("inspect", "-f", "{{.State.MonitorPid}}", "gone").strip());
        long pid = Long.parseLong(berth.ok("inspect", "-f", "{{.State.Pid}}", "gone").strip());
        // the container first, then its monitor before it can write an exit file: no file changes
        ProcessHandle m = ProcessHandle.of(monitor).orElseThrow();
        new ProcessBuilder("kill", "-STOP", String.valueOf(monitor)).start().waitFor();
        new ProcessBuilder("kill", "-KILL", String.valueOf(pid)).start().waitFor();
        new ProcessBuilder("kill", "-KILL", String.valueOf(monitor)).start().waitFor();
        m.onExit().get();
        for (int i = 0; i < 100 && Path.of("/proc/" + monitor).toFile().exists(); i++) {
            Thread.sleep(20); // reaped by whoever is its parent now
        }
        awaitList(listing, List.of("/gone dead"));
        berth.ok("rm", "-f", "gone");
    }

    private static void awaitList(Listing<String> listing, List<String> want) throws Exception {
        List<String> got = null;
        for (int i = 0; i < 100; i++) {
            got = listing.list();
            if (got.equals(want)) {
                return;
            }
            Thread.sleep(50);
        }
        assertEquals(want, got);
    }
}
