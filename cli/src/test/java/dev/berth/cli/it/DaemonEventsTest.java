package dev.berth.cli.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.berth.runtime.json.Json;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * {@code GET /events} and restart policies through the daemon, driven by the real docker CLI:
 * what it prints and how it exits is the oracle.
 */
class DaemonEventsTest extends DaemonTestBase {

    @Test
    void dockerEventsStreamsLiveAndStopsAtUntil() throws Exception {
        long start = System.nanoTime();
        long until = System.currentTimeMillis() / 1000 + 6;
        Process events = new ProcessBuilder(DOCKER_CLI.toString(), "-H", "unix://" + socket, "events",
            "--until", String.valueOf(until), "--format", "{{json .}}").redirectErrorStream(true).start();
        Thread.sleep(1500);
        ok("run", "-d", "--name", "e1", "--label", "team=a", "--restart", "on-failure:1", "host", "sh", "-c", "exit 4");
        assertTrue(events.waitFor(30, TimeUnit.SECONDS), "docker events did not end at --until");
        String out = new String(events.getInputStream().readAllBytes());
        assertEquals(0, events.exitValue(), out);
        assertTrue((System.nanoTime() - start) / 1e9 >= 4, "docker events ended before --until");
        List<String> seen = new ArrayList<>();
        for (String line : out.split("\n")) {
            Map<String, Object> e = Json.parseObject(line);
            Map<String, Object> attrs = Json.map(Json.map(e, "Actor"), "Attributes");
            assertEquals("e1", attrs.get("name"), line);
            assertEquals("a", attrs.get("team"), "labels are attributes: " + line);
            assertEquals("local", e.get("scope"));
            seen.add(e.get("Action") + (attrs.get("exitCode") == null ? "" : " " + attrs.get("exitCode")));
        }
        assertEquals(List.of("create", "start", "die 4", "start", "restart", "die 4"), seen, out);
        assertEquals("exited 1 4 on-failure", ok("inspect", "-f",
            "{{.State.Status}} {{.RestartCount}} {{.State.ExitCode}} {{.HostConfig.RestartPolicy.Name}}", "e1").strip());
    }

    @Test
    void sinceUntilAndFiltersSelectFromTheLog() throws Exception {
        String since = RestartPolicyTest.unixNow();
        assertEquals(2, docker(null, "run", "--name", "keep", "--label", "pick=yes", "host", "sh", "-c", "exit 2").code());
        assertEquals(1, docker(null, "run", "--name", "skip", "host", "sh", "-c", "exit 1").code());
        // the CLI's own run is in the same log: berth and docker share it
        assertEquals(6, berth.run("run", "--name", "cli", "--label", "pick=yes", "host", "sh", "-c", "exit 6").code());
        String until = RestartPolicyTest.unixNow();
        String lines = ok("events", "--since", since, "--until", until, "--filter", "event=die",
            "--filter", "label=pick=yes", "--format", "{{.Actor.Attributes.name}} {{.Actor.Attributes.exitCode}}");
        assertEquals("keep 2\ncli 6", lines.strip());
        // the docker CLI's plain form: time, type, action, id and the sorted attributes
        String plain = ok("events", "--since", since, "--until", until, "-f", "container=skip", "-f", "event=die");
        assertTrue(plain.strip().matches("\\d{4}-\\d\\d-\\d\\dT[0-9:.]{18}Z container die [0-9a-f]{64}"
            + " \\(exitCode=1, image=host, name=skip\\)"), plain);
        // a bad filter is docker's 400
        Berth.Result bad = docker(null, "events", "--since", since, "--until", until, "-f", "colour=red");
        assertNotEquals(0, bad.code());
        assertTrue(bad.err().contains("invalid filter 'colour'"), bad.err());
        Berth.Result raw = curl("-o", "/dev/null", "-w", "%{http_code}", "http://d/events?since=5&until=4");
        assertEquals("400", raw.out());
    }

    @Test
    void theDaemonRestartsAfterAKillButNotAfterStopAndBringsAlwaysBackAtItsStart() throws Exception {
        ok("run", "-d", "--name", "al", "--restart", "always", "host", "sleep", "300");
        ok("run", "-d", "--name", "us", "--restart", "unless-stopped", "host", "sleep", "300");
        long first = pid("al");
        assertEquals(0, new ProcessBuilder("kill", "-KILL", String.valueOf(first)).start().waitFor());
        RestartPolicyTest.await(() -> state("al").equals("running 1") && pid("al") != first, 30_000,
            "al restarted by the daemon");
        ok("stop", "-t", "1", "al", "us");
        Thread.sleep(1500);
        assertEquals("exited 1", state("al"), "docker stop is not undone by always");
        assertEquals("exited 0", state("us"));
        // a new daemon on the same root: always comes back (docker forgets the stop), unless-stopped does not
        daemon.destroy();
        assertTrue(daemon.waitFor(20, TimeUnit.SECONDS));
        daemon = startDaemon(socket, berth.root());
        awaitSocket(daemon, socket);
        RestartPolicyTest.await(() -> state("al").startsWith("running"), 30_000, "al back at the daemon's start");
        Thread.sleep(1000);
        assertEquals("exited 0", state("us"), "unless-stopped stays stopped");
        assertEquals("running 0", state("al"), "a start at boot resets the count, as docker's does");
    }

    private String state(String ref) {
        try {
            return docker(null, "inspect", "-f", "{{.State.Status}} {{.RestartCount}}", ref).out().strip();
        } catch (Exception e) {
            return e.toString();
        }
    }

    private long pid(String ref) {
        try {
            return Long.parseLong(docker(null, "inspect", "-f", "{{.State.Pid}}", ref).out().strip());
        } catch (Exception e) {
            return -1;
        }
    }
}
