package dev.berth.cli.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
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
    void aStateThatAPowerLossEmptiedIsALeftoverAndItsNameIsTakenBack() throws Exception {
        // an auto-removed container's state is written without fsync: after a power loss its
        // renamed state.json can be there with nothing in it, as the machine's crash left it
        String id = berth.ok("create", "--rm", "--name", "torn", "host", "true").strip();
        Files.write(berth.root().resolve("containers").resolve(id).resolve("state.json"), new byte[0]);
        assertEquals("", berth.ok("ps", "-a", "-q"));
        Berth.Result check = berth.run("system", "check");
        assertTrue(check.out().contains(id.substring(0, 12)) && check.out().contains("torn"), check.out());
        berth.ok("run", "--rm", "--name", "torn", "host", "true");
        assertFalse(Files.exists(berth.root().resolve("containers").resolve(id)), "the torn directory stayed");
        assertEquals("nothing left by a crash", berth.ok("system", "check").strip());
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

    /** The steps of a start (berth run's and berth start's) at which the container's monitor is alive. */
    private static final List<String> MONITOR_STEPS = List.of("stage taken", "container set up", "network connected",
        "command started");

    @Test
    void aMonitorKilledAtAnyStepOfRunStartExecOrRmLeavesTheContainerWholeOrGone() throws Exception {
        int faults = 0;
        // run: before the command started the run fails and leaves nothing; after, the container
        // runs without its monitor, and rm -f removes it
        for (int i = 0; i < MONITOR_STEPS.size(); i++) {
            String step = MONITOR_STEPS.get(i);
            Berth.Result r = berth.runWithEnv(Map.of("BERTH_KILL_MONITOR_AT", step), "run", "-d", "--name", "m" + i,
                "--network", "bridge", "-p", "80", "host", "sleep", "60");
            faults++;
            boolean whole = step.equals("command started");
            assertEquals(whole ? 0 : 125, r.code(), step + ": " + r.err());
            String state = berth.ok("ps", "-a", "--filter", "name=^m" + i + "$", "--format", "{{.State}}").strip();
            assertEquals(whole ? "running" : "", state, "after the monitor was killed at " + step);
        }
        berth.ok("rm", "-f", "m" + (MONITOR_STEPS.size() - 1));
        // start of a created container: it stays created, and starts on the next try
        berth.ok("create", "--name", "s", "--network", "bridge", "host", "sleep", "60");
        for (String step : MONITOR_STEPS.subList(0, MONITOR_STEPS.size() - 1)) {
            Berth.Result r = berth.runWithEnv(Map.of("BERTH_KILL_MONITOR_AT", step), "start", "s");
            faults++;
            assertEquals(1, r.code(), step + ": " + r.err()); // docker start's exit code for a failure
            assertEquals("created", berth.ok("inspect", "-f", "{{.State.Status}}", "s").strip(), step);
        }
        berth.ok("start", "s");
        assertEquals("running", berth.ok("inspect", "-f", "{{.State.Status}}", "s").strip());
        // exec: before the start its command never runs; after, the exec ends without a status
        String id = berth.ok("inspect", "-f", "{{.Id}}", "s").strip();
        long pid = Host.pid(berth, "s");
        for (int i = 0; i < EXEC_STEPS.size(); i++) {
            String step = EXEC_STEPS.get(i);
            Berth.Result r = berth.runWithEnv(Map.of("BERTH_KILL_MONITOR_AT", step), "exec", "s", "sh", "-c",
                "echo started > /tmp/mon" + i + "; sleep 0.3; echo finished > /tmp/mon" + i);
            faults++;
            boolean started = step.equals("exec started");
            // before the start the exec fails; after it, its status may or may not have reached berth
            assertTrue(started || r.code() != 0, step + ": the exec lost its monitor and said nothing");
            for (int t = 0; t < 100 && processesIn(id) > 1; t++) {
                Thread.sleep(50);
            }
            assertEquals(1, processesIn(id), "a process of the exec stayed in the container: " + step);
            Path ran = Path.of("/proc/" + pid + "/root/tmp/mon" + i);
            assertEquals(started ? "finished\n" : null, Files.exists(ran) ? Files.readString(ran) : null, step);
        }
        // rm of a container whose monitor was killed
        long monitorPid = Host.monitorPid(berth, "s");
        dev.berth.linux.LibC.kill(monitorPid, 9);
        for (int t = 0; t < 100 && Host.running(monitorPid); t++) {
            Thread.sleep(10);
        }
        faults++;
        berth.ok("rm", "-f", "s");
        assertEquals("", berth.ok("ps", "-a", "-q"));
        assertEquals("nothing left by a crash", berth.ok("system", "check").strip());
        String ipam = Files.readString(berth.root().resolve("networks/.ipam/bridge.json"));
        assertTrue(ipam.contains("\"Addresses\":{}"), "an address is still held: " + ipam);
        System.out.println("[crash] monitor kills: " + faults + " faults, nothing left");
    }

    /** The steps of berth rm -f of a running container; the state goes at the second. */
    static final List<String> RM_STEPS = List.of("container stopped", "state removed", "name released",
        "cgroup removed", "network released");

    @Test
    void anRmKilledAtAnyStepLeavesTheContainerWholeOrGone() throws Exception {
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < RM_STEPS.size(); i++) {
            ids.add(berth.ok("run", "-d", "--name", "r" + i, "--network", "bridge", "-p", "80", "host", "sleep", "60")
                .strip());
        }
        for (int i = 0; i < RM_STEPS.size(); i++) {
            Berth.Result r = berth.runWithEnv(Map.of("BERTH_CRASH_AT", RM_STEPS.get(i)), "rm", "-f", "r" + i);
            assertEquals(137, r.code(), "the rm did not reach the step " + RM_STEPS.get(i) + ": " + r.err());
            String state = berth.ok("ps", "-a", "--filter", "name=^r" + i + "$", "--format", "{{.State}}").strip();
            // stopped but not yet removed: whole, and exited
            assertEquals(i == 0 ? "exited" : "", state, "after a crash at " + RM_STEPS.get(i));
        }
        Berth.Result check = berth.run("system", "check");
        assertEquals(1, check.code(), check.out() + check.err());
        assertEquals(RM_STEPS.size() - 1, check.out().lines().filter(l -> l.contains("abandoned while being removed"))
            .count(), check.out());
        berth.ok("system", "check", "--repair");
        assertEquals("nothing left by a crash", berth.ok("system", "check").strip());
        berth.ok("rm", "r0"); // the whole one is removed as any exited container
        // checked from outside: no directory, no cgroup, no address, and every name free again
        try (Stream<Path> dirs = Files.list(berth.root().resolve("containers"))) {
            assertEquals(0, dirs.count());
        }
        for (String id : ids) {
            assertFalse(Files.exists(Host.cgroupDir(berth, id, "pids")), "the cgroup of " + id + " stayed");
        }
        String ipam = Files.readString(berth.root().resolve("networks/.ipam/bridge.json"));
        assertTrue(ipam.contains("\"Addresses\":{}"), "an address is still held: " + ipam);
        for (int i = 0; i < RM_STEPS.size(); i++) {
            berth.ok("run", "--rm", "--name", "r" + i, "host", "true");
        }
    }

    /** The steps of berth exec; the command runs after the last. */
    static final List<String> EXEC_STEPS = List.of("exec stage taken", "exec set up", "exec started");

    @Test
    void anExecKilledAtAnyStepRunsItsCommandWhollyOrNotAtAllAndLeavesNothing() throws Exception {
        String id = berth.ok("run", "-d", "--name", "e", "host", "sleep", "60").strip();
        long pid = Host.pid(berth, "e");
        List<Long> before = Host.processesUnder(berth.root());
        for (int i = 0; i < EXEC_STEPS.size(); i++) {
            Berth.Result r = berth.runWithEnv(Map.of("BERTH_CRASH_AT", EXEC_STEPS.get(i)), "exec", "e", "sh", "-c",
                "echo started > /tmp/ran" + i + "; sleep 0.3; echo finished > /tmp/ran" + i);
            assertEquals(137, r.code(), "the exec did not reach the step " + EXEC_STEPS.get(i) + ": " + r.err());
            Host.assertExecWhollyOrNotAtAll(berth, id, pid, before, i, EXEC_STEPS.get(i).equals("exec started"),
                "after a crash at " + EXEC_STEPS.get(i));
        }
        assertEquals("ok\n", berth.ok("exec", "e", "echo", "ok"));
        assertEquals("running", berth.ok("inspect", "-f", "{{.State.Status}}", "e").strip());
        assertEquals("nothing left by a crash", berth.ok("system", "check").strip());
    }

    private int processesIn(String id) throws Exception {
        return Host.processesIn(berth, id);
    }

    /** The steps of a create through the daemon's API; the container is whole after the last. */
    private static final List<String> CREATE_STEPS = List.of("directory made", "name claimed", "request saved",
        "container created");

    @Test
    void theDaemonKilledInTheMiddleOfACreateLeavesItWholeOrGone() throws Exception {
        Path sock = berth.root().resolve("api.sock");
        Path log = berth.root().resolve("daemon.log");
        for (int i = 0; i < CREATE_STEPS.size(); i++) {
            Process daemon = daemon(sock, CREATE_STEPS.get(i), ProcessBuilder.Redirect.appendTo(log.toFile()));
            try {
                String answer = curl(sock, "-d", "{\"Image\":\"host\",\"Cmd\":[\"sleep\",\"60\"]}",
                    "http://d/containers/create?name=d" + i);
                assertTrue(daemon.waitFor(20, TimeUnit.SECONDS), "the daemon was not killed");
                assertEquals(137, daemon.exitValue(), "the daemon did not reach " + CREATE_STEPS.get(i) + ": " + answer);
            } finally {
                daemon.destroyForcibly();
                Files.deleteIfExists(sock); // a killed daemon leaves its socket file
            }
            String state = berth.ok("ps", "-a", "--filter", "name=^d" + i + "$", "--format", "{{.State}}").strip();
            boolean whole = CREATE_STEPS.get(i).equals("container created");
            assertEquals(whole ? "created" : "", state, "after a crash at " + CREATE_STEPS.get(i));
        }
        // each daemon started again repaired what the one before it left, before it served
        String said = Files.readString(log);
        assertEquals(CREATE_STEPS.size() - 1, said.lines().filter(l -> l.startsWith("berth daemon: repaired container "))
            .count(), said);
        assertEquals("nothing left by a crash", berth.ok("system", "check").strip());
        try (Stream<Path> dirs = Files.list(berth.root().resolve("containers"))) {
            assertEquals(1, dirs.count(), "only the whole container is left");
        }
        // a daemon started again starts the whole one, and the names of the others are free
        Process daemon = daemon(sock, null);
        try {
            String whole = "d" + (CREATE_STEPS.size() - 1);
            curl(sock, "-X", "POST", "http://d/containers/" + whole + "/start");
            assertEquals("running", berth.ok("inspect", "-f", "{{.State.Status}}", whole).strip());
            for (int i = 0; i < CREATE_STEPS.size() - 1; i++) {
                String out = curl(sock, "-d", "{\"Image\":\"host\",\"Cmd\":[\"true\"]}",
                    "http://d/containers/create?name=d" + i);
                assertTrue(out.contains("\"Id\""), out);
            }
        } finally {
            daemon.destroy();
            assertTrue(daemon.waitFor(20, TimeUnit.SECONDS), "the daemon did not stop on SIGTERM");
        }
    }

    /** A daemon on {@code sock} that kills itself at {@code crashAt} (null: never), once it listens. */
    private Process daemon(Path sock, String crashAt) throws Exception {
        return daemon(sock, crashAt, ProcessBuilder.Redirect.DISCARD);
    }

    private Process daemon(Path sock, String crashAt, ProcessBuilder.Redirect log) throws Exception {
        ProcessBuilder pb = new ProcessBuilder(berth.command("daemon", "-H", "unix://" + sock))
            .directory(Path.of("/").toFile()).redirectErrorStream(true).redirectOutput(log);
        pb.environment().put("BERTH_CGROUP_PARENT", berth.cgroupParent());
        if (crashAt != null) {
            pb.environment().put("BERTH_CRASH_AT", crashAt);
        }
        Process daemon = pb.start();
        for (int t = 0; t < 300 && !Files.exists(sock); t++) {
            Thread.sleep(20);
        }
        return daemon;
    }

    @Test
    void theDaemonRepairsWhatCrashesLeftWhenItStartsAndLeavesTheLiveAlone() throws Exception {
        // left by crashes: two runs killed half-way (one with an anonymous volume), an rm -v
        // killed after its commit point, long ago
        kill("cgroup created", "run", "-d", "--name", "k1", "host", "sleep", "60");
        kill("container set up", "run", "-d", "--name", "k2", "-v", "/data", "host", "sleep", "60");
        berth.ok("run", "-d", "--name", "k3", "-v", "/data", "-v", "kept:/kept", "host", "sleep", "60");
        String k3 = berth.ok("inspect", "-f", "{{.Id}}", "k3").strip();
        kill("name released", "rm", "-f", "-v", "k3");
        Files.setLastModifiedTime(berth.root().resolve("containers/" + k3 + "/removing"),
            java.nio.file.attribute.FileTime.fromMillis(System.currentTimeMillis() - 60_000));
        // alive: running, created, being created by a live process (this JVM stands in for it),
        // and an rm that may still be under way (its marker is a moment old)
        berth.ok("run", "-d", "--name", "live", "host", "sleep", "60");
        long live = Host.pid(berth, "live");
        berth.ok("create", "--name", "made", "host", "true");
        long me = ProcessHandle.current().pid();
        Path creating = berth.root().resolve("containers/" + "c".repeat(64));
        Files.createDirectories(creating);
        Files.writeString(creating.resolve("creator"), me + " " + dev.berth.linux.Procs.startTime(me) + " \n");
        berth.ok("run", "-d", "--name", "k4", "host", "sleep", "60");
        String k4 = berth.ok("inspect", "-f", "{{.Id}}", "k4").strip();
        kill("name released", "rm", "-f", "k4");

        Path sock = berth.root().resolve("api.sock");
        Path log = berth.root().resolve("daemon.log");
        Process daemon = daemon(sock, null, ProcessBuilder.Redirect.to(log.toFile()));
        try {
            for (int t = 0; t < 500 && !Files.readString(log).contains("listening on"); t++) {
                Thread.sleep(20);
            }
        } finally {
            daemon.destroy();
            assertTrue(daemon.waitFor(20, TimeUnit.SECONDS), "the daemon did not stop on SIGTERM");
        }
        String said = Files.readString(log);
        assertTrue(said.contains("listening on"), said);
        assertEquals(3, said.lines().filter(l -> l.startsWith("berth daemon: repaired container ")).count(), said);
        assertEquals(2, said.lines().filter(l -> l.startsWith("berth daemon: repaired volume ")).count(), said);
        assertFalse(said.contains("could not repair"), said);
        assertTrue(said.indexOf("repaired") < said.indexOf("listening on"), "it repaired before it served: " + said);
        // the live ones are untouched
        assertEquals("running", berth.ok("inspect", "-f", "{{.State.Status}}", "live").strip());
        assertEquals(live, Host.pid(berth, "live"));
        assertEquals("created", berth.ok("inspect", "-f", "{{.State.Status}}", "made").strip());
        assertTrue(Files.exists(creating.resolve("creator")), "a container being created was taken");
        assertTrue(Files.isDirectory(berth.root().resolve("containers/" + k4)), "an rm under way was finished");
        assertEquals("kept", berth.ok("volume", "ls", "-q").strip(), "the named volume stays, the anonymous ones go");
        // the young removal is a leftover all the same for system check, which has no grace
        Files.delete(creating.resolve("creator"));
        Files.delete(creating);
        Berth.Result check = berth.run("system", "check");
        assertEquals(1, check.code(), check.out());
        assertTrue(check.out().startsWith("container " + k4.substring(0, 12) + ": abandoned while being removed"),
            check.out());
        berth.ok("system", "check", "--repair");
        assertEquals("nothing left by a crash", berth.ok("system", "check").strip());
        berth.ok("volume", "rm", "kept");
    }

    @Test
    void anonymousVolumesGoWithTheirContainerUnlessKeptAndCheckRemovesThoseACrashLeft() throws Exception {
        berth.ok("run", "--rm", "-v", "/data", "-v", "named:/n", "host", "true");
        assertEquals(List.of("named"), volumes(), "run --rm removes its anonymous volume, not the named one");
        berth.ok("run", "-d", "--name", "a", "-v", "/data", "host", "sleep", "60");
        berth.ok("rm", "-f", "-v", "a");
        assertEquals(List.of("named"), volumes(), "rm -v removes the anonymous volume");
        berth.ok("run", "-d", "--name", "b", "-v", "/data", "host", "sleep", "60");
        berth.ok("rm", "-f", "b");
        List<String> kept = new ArrayList<>(volumes());
        assertEquals(2, kept.size(), "rm without -v keeps the anonymous volume, as docker: " + kept);
        assertEquals("nothing left by a crash", berth.ok("system", "check").strip(), "a kept volume is no leftover");

        kill("container set up", "run", "-d", "--name", "c", "-v", "/data", "-v", "named2:/n2", "host", "sleep", "60");
        berth.ok("run", "-d", "--name", "d", "-v", "/data", "host", "sleep", "60");
        kill("cgroup removed", "rm", "-f", "-v", "d");
        berth.ok("run", "-d", "--name", "e", "-v", "/data", "host", "sleep", "60");
        kill("state removed", "rm", "-f", "e");
        List<String> withE = volumes();
        Berth.Result check = berth.run("system", "check");
        assertEquals(1, check.code(), check.out());
        assertEquals(3, check.out().lines().filter(l -> l.startsWith("container ")).count(), check.out());
        assertEquals(2, check.out().lines().filter(l -> l.startsWith("volume ")).count(), check.out());
        berth.ok("system", "check", "--repair");
        assertEquals("nothing left by a crash", berth.ok("system", "check").strip());
        // c's and d's anonymous volumes went; the named ones, b's and e's (rm without -v) stay
        List<String> left = volumes();
        assertEquals(6, withE.size(), withE.toString());
        assertEquals(4, left.size(), left.toString());
        assertTrue(left.containsAll(kept) && left.contains("named2"), left.toString());
        for (String v : left) {
            berth.ok("volume", "rm", v);
        }
    }

    private List<String> volumes() throws Exception {
        return berth.ok("volume", "ls", "-q").lines().filter(l -> !l.isBlank()).sorted().toList();
    }

    /** Runs berth and has it SIGKILL itself at {@code step}, which it must reach. */
    private void kill(String step, String... args) throws Exception {
        Berth.Result r = berth.runWithEnv(Map.of("BERTH_CRASH_AT", step), args);
        assertEquals(137, r.code(), "berth " + String.join(" ", args) + " did not reach " + step + ": " + r.err());
    }

    private static String curl(Path sock, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("curl", "-sS", "--unix-socket", sock.toString(), "-H",
            "Content-Type: application/json"));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        p.waitFor();
        return out;
    }

    private String onlyContainerDir() throws Exception {
        try (Stream<Path> dirs = Files.list(berth.root().resolve("containers"))) {
            List<Path> all = dirs.toList();
            assertEquals(1, all.size(), all.toString());
            return all.get(0).getFileName().toString();
        }
    }
}
