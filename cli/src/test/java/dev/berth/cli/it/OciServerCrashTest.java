package dev.berth.cli.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Crash consistency of berth-runtime's warm server (issue 10). On the served path a fault is
 * not the caller's own JVM dying: the server dies in the middle of a call (a served call's
 * {@code BERTH_CRASH_AT}: the server kills itself there, and every call it serves goes with it),
 * or the call's C client dies while the server goes on ({@code BERTH_KILL_CLIENT_AT}: the
 * server SIGKILLs the client there; or the test kills it while a foreground process runs).
 * Afterwards the container is whole or gone, seen with a JVM per call and through a fresh
 * server, {@code delete -f} removes the rest, and nothing is left. The steps are those where
 * the served path differs from a JVM per call (OciCrashTest has them all): before and after
 * the server takes the client's stage, and around the answer.
 */
class OciServerCrashTest extends OciCrashBase {
    static final String WENT_AWAY = "the runtime server went away during the call";

    Path socket;
    /** The running server's pid, or -1. */
    long server = -1;
    int servers;

    @AfterEach
    void stopServer() throws Exception {
        if (socket != null) {
            RuntimeServers.stop(socket);
        }
    }

    @Test
    void aServerKilledAtAStepOfACreateLeavesItWholeOrGoneAndEndsTheCallsItServed() throws Exception {
        List<String> steps = List.of("directory made", "stage taken", "state written", "command started");
        List<String> whole = new ArrayList<>();
        List<String> gone = new ArrayList<>();
        for (int i = 0; i < steps.size(); i++) {
            String step = steps.get(i);
            String id = "c" + i;
            if (server < 0) {
                startServer();
            }
            Process other = null;
            Path otherErr = dir.resolve("other" + i + ".err");
            if (i == 0) {
                // another caller's call in flight: a foreground run that the dying server takes with it
                configFor("f", "\"sleep\", \"300\"");
                other = client(Map.of(), "run", "--bundle", bundle.toString(), "f").redirectError(otherErr.toFile())
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
                awaitState("f", "running");
            }
            configFor(id);
            // containerd reads the last error in --log: the client writes it there as the JVM would
            Path log = dir.resolve(id + ".log");
            String format = i % 2 == 0 ? "json" : "text";
            Result r = served(Map.of("BERTH_CRASH_AT", step), "--log", log.toString(), "--log-format", format,
                "create", "--bundle", bundle.toString(), "--pid-file", pidFile(id).toString(), id);
            assertWentAway(r, step);
            String logged = Files.readString(log);
            assertTrue(format.equals("json") ? logged.matches("\\{\"level\":\"error\",\"msg\":\"" + WENT_AWAY
                + "[^\"]*\",\"time\":\"[-0-9T:.]+Z\"}\n") : logged.matches("time=\"[-0-9T:.]+Z\" level=error msg=\""
                + WENT_AWAY + "[^\"]*\"\n"), logged);
            awaitServerGone();
            if (other != null) {
                assertTrue(other.waitFor(10, TimeUnit.SECONDS), "the other caller's client does not hang");
                String text = Files.readString(otherErr);
                assertEquals(1, other.exitValue(), text);
                assertTrue(text.contains(WENT_AWAY), text);
                // its container runs on under its monitor, as after a killed runc, until delete -f
                assertTrue(run(0, "state", "f").contains("\"status\": \"running\""));
                run(0, "delete", "-f", "f");
            }
            awaitNoMonitor();
            assertFalse(Files.exists(pidFile(id)), "a pid file after a crash at " + step);
            // seen with a JVM per call, then through a fresh server
            String expected = switch (step) {
                case "command started" -> "created";
                case "state written" -> "stopped"; // waiting for its start, killed by its monitor
                default -> null;
            };
            startServerInBackground();
            String byJvm = run(expected == null ? 1 : 0, "state", id);
            awaitServer();
            Result byServer = served(Map.of(), "state", id);
            if (expected == null) {
                assertTrue(byJvm.contains("container does not exist") && byServer.out().contains("container does not exist"),
                    step + ": " + byJvm + byServer.out());
                gone.add(id);
            } else {
                assertTrue(byJvm.contains("\"status\": \"" + expected + "\"") && byServer.out().contains(
                    "\"status\": \"" + expected + "\""), step + ": " + byJvm + byServer.out());
                whole.add(id);
            }
        }
        assertEquals(whole, List.of(served(Map.of(), "list", "-q").out().strip().split("\n")));
        served(0, "start", "c3");
        assertTrue(served(0, "state", "c3").contains("\"status\": \"running\""));
        for (String id : gone) {
            served(0, "delete", "-f", id); // what the crash left: the directory and the cgroup
        }
        configFor(gone.get(0));
        served(0, "create", "--bundle", bundle.toString(), gone.get(0)); // the id is free again
        for (String id : List.of(gone.get(0), "c2", "c3")) {
            served(0, "delete", "-f", id);
        }
        assertEquals(List.of(), leftovers());
        System.out.println("[crash] berth-runtime server, create: " + steps.size() + " server kills (and a call in"
            + " flight), " + whole.size() + " whole, " + gone.size() + " gone, " + servers + " servers, nothing left");
    }

    @Test
    void aServerKilledAtAStepOfAStartAnExecOrADeleteLeavesTheContainerWholeOrGone() throws Exception {
        startServer();
        configFor("e");
        served(0, "run", "-d", "--bundle", bundle.toString(), "--pid-file", pidFile("e").toString(), "e");
        long init = Long.parseLong(Files.readString(pidFile("e")));
        int faults = 0;

        // start: the process was let go, the fifo not yet removed: running
        configFor("s");
        served(0, "create", "--bundle", bundle.toString(), "--pid-file", pidFile("s").toString(), "s");
        assertWentAway(served(Map.of("BERTH_CRASH_AT", "process released"), "start", "s"), "process released");
        faults++;
        restartServer();
        assertTrue(run(0, "state", "s").contains("\"status\": \"running\""));
        assertTrue(served(1, "start", "s").contains("cannot start an already running container"));

        // a foreground exec: before the start its command never runs; after it, it runs to its end
        for (String step : List.of("exec set up", "exec started")) {
            String file = "/dev/shm/" + step.replace(' ', '-');
            Path ran = Path.of("/proc/" + init + "/root" + file);
            assertWentAway(served(Map.of("BERTH_CRASH_AT", step), "exec", "e", "sh", "-c",
                "echo started > " + file + "; sleep 0.2; echo finished > " + file), step);
            faults++;
            restartServer();
            awaitOnlyInit("e", init, step);
            assertEquals(step.equals("exec started") ? "finished\n" : null, Files.exists(ran) ? Files.readString(ran) : null,
                step);
        }

        // delete: killed, not yet removed: stopped; past its commit point: gone, and the id is free
        for (String step : List.of("container killed", "state removed")) {
            String id = "d" + step.length();
            configFor(id);
            served(0, "run", "-d", "--bundle", bundle.toString(), id);
            assertWentAway(served(Map.of("BERTH_CRASH_AT", step), "delete", "-f", id), step);
            faults++;
            restartServer();
            if (step.equals("state removed")) {
                assertTrue(run(1, "state", id).contains("container does not exist"));
                served(0, "run", "-d", "--bundle", bundle.toString(), id);
                served(0, "delete", "-f", id);
            } else {
                assertTrue(run(0, "state", id).contains("\"status\": \"stopped\""), step);
                served(0, "delete", id);
            }
            assertEquals(List.of(), cgroupsOf(id), step);
        }
        assertEquals("finished-ok\n", served(0, "exec", "e", "echo", "finished-ok"));
        served(0, "delete", "-f", "e");
        served(0, "delete", "-f", "s");
        assertEquals(List.of(), leftovers());
        System.out.println("[crash] berth-runtime server, start/exec/delete: " + faults + " server kills, "
            + servers + " servers, nothing left");
    }

    @Test
    void aClientKilledMidCallLeavesTheContainerWholeOrGoneAndTheServerServing() throws Exception {
        startServer();
        long pid = server;
        // each kind of call once, so that the server has opened what it keeps open (its jars)
        configFor("w");
        served(0, "run", "-d", "--bundle", bundle.toString(), "w");
        served(0, "exec", "w", "true");
        served(0, "delete", "-f", "w");
        int fds = fds(pid);
        int faults = 0;

        // before the server took the client's stage: nothing is made for a caller that is gone. With
        // a terminal and a console socket (containerd's and podman's -t), which need nothing of the
        // caller's stdio, a stage of the server's own would make it outside the caller's process tree
        Path python = Path.of("/usr/bin/python3");
        assumeTrue(Files.isExecutable(python), "python3 receives the pty master");
        Path script = dir.resolve("console-receiver.py");
        try (var in = OciServerCrashTest.class.getResourceAsStream("console-receiver.py")) {
            Files.write(script, in.readAllBytes());
        }
        Path console = dir.resolve("console.sock");
        Process receiver = new ProcessBuilder(python.toString(), script.toString(), console.toString(),
            dir.resolve("console.json").toString(), "").redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        try {
            waitFor(() -> Files.exists(console));
            configFor("k0");
            Path c = bundle.resolve("config.json");
            Files.writeString(c, Files.readString(c).replace("\"terminal\": false", "\"terminal\": true"));
            assertKilled(served(Map.of("BERTH_KILL_CLIENT_AT", "compiled"), "create", "--bundle", bundle.toString(),
                "--console-socket", console.toString(), "--pid-file", pidFile("k0").toString(), "k0"));
            faults++;
            awaitNoMonitor();
            assertTrue(served(1, "state", "k0").contains("container does not exist"));
            assertEquals(List.of(), cgroupsOf("k0"));
        } finally {
            receiver.destroyForcibly().waitFor();
        }
        // once the server has it, the create goes on to its end, pid file included: whole
        for (String step : List.of("stage taken", "command started")) {
            String id = "k" + step.length();
            configFor(id);
            assertKilled(served(Map.of("BERTH_KILL_CLIENT_AT", step), "create", "--bundle", bundle.toString(),
                "--pid-file", pidFile(id).toString(), id));
            faults++;
            awaitState(id, "created");
            waitFor(() -> Files.exists(pidFile(id)));
            served(0, "start", id);
        }
        // start, exec -d and delete go on to their end
        configFor("s");
        served(0, "create", "--bundle", bundle.toString(), "s");
        assertKilled(served(Map.of("BERTH_KILL_CLIENT_AT", "start checked"), "start", "s"));
        faults++;
        awaitState("s", "running");
        String id = "k" + "stage taken".length();
        long init = Long.parseLong(Files.readString(pidFile(id)));
        Path ran = Path.of("/proc/" + init + "/root/dev/shm/ran");
        assertKilled(served(Map.of("BERTH_KILL_CLIENT_AT", "exec stage taken"), "exec", "-d", id, "sh", "-c",
            "sleep 0.2; echo finished > /dev/shm/ran"));
        faults++;
        waitFor(() -> Files.exists(ran) && Files.readString(ran).equals("finished\n"));
        awaitOnlyInit(id, init, "exec -d");
        assertKilled(served(Map.of("BERTH_KILL_CLIENT_AT", "container killed"), "delete", "-f", "s"));
        faults++;
        waitFor(() -> served(Map.of(), "state", "s").out().contains("container does not exist"));
        assertEquals(List.of(), cgroupsOf("s"));

        // in the foreground, while the process runs: the server waits for it (and removes a run's container)
        Path fgRan = Path.of("/proc/" + init + "/root/dev/shm/fg");
        Process exec = client(Map.of(), "exec", id, "sh", "-c", "echo started > /dev/shm/fg; sleep 0.5;"
            + " echo finished > /dev/shm/fg").redirectOutput(ProcessBuilder.Redirect.DISCARD)
            .redirectError(ProcessBuilder.Redirect.DISCARD).start();
        waitFor(() -> Files.exists(fgRan));
        kill(exec);
        faults++;
        waitFor(() -> Files.readString(fgRan).equals("finished\n"));
        awaitOnlyInit(id, init, "a foreground exec");
        // the caller's stdio: a file, which the process keeps
        Path out = dir.resolve("r.out()");
        String ready = "\"sh\", \"-c\", \"echo ready; sleep 0.5; echo done\"";
        configFor("r", ready);
        Process run = client(Map.of(), "run", "--bundle", bundle.toString(), "r").redirectOutput(out.toFile())
            .redirectError(ProcessBuilder.Redirect.DISCARD).start();
        waitFor(() -> Files.readString(out).equals("ready\n"));
        kill(run);
        faults++;
        waitFor(() -> Files.readString(out).equals("ready\ndone\n"));
        waitFor(() -> served(Map.of(), "state", "r").out().contains("container does not exist"));
        assertEquals(List.of(), cgroupsOf("r"));

        // the same server serves on, and holds nothing of the calls whose clients died
        assertEquals(pid, server);
        assertTrue(Host.running(pid), "the server died");
        for (String c : List.of("k" + "stage taken".length(), "k" + "command started".length())) {
            assertTrue(served(0, "state", c).contains("\"status\": \"running\""), c);
            served(0, "delete", "-f", c);
        }
        assertEquals("", served(0, "list", "-q").strip());
        assertEquals(List.of(), leftovers());
        waitFor(() -> fds(pid) <= fds);
        System.out.println("[crash] berth-runtime server: " + faults + " clients killed, one server, " + fds(pid)
            + " fds before and after, nothing left");
    }

    // ---- helpers

    void configFor(String id, String args) throws IOException {
        configFor(id);
        Path c = bundle.resolve("config.json");
        Files.writeString(c, Files.readString(c).replace("\"sleep\", \"30\"", args));
    }

    /** The server's own fds, without the one /proc lends to reading them. */
    static int fds(long pid) throws IOException {
        try (var s = Files.list(Path.of("/proc/" + pid + "/fd"))) {
            return (int) s.count();
        }
    }

    void assertWentAway(Result r, String step) {
        assertEquals(1, r.code(), "the server did not die at " + step + ": " + r.out());
        assertTrue(r.out().contains("berth-runtime: " + WENT_AWAY), r.out());
    }

    static void assertKilled(Result r) {
        assertEquals(137, r.code(), "the client was not killed: " + r.out());
    }

    static void kill(Process p) throws Exception {
        assertEquals(0, new ProcessBuilder("kill", "-KILL", Long.toString(p.pid())).start().waitFor());
        assertTrue(p.waitFor(10, TimeUnit.SECONDS));
        assertEquals(137, p.exitValue());
    }

    void awaitState(String id, String status) throws Exception {
        waitFor(() -> served(Map.of(), "state", id).out().contains("\"status\": \"" + status + "\""));
    }

    /** Only the container's first process is left in its cgroup, and no stage. */
    void awaitOnlyInit(String id, long init, String what) throws Exception {
        for (int t = 0; t < 300 && (pidsIn(id).size() > 1 || !stages().isEmpty()); t++) {
            Thread.sleep(10);
        }
        assertEquals(List.of(init), pidsIn(id), "a process stayed: " + what);
        assertEquals(List.of(), describe(stages()), "a stage stayed: " + what);
    }

    interface Check {
        boolean ok() throws Exception;
    }

    static void waitFor(Check c) throws Exception {
        for (int i = 0; i < 500; i++) {
            if (c.ok()) {
                return;
            }
            Thread.sleep(20);
        }
        throw new AssertionError("condition not reached in 10 s");
    }

    /** A server of our own on a socket of the test's: started directly, as a first call would start it. */
    void startServerInBackground() throws Exception {
        socket = dir.resolve("srv/runtime.sock");
        Files.createDirectories(socket.getParent());
        Files.deleteIfExists(socket); // what a killed server left
        Files.deleteIfExists(socket.resolveSibling("runtime-server.log"));
        List<String> cmd = new ArrayList<>(List.of(Berth.STAGE.toString(), "--daemon",
            socket.resolveSibling("runtime-server.log").toString(), ProcessHandle.current().info().command().orElseThrow(),
            "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-XX:-UsePerfData", "-Xshare:auto",
            "-cp", System.getProperty("java.class.path"), "dev.berth.cli.oci.RuntimeServer", socket.toString()));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectOutput(ProcessBuilder.Redirect.DISCARD)
            .redirectError(ProcessBuilder.Redirect.DISCARD);
        pb.environment().put("BERTH_STAGE", Berth.STAGE.toString());
        pb.environment().put("BERTH_RUNTIME_SERVER_IDLE", "120");
        assertEquals(0, pb.start().waitFor());
        servers++;
    }

    void awaitServer() throws Exception {
        waitFor(() -> Files.exists(socket) && RuntimeServers.pid(socket).isPresent());
        server = RuntimeServers.pid(socket).orElseThrow();
    }

    void startServer() throws Exception {
        startServerInBackground();
        awaitServer();
    }

    void awaitServerGone() throws Exception {
        long pid = server;
        waitFor(() -> !Host.running(pid));
        server = -1;
    }

    /** After a server killed itself: a fresh one. */
    void restartServer() throws Exception {
        awaitServerGone();
        startServer();
    }

    /**
     * berth-runtime through the server: {@code berth-stage --client} with a JVM that does not
     * exist, so a call the server did not take fails (127) rather than run elsewhere.
     */
    ProcessBuilder client(Map<String, String> env, String... args) {
        List<String> all = new ArrayList<>(List.of("--root", dir.resolve("root").toString()));
        all.addAll(List.of(args));
        List<String> cmd = new ArrayList<>(List.of(Berth.STAGE.toString(), "--client", socket.toString(),
            Integer.toString(all.size()), "--launch", "/nonexistent/java", "dev.berth.cli.oci.RuntimeMain"));
        cmd.addAll(all);
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()));
        pb.environment().put("BERTH_STAGE", Berth.STAGE.toString());
        pb.environment().putAll(env);
        return pb;
    }

    Result served(Map<String, String> env, String... args) throws Exception {
        Path out = Files.createTempFile(dir, "out", ".txt"); // a file: a created container inherits it
        Process p = client(env, args).redirectErrorStream(true).redirectOutput(out.toFile()).start();
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        String text = Files.readString(out);
        Files.delete(out);
        return new Result(p.exitValue(), text);
    }

    String served(int code, String... args) throws Exception {
        Result r = served(Map.of(), args);
        assertEquals(code, r.code(), () -> "berth-runtime (served) " + String.join(" ", args) + ": " + r.out());
        return r.out();
    }
}
