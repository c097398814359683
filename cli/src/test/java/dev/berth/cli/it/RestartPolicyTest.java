package dev.berth.cli.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.berth.runtime.json.Json;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;

/**
 * Restart policies and the event log without a daemon: the monitor's exit command restarts a
 * detached container (no berth process watches it), the monitor logs its die, and
 * {@code berth events} reads the log back.
 */
class RestartPolicyTest extends ContainerTestBase {

    @Test
    void onFailureRestartsAsOftenAsItsCountAndLogsEachDie() throws Exception {
        String since = unixNow();
        String id = berth.ok("run", "-d", "--name", "flaky", "--restart", "on-failure:2", "host", "sh", "-c", "exit 3")
            .strip();
        await(() -> state("flaky").equals("exited 2 3"), 30_000, "two restarts, then exited 3");
        Thread.sleep(1500); // longer than a back-off and a JVM's start: a third restart would show
        assertEquals("exited 2 3", state("flaky"), "on-failure:2 restarts twice, no more");
        assertEquals("on-failure 2", berth.ok("inspect", "-f",
            "{{.HostConfig.RestartPolicy.Name}} {{.HostConfig.RestartPolicy.MaximumRetryCount}}", "flaky").strip());
        List<String> actions = actions(since, "flaky");
        assertEquals(List.of("create", "start", "die 3", "start", "restart", "die 3", "start", "restart", "die 3"),
            actions, "the log of the three runs");
        // the legacy fields and the actor, as docker's messages carry them
        Map<String, Object> die = events(since, "container=flaky", "event=die").get(0);
        assertEquals("die", die.get("status"));
        assertEquals(id, die.get("id"));
        assertEquals("host", die.get("from"));
        assertEquals("container", die.get("Type"));
        assertEquals("flaky", Json.map(Json.map(die, "Actor"), "Attributes").get("name"));
        assertTrue(((Number) die.get("timeNano")).longValue() / 1_000_000_000L == ((Number) die.get("time")).longValue());
    }

    @Test
    void alwaysRestartsAfterAKillFromOutsideButNotAfterStop() throws Exception {
        berth.ok("run", "-d", "--name", "svc", "--restart", "always", "host", "sleep", "300");
        long first = Host.pid(berth, "svc");
        // killed by pid, as the OOM killer or an admin would: not through berth, so not "by hand"
        assertEquals(0, new ProcessBuilder("kill", "-KILL", String.valueOf(first)).start().waitFor());
        await(() -> state("svc").equals("running 1 0") && pid("svc") != first, 30_000, "restarted once");
        long second = Host.pid(berth, "svc");
        assertNotEquals(first, second);
        assertTrue(Host.alive(second), "the restarted process runs");
        berth.ok("stop", "-t", "1", "svc");
        Thread.sleep(2000);
        assertEquals("exited 1 137", state("svc"), "a stop through berth is not undone by the policy");
        assertTrue(!Host.alive(second));
    }

    @Test
    void eventsFollowLiveAndEndAtUntil() throws Exception {
        long start = System.nanoTime();
        String until = String.valueOf(System.currentTimeMillis() / 1000 + 4) + ".5";
        // started before the container: it must see what happens while it follows
        Process follower = new ProcessBuilder(berth.command("events", "--until", until, "--format", "{{.Type}} {{.Action}}"))
            .directory(berth.root().toFile()).redirectErrorStream(true).start();
        Thread.sleep(1500);
        berth.ok("run", "--rm", "--name", "once", "host", "sh", "-c", "exit 0");
        String out = new String(follower.getInputStream().readAllBytes());
        assertEquals(0, follower.waitFor());
        double took = (System.nanoTime() - start) / 1e9;
        assertTrue(took >= 3 && took < 15, "ends at --until, not before nor much after: " + took + " s");
        assertEquals(List.of("container create", "container start", "container die", "container destroy"),
            List.of(out.strip().split("\n")), out);
    }

    @Test
    void restartConflictsWithRmAndBadPoliciesAreRefused() throws Exception {
        Berth.Result r = berth.run("run", "--rm", "--restart", "always", "host", "true");
        assertEquals(125, r.code());
        assertTrue(r.err().contains("--restart and --rm"), r.err());
        r = berth.run("run", "--restart", "sometimes", "host", "true");
        assertEquals(125, r.code());
        assertTrue(r.err().contains("invalid restart policy"), r.err());
        r = berth.run("run", "--restart", "always:3", "host", "true");
        assertEquals(125, r.code());
        assertTrue(r.err().contains("only be used with 'on-failure'"), r.err());
    }

    private String state(String ref) {
        try {
            return berth.ok("inspect", "-f", "{{.State.Status}} {{.RestartCount}} {{.State.ExitCode}}", ref).strip();
        } catch (Exception e) {
            return e.toString();
        }
    }

    private long pid(String ref) {
        try {
            return Host.pid(berth, ref);
        } catch (Exception e) {
            return -1;
        }
    }

    /** Action and exit code of the container's events since then, up to now. */
    private List<String> actions(String since, String name) throws Exception {
        List<String> out = new ArrayList<>();
        for (Map<String, Object> e : events(since, "container=" + name)) {
            Object code = Json.map(Json.map(e, "Actor"), "Attributes").get("exitCode");
            out.add(e.get("Action") + (code == null ? "" : " " + code));
        }
        return out;
    }

    private List<Map<String, Object>> events(String since, String... filters) throws Exception {
        List<String> args = new ArrayList<>(List.of("events", "--since", since, "--until", unixNow(), "--format", "json"));
        for (String f : filters) {
            args.add("-f");
            args.add(f);
        }
        List<Map<String, Object>> out = new ArrayList<>();
        for (String line : berth.ok(args.toArray(String[]::new)).split("\n")) {
            if (!line.isBlank()) {
                out.add(Json.parseObject(line));
            }
        }
        return out;
    }

    static String unixNow() {
        java.time.Instant now = java.time.Instant.now();
        return now.getEpochSecond() + "." + String.format("%09d", now.getNano());
    }

    static void await(BooleanSupplier condition, long millis, String what) throws InterruptedException {
        long deadline = System.currentTimeMillis() + millis;
        while (!condition.getAsBoolean()) {
            if (System.currentTimeMillis() > deadline) {
                throw new AssertionError("not within " + millis + " ms: " + what);
            }
            Thread.sleep(50);
        }
    }
}
