package dev.berth.cli.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Crash consistency of berth-runtime (issue 10): SIGKILL at each step of create, start, exec
 * and delete ({@code BERTH_CRASH_AT}), and of the container's monitor at each step where there
 * is one ({@code BERTH_KILL_MONITOR_AT}). Afterwards {@code state} and {@code list} tell the
 * truth (the container is whole, or gone), {@code delete -f} works, and nothing is left: no
 * process, cgroup, mount, state directory or pid file. Every container shares one read-only
 * busybox root, and each has a cgroup under the test's own.
 */
class OciCrashTest extends OciCrashBase {
    /** The steps of create, in order; the pid file is written after the last. */
    static final List<String> CREATE_STEPS = List.of("spec read", "directory made", "config saved", "cgroup created",
        "compiled", "stage taken", "container set up", "state written", "command started");
    /** The steps of create at which its monitor (the stage) is alive, before it leaves the process to our caller. */
    static final List<String> MONITOR_STEPS = List.of("stage taken", "container set up", "state written");
    static final List<String> START_STEPS = List.of("start checked", "process released", "fifo removed");
    static final List<String> EXEC_STEPS = List.of("exec stage taken", "exec set up", "exec started");
    static final List<String> DELETE_STEPS = List.of("container killed", "cgroup removed", "state removed");

    @Test
    void aCreateKilledAtAnyStepLeavesTheContainerWholeOrGoneAndDeleteForceRemovesTheRest() throws Exception {
        List<String> whole = new ArrayList<>();
        List<String> gone = new ArrayList<>();
        int faults = 0;
        for (int i = 0; i < CREATE_STEPS.size(); i++) {
            String step = CREATE_STEPS.get(i);
            String id = "c" + i;
            Result r = create(id, Map.of("BERTH_CRASH_AT", step));
            assertEquals(137, r.code(), "the create did not reach the step " + step + ": " + r.out());
            faults++;
            awaitNoMonitor();
            // the pid file is written once the container is whole, and never before
            assertFalse(Files.exists(pidFile(id)), "a pid file after a crash at " + step);
            switch (step) {
                case "command started" -> whole.add(id);
                case "state written" -> {
                    // its process was waiting for the start; the monitor killed it when the create went away
                    assertTrue(run(0, "state", id).contains("\"status\": \"stopped\""), step);
                    whole.add(id);
                }
                default -> {
                    assertTrue(run(1, "state", id).contains("container does not exist"), step);
                    gone.add(id);
                }
            }
        }
        for (String step : MONITOR_STEPS) {
            String id = "m" + step.charAt(0) + step.length();
            Result r = create(id, Map.of("BERTH_KILL_MONITOR_AT", step));
            assertEquals(1, r.code(), "the create went on without its monitor at " + step + ": " + r.out());
            faults++;
            assertTrue(run(1, "state", id).contains("container does not exist"), step);
            assertFalse(Files.exists(pidFile(id)), step);
            assertEquals(List.of(), cgroupsOf(id), "the failed create's cgroup is left: " + step);
        }
        assertEquals(whole, List.of(run(0, "list", "-q").strip().split("\n")), "list shows the whole ones only");
        // the one killed once everything was done is created and startable
        String created = "c" + (CREATE_STEPS.size() - 1);
        assertTrue(run(0, "state", created).contains("\"status\": \"created\""));
        run(0, "start", created);
        String state = run(0, "state", created);
        assertTrue(state.contains("\"status\": \"running\""), state);
        // a crashed create's id is taken back by the next create of it; or by delete -f
        for (int i = 0; i < gone.size(); i++) {
            String id = gone.get(i);
            if (i % 2 == 0) {
                assertEquals(0, create(id, Map.of()).code(), id);
                assertTrue(run(0, "state", id).contains("\"status\": \"created\""));
            }
            run(0, "delete", "-f", id);
            run(0, "delete", "-f", id); // twice: a missing container is fine with -f
        }
        for (String id : whole) {
            run(0, "delete", "-f", id);
        }
        assertEquals(List.of(), leftovers());
        System.out.println("[crash] berth-runtime create: " + faults + " faults, " + whole.size() + " whole, "
            + gone.size() + " gone, nothing left");
    }

    @Test
    void aStartKilledAtAnyStepLeavesTheContainerCreatedOrRunning() throws Exception {
        for (int i = 0; i < START_STEPS.size(); i++) {
            String id = "s" + i;
            assertEquals(0, create(id, Map.of()).code());
            Result r = runWith(Map.of("BERTH_CRASH_AT", START_STEPS.get(i)), "start", id);
            assertEquals(137, r.code(), "the start did not reach the step " + START_STEPS.get(i) + ": " + r.out());
            String state = run(0, "state", id);
            if (i == 0) { // before the process was let go: still created, and a start starts it
                assertTrue(state.contains("\"status\": \"created\""), state);
                run(0, "start", id);
            } else { // it was let go: running, whether or not the fifo was removed
                assertTrue(state.contains("\"status\": \"running\""), START_STEPS.get(i) + ": " + state);
                assertTrue(run(1, "start", id).contains("cannot start an already running container"));
            }
            assertTrue(run(0, "state", id).contains("\"status\": \"running\""));
            assertTrue(Host.running(Long.parseLong(Files.readString(pidFile(id)))));
        }
        for (int i = 0; i < START_STEPS.size(); i++) {
            run(0, "delete", "-f", "s" + i);
        }
        assertEquals(List.of(), leftovers());
    }

    @Test
    void anExecKilledAtAnyStepRunsItsCommandWhollyOrNotAtAllAndLeavesNothing() throws Exception {
        assertEquals(0, create("e", Map.of()).code());
        run(0, "start", "e");
        long init = Long.parseLong(Files.readString(pidFile("e")));
        List<String> cases = new ArrayList<>();
        for (String step : EXEC_STEPS) {
            cases.add("BERTH_CRASH_AT=" + step);
            cases.add("BERTH_KILL_MONITOR_AT=" + step);
        }
        for (int i = 0; i < cases.size(); i++) {
            String[] fault = cases.get(i).split("=", 2);
            Path execPid = dir.resolve("exec" + i + ".pid");
            Result r = runWith(Map.of(fault[0], fault[1]), "exec", "-d", "--pid-file", execPid.toString(), "e",
                "sh", "-c", "echo started > /dev/shm/ran" + i + "; sleep 0.2; echo finished > /dev/shm/ran" + i);
            boolean crashed = fault[0].equals("BERTH_CRASH_AT");
            boolean started = fault[1].equals("exec started");
            // killed itself: 137; lost its monitor before the start: an error; after it: nothing was lost
            assertEquals(crashed ? 137 : started ? 0 : 1, r.code(), cases.get(i) + ": " + r.out());
            assertEquals(!crashed && started, Files.exists(execPid), "the pid file after " + cases.get(i));
            for (int t = 0; t < 200 && (pidsIn("e").size() > 1 || !stages().isEmpty()); t++) {
                Thread.sleep(10);
            }
            assertEquals(List.of(init), pidsIn("e"), "a process of the exec stayed: " + cases.get(i));
            assertEquals(List.of(), stages(), "a stage of the exec stayed: " + cases.get(i));
            Path ran = Path.of("/proc/" + init + "/root/dev/shm/ran" + i); // the root is read-only
            assertEquals(started ? "finished\n" : null, Files.exists(ran) ? Files.readString(ran) : null, cases.get(i));
        }
        assertEquals("ok\n", run(0, "exec", "e", "echo", "ok"));
        assertTrue(run(0, "state", "e").contains("\"status\": \"running\""));
        run(0, "delete", "-f", "e");
        assertEquals(List.of(), leftovers());
    }

    @Test
    void aDeleteKilledAtAnyStepLeavesTheContainerStoppedOrGone() throws Exception {
        for (int i = 0; i < DELETE_STEPS.size(); i++) {
            String id = "d" + i;
            assertEquals(0, create(id, Map.of()).code());
            run(0, "start", id);
            Result r = runWith(Map.of("BERTH_CRASH_AT", DELETE_STEPS.get(i)), "delete", "-f", id);
            assertEquals(137, r.code(), "the delete did not reach the step " + DELETE_STEPS.get(i) + ": " + r.out());
            if (DELETE_STEPS.get(i).equals("state removed")) {
                assertTrue(run(1, "state", id).contains("container does not exist"));
                assertEquals(0, create(id, Map.of()).code(), "the id is taken back");
                run(0, "delete", "-f", id);
            } else {
                // killed, not yet removed: stopped, and a plain delete removes it
                assertTrue(run(0, "state", id).contains("\"status\": \"stopped\""), DELETE_STEPS.get(i));
                run(0, "delete", id);
            }
            assertEquals(List.of(), cgroupsOf(id), DELETE_STEPS.get(i));
        }
        assertEquals("", run(0, "list", "-q").strip());
        assertEquals(List.of(), leftovers());
    }
}
