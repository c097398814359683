package dev.berth.cli.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.berth.runtime.json.Json;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Every OciRuntimeTest case again, with each call going through the warm runtime server
 * ({@code berth-stage --client}): the calls the server takes must behave exactly as with a JVM
 * each, and they never start one (the test gives the client a JVM that does not exist). Then
 * what only the client of a foreground call does: forward its signals, follow its terminal,
 * and end when the server dies.
 */
class OciRuntimeServerTest extends OciRuntimeTest {
    @Override
    boolean viaServer() {
        return true;
    }

    @Test
    void aSignalToTheClientReachesTheProcessInTheForeground() throws Exception {
        // the client as a terminal's shell starts it: the test's own dispositions are whatever
        // started Maven (nohup: SIGHUP ignored), and a client does not forward a signal its
        // caller ignores (whatTheCallerIgnoresStaysWithTheCaller)
        String[] defaults = {"env", "--default-signal=HUP,INT,TERM"};
        // stderr in files: a process left in the container may hold a pipe open
        Path err1 = dir.resolve("s1.err");
        setProcess("\"sh\", \"-c\", \"trap 'exit 42' TERM; echo ready; while :; do sleep 0.1; done\"");
        Process p1 = through(command("run", "--bundle", bundle.toString(), "s1"), defaults)
            .redirectError(err1.toFile()).start();
        awaitLine(p1, "ready", err1);
        signal(p1, "TERM");
        assertTrue(p1.waitFor(10, TimeUnit.SECONDS), "the container's trap ended it");
        assertEquals(42, p1.exitValue(), () -> read(err1));

        // longer than the test waits: a lost signal fails as such, not as the SIGKILL of the
        // exec'd process when PID 1 of its namespace exits
        setProcess("\"sleep\", \"300\"");
        run(0, "run", "-d", "--bundle", bundle.toString(), "s2");
        Path err2 = dir.resolve("s2.err");
        Process p2 = through(command("exec", "s2", "sh", "-c", "trap 'exit 43' INT; echo ready; while :; do sleep 0.1; done"),
            defaults).redirectError(err2.toFile()).start();
        awaitLine(p2, "ready", err2);
        signal(p2, "INT");
        assertTrue(p2.waitFor(10, TimeUnit.SECONDS), "SIGINT reached the process");
        assertEquals(43, p2.exitValue(), () -> read(err2));
        // a process without a handler: killed by the signal, reported as runc reports it
        Path err3 = dir.resolve("s3.err");
        Process p3 = through(command("exec", "s2", "sh", "-c", "echo ready; sleep 300"), defaults)
            .redirectError(err3.toFile()).start();
        awaitLine(p3, "ready", err3);
        signal(p3, "HUP");
        assertTrue(p3.waitFor(10, TimeUnit.SECONDS), "SIGHUP reached the process");
        assertEquals(128 + 1, p3.exitValue(), () -> read(err3));
    }

    @Test
    void stdoutAndStderrOfTheForegroundArriveApart() throws Exception {
        setProcess("\"sh\", \"-c\", \"echo to-out; echo to-err >&2; exit 3\"");
        Process p = command("run", "--bundle", bundle.toString(), "o1").start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(30, TimeUnit.SECONDS));
        assertEquals(3, p.exitValue(), err);
        assertEquals("to-out\n", out);
        assertEquals("to-err\n", err);
    }

    @Test
    void aTerminalFollowsTheClientsWindowAndIsRestored() throws Exception {
        Path python = Path.of("/usr/bin/python3");
        assumeTrue(Files.isExecutable(python), "python3 plays the user at a terminal");
        setProcess("\"sh\", \"-c\", \"echo ready; read a; stty size; read b; stty size; exit 6\"");
        Files.writeString(bundle.resolve("config.json"), Files.readString(bundle.resolve("config.json"))
            .replace("\"terminal\": false", "\"terminal\": true"));
        Path script = dir.resolve("terminal-driver.py");
        try (var in = OciRuntimeServerTest.class.getResourceAsStream("terminal-driver.py")) {
            Files.write(script, in.readAllBytes());
        }
        ProcessBuilder pb = command("run", "--bundle", bundle.toString(), "w1");
        List<String> cmd = new ArrayList<>(List.of(python.toString(), script.toString(), "33x101"));
        cmd.addAll(pb.command());
        Process p = pb.command(cmd).start();
        String json = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        Map<String, Object> r = Json.parseObject(json);
        String shown = r.get("output").toString();
        assertFalse(r.containsKey("timeout"), shown);
        assertTrue(shown.contains("33 101\r\n"), "the container's pty took the client's size: " + shown);
        assertTrue(shown.contains("40 120\r\n"), "and followed its SIGWINCH: " + shown);
        assertTrue(shown.contains("status=6"), shown);
        String after = shown.substring(shown.indexOf("status=6"));
        assertTrue(after.contains(" icanon") && after.contains(" echo ") && !after.contains("-icanon"),
            "the client's terminal is out of raw mode again: " + after);
    }

    @Test
    void aServerThatDiesMidCallEndsTheClientWithAnError() throws Exception {
        long server = RuntimeServers.pid(socket).orElseThrow();
        // files: the container inherits them and outlives the client
        Path err = dir.resolve("client.err");
        Process p = command("run", "--bundle", bundle.toString(), "d1").redirectError(err.toFile())
            .redirectOutput(ProcessBuilder.Redirect.DISCARD).start(); // sleep 30
        waitFor(() -> Files.exists(dir.resolve("root/d1/state.json"))
            && run(0, "state", "d1").contains("\"status\": \"running\""));
        new ProcessBuilder("kill", "-KILL", Long.toString(server)).start().waitFor();
        assertTrue(p.waitFor(10, TimeUnit.SECONDS), "the client does not hang");
        String text = Files.readString(err);
        assertEquals(1, p.exitValue(), text);
        assertTrue(text.contains("the runtime server went away during the call"), text);

        // a new server for the rest of the test; the container still runs under its monitor
        waitFor(() -> !Files.exists(Path.of("/proc/" + server)) || Files.readString(Path.of("/proc/" + server + "/stat"))
            .contains(") Z "));
        Files.delete(socket);
        Files.delete(socket.resolveSibling("runtime-server.log"));
        serverUp = false;
        assertTrue(run(0, "state", "d1").contains("\"status\": \"running\""));
        waitFor(() -> Files.exists(socket));
        serverUp = true;
        run(0, "delete", "-f", "d1");
    }
}
