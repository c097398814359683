package dev.berth.cli.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Crash consistency (issue 10): the CLI is killed with SIGKILL at each step of a run
 * ({@code BERTH_CRASH_AT}, checked at the engine's trace marks). Afterwards the container is
 * either whole (running, in ps) or gone from ps, and what a crash left is found and removed by
 * {@code berth system check --repair}, or taken back when its name is wanted again.
 */
class CrashTest extends ContainerTestBase {
    /** The steps of berth run, in order; a crash at the last one leaves a whole container. */
    private static final List<String> STEPS = List.of("engine.run", "security resolved", "cgroup created",
        "network reserved", "compiled", "stage taken", "container set up", "network connected", "command started");

    @BeforeEach
    void ownNetwork() throws Exception {
        berth.inOwnNetns(); // the runs are bridged: their bridge and firewall stay out of the host's
    }

    @Test
    void aRunKilledAtAnyStepLeavesItWholeOrGoneAndCheckRemovesTheRest() throws Exception {
        List<String> abandoned = new ArrayList<>();
        for (int i = 0; i < STEPS.size(); i++) {
            String name = "c" + i;
            Berth.Result r = berth.runWithEnv(Map.of("BERTH_CRASH_AT", STEPS.get(i)), "run", "-d", "--name", name,
                "--network", "bridge", "-p", "80", "host", "sleep", "60");
            assertEquals(137, r.code(), "the run did not reach the step " + STEPS.get(i) + ": " + r.err());
            String state = berth.ok("ps", "-a", "--filter", "name=^" + name + "$", "--format", "{{.State}}").strip();
            boolean whole = STEPS.get(i).equals("command started");
            assertEquals(whole ? "running" : "", state, "after a crash at " + STEPS.get(i));
            if (!whole && i > 0) { // the first step comes before anything is made
                abandoned.add(name);
            }
        }
        Berth.Result check = berth.run("system", "check");
        assertEquals(1, check.code(), check.out() + check.err());
        List<String> found = check.out().lines().filter(l -> l.startsWith("container ")).toList();
        assertEquals(abandoned.size(), found.size(), check.out());
        assertTrue(check.out().contains("holding the name c2, the cgroup "), check.out());

        String repaired = berth.ok("system", "check", "--repair");
        assertEquals(abandoned.size(), repaired.lines().filter(l -> l.endsWith("(repaired)")).count(), repaired);
        assertEquals("nothing left by a crash", berth.ok("system", "check").strip());
        // checked from outside: one directory (the whole container), its cgroup, its address
        try (Stream<Path> dirs = Files.list(berth.root().resolve("containers"))) {
            assertEquals(1, dirs.count());
        }
        String ipam = Files.readString(berth.root().resolve("networks/.ipam/bridge.json"));
        String held = ipam.substring(ipam.indexOf("\"Addresses\":{"));
        assertEquals(1, held.substring(0, held.indexOf('}')).split(",").length, "one container holds an address: " + ipam);
        for (String name : abandoned) {
            berth.ok("run", "--rm", "--name", name, "--network", "bridge", "host", "true");
        }
    }

    @Test
    void aNameLeftByAKilledRunIsTakenBackWhenItIsWanted() throws Exception {
        Berth.Result r = berth.runWithEnv(Map.of("BERTH_CRASH_AT", "container set up"), "run", "-d", "--name", "web",
            "host", "sleep", "60");
        assertEquals(137, r.code());
        String id = onlyContainerDir();
        assertTrue(Files.isDirectory(Host.cgroupDir(berth, id, "pids")), "the crash left the cgroup");
        berth.ok("run", "-d", "--name", "web", "host", "sleep", "60");
        assertFalse(Files.exists(berth.root().resolve("containers").resolve(id)), "the abandoned directory stayed");
        assertFalse(Files.isDirectory(Host.cgroupDir(berth, id, "pids")), "the abandoned cgroup stayed");
        assertEquals("running", berth.ok("inspect", "-f", "{{.State.Status}}", "web").strip());
    }

    @Test
    void aRunWithRmKilledOnceStartedIsRemovedWhenItsCommandEnds() throws Exception {
        Berth.Result r = berth.runWithEnv(Map.of("BERTH_CRASH_AT", "command started"), "run", "--rm", "--name", "brief",
            "host", "sleep", "1");
        assertEquals(137, r.code());
        for (int i = 0; i < 100 && !berth.ok("ps", "-a", "-q").isBlank(); i++) {
            Thread.sleep(100);
        }
        assertEquals("", berth.ok("ps", "-a", "-q"), "the monitor's removal did not run");
        assertEquals("nothing left by a crash", berth.ok("system", "check").strip());
    }

    private String onlyContainerDir() throws Exception {
        try (Stream<Path> dirs = Files.list(berth.root().resolve("containers"))) {
            List<Path> all = dirs.toList();
            assertEquals(1, all.size(), all.toString());
            return all.get(0).getFileName().toString();
        }
    }
}
