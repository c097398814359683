package dev.berth.cli.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Crash consistency of the daemon (issue 10) beyond a create: {@code berth daemon} killed with
 * SIGKILL ({@code BERTH_CRASH_AT}) at each step of a start, an exec and a remove that it serves.
 * The next daemon repairs what the crash left before it serves; the container is then whole
 * (and startable, or running) or gone, and {@code system check} finds nothing. CrashTest has the
 * CLI's and the monitor's crashes and the daemon's create.
 */
class DaemonCrashTest extends ContainerTestBase {
    /** The steps of a start; the command runs after the last. */
    private static final List<String> START_STEPS = List.of("security resolved", "cgroup created", "network reserved",
        "compiled", "stage taken", "container set up", "command started");
    private static final List<String> EXEC_STEPS = CrashTest.EXEC_STEPS;
    private static final List<String> RM_STEPS = CrashTest.RM_STEPS;

    @Test
    void aDaemonKilledAtAnyStepOfAStartLeavesTheContainerStartableOrRunning() throws Exception {
        for (int i = 0; i < START_STEPS.size(); i++) {
            String name = "s" + i;
            berth.ok("create", "--name", name, "--network", "none", "host", "sleep", "60");
            crashDuring(START_STEPS.get(i), "-X", "POST", "http://d/containers/" + name + "/start");
            boolean started = START_STEPS.get(i).equals("command started");
            Process daemon = daemon(null);
            try {
                String state = state(name);
                // never started: created, or exited when the crash came after the start began
                assertTrue(started ? state.equals("running") : Set.of("created", "exited").contains(state),
                    "after a crash at " + START_STEPS.get(i) + ": " + state);
                if (!started) { // a crash before the command ran leaves nothing that holds a start back
                    String out = curl("-X", "POST", "http://d/containers/" + name + "/start");
                    assertEquals("", out, "the start after a crash at " + START_STEPS.get(i));
                    assertEquals("running", state(name));
                }
            } finally {
                stop(daemon);
            }
        }
        assertEquals("nothing left by a crash", berth.ok("system", "check").strip());
    }

    @Test
    void aDaemonKilledAtAnyStepOfAnExecRunsTheCommandWhollyOrNotAtAll() throws Exception {
        String id = berth.ok("run", "-d", "--name", "e", "--network", "none", "host", "sleep", "60").strip();
        long pid = Host.pid(berth, "e");
        List<Long> before = List.of(Host.monitorPid(berth, "e")); // the container's monitor, and nothing else
        for (int i = 0; i < EXEC_STEPS.size(); i++) {
            // exec instances live in the daemon (as dockerd's): made by the one that crashes
            String script = "echo started > /tmp/ran" + i + "; sleep 0.3; echo finished > /tmp/ran" + i;
            crashDuring(EXEC_STEPS.get(i), () -> {
                String out = curl("-d", "{\"Cmd\":[\"sh\",\"-c\",\"" + script + "\"],\"AttachStdout\":true}",
                    "http://d/containers/e/exec");
                assertTrue(out.contains("\"Id\""), out);
                String exec = out.substring(out.indexOf("\"Id\"") + 6, out.indexOf('"', out.indexOf("\"Id\"") + 6));
                return curl("-d", "{\"Detach\":false,\"Tty\":false}", "http://d/exec/" + exec + "/start");
            });
            Host.assertExecWhollyOrNotAtAll(berth, id, pid, before, i, EXEC_STEPS.get(i).equals("exec started"),
                "after a crash at " + EXEC_STEPS.get(i));
        }
        Process daemon = daemon(null);
        try {
            assertEquals("running", state("e"));
            assertEquals("ok\n", berth.ok("exec", "e", "echo", "ok"));
        } finally {
            stop(daemon);
        }
        assertEquals("nothing left by a crash", berth.ok("system", "check").strip());
    }

    @Test
    void aDaemonKilledAtAnyStepOfARemoveLeavesTheContainerWholeOrGone() throws Exception {
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < RM_STEPS.size(); i++) {
            ids.add(berth.ok("run", "-d", "--name", "r" + i, "--network", "none", "host", "sleep", "60").strip());
        }
        for (int i = 0; i < RM_STEPS.size(); i++) {
            crashDuring(RM_STEPS.get(i), "-X", "DELETE", "http://d/containers/r" + i + "?force=1");
            // stopped but not yet removed is whole; after that, gone from every listing
            stop(daemon(null));
            assertEquals(i == 0 ? "exited" : "", berth.ok("ps", "-a", "--filter", "name=^r" + i + "$", "--format",
                "{{.State}}").strip(), "after a crash at " + RM_STEPS.get(i));
        }
        // a daemon leaves a removal younger than Recovery's grace alone (a CLI may still be at it),
        // so these are the operator's to repair; CrashTest has the daemon repairing old ones
        Berth.Result check = berth.run("system", "check");
        assertEquals(RM_STEPS.size() - 1, check.out().lines().filter(l -> l.contains("abandoned while being removed"))
            .count(), check.out());
        berth.ok("system", "check", "--repair");
        assertEquals("nothing left by a crash", berth.ok("system", "check").strip());
        berth.ok("rm", "r0");
        try (Stream<Path> dirs = Files.list(berth.root().resolve("containers"))) {
            assertEquals(0, dirs.count(), "container directories left");
        }
        for (String id : ids) {
            assertTrue(!Files.exists(Host.cgroupDir(berth, id, "pids")), "the cgroup of " + id + " stayed");
        }
        for (int i = 0; i < RM_STEPS.size(); i++) { // every name is free again
            berth.ok("run", "--rm", "--name", "r" + i, "--network", "none", "host", "true");
        }
    }

    /** Sends the request to a daemon that kills itself at {@code step}, and checks it did. */
    private void crashDuring(String step, String... request) throws Exception {
        crashDuring(step, () -> curl(request));
    }

    private void crashDuring(String step, Callable<String> requests) throws Exception {
        Process daemon = daemon(step);
        try {
            String answer = requests.call();
            assertTrue(daemon.waitFor(20, TimeUnit.SECONDS), "the daemon was not killed at " + step + ": " + answer);
            assertEquals(137, daemon.exitValue(), "the daemon did not reach " + step + ": " + answer);
        } finally {
            daemon.destroyForcibly().waitFor();
            Files.deleteIfExists(socket()); // a killed daemon leaves its socket file
        }
    }

    private String state(String name) throws Exception {
        return berth.ok("inspect", "-f", "{{.State.Status}}", name).strip();
    }

    private Path socket() {
        return berth.root().resolve("api.sock");
    }

    /** A daemon on the test's socket that kills itself at {@code crashAt} (null: never), once it listens. */
    private Process daemon(String crashAt) throws Exception {
        ProcessBuilder pb = new ProcessBuilder(berth.command("daemon", "-H", "unix://" + socket()))
            .directory(Path.of("/").toFile()).redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.appendTo(berth.root().resolve("daemon.log").toFile()));
        pb.environment().put("BERTH_CGROUP_PARENT", berth.cgroupParent());
        if (crashAt != null) {
            pb.environment().put("BERTH_CRASH_AT", crashAt);
        }
        Process daemon = pb.start();
        for (int t = 0; t < 500 && !Files.exists(socket()); t++) {
            Thread.sleep(20);
        }
        assertTrue(Files.exists(socket()), "the daemon did not listen: " + Files.readString(berth.root().resolve("daemon.log")));
        return daemon;
    }

    private void stop(Process daemon) throws Exception {
        daemon.destroy();
        assertTrue(daemon.waitFor(20, TimeUnit.SECONDS), "the daemon did not stop on SIGTERM");
        Files.deleteIfExists(socket());
    }

    private String curl(String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("curl", "-sS", "--unix-socket", socket().toString(), "-H",
            "Content-Type: application/json"));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        p.waitFor();
        return out;
    }
}
