package dev.berth.cli.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.berth.runtime.json.Json;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;

/**
 * Healthchecks without a daemon: the container's monitor runs them (a JVM each, see
 * docs/health.md), with docker's rules for status, retries, timeout, start period and start
 * interval, and shows them in inspect, ps, ps --filter health= and the event log. Intervals are
 * short; every wait is on a condition, never on a fixed sleep that a slow machine could beat.
 */
class HealthTest extends ContainerTestBase {

    @Test
    void unhealthyAfterRetriesThenHealthyWithEventsStatusTextAndManualRun() throws Exception {
        String since = RestartPolicyTest.unixNow();
        berth.ok("run", "-d", "--name", "web", "--health-cmd", "echo probe; test -f /tmp/ok",
            "--health-interval", "100ms", "--health-retries", "2", "host", "sleep", "300");
        // a check that has not run yet: the interval is long
        berth.ok("run", "-d", "--name", "slow", "--health-cmd", "true", "--health-interval", "1h", "host", "sleep", "300");
        berth.ok("run", "-d", "--name", "plain", "host", "sleep", "300");

        await(() -> health("web").startsWith("unhealthy"), 30_000, "web unhealthy after 2 failures");
        Map<String, Object> h = healthOf("web");
        assertTrue(((Number) h.get("FailingStreak")).intValue() >= 2, h.toString());
        Map<String, Object> last = lastLog(h);
        assertEquals(1, ((Number) last.get("ExitCode")).intValue());
        assertEquals("probe\n", last.get("Output"), "stdout and stderr of the probe");
        assertTrue(status("web").matches("Up .* \\(unhealthy\\)"), status("web"));
        assertEquals("slow", names("health=starting"));
        assertTrue(status("slow").matches("Up .* \\(health: starting\\)"), status("slow"));
        assertEquals("plain", names("health=none"));
        assertTrue(status("plain").matches("Up [^(]*"), status("plain"));

        // podman's healthcheck run: one check now, counted; exit 1 and the status when not healthy
        Berth.Result manual = berth.run("healthcheck", "run", "web");
        assertEquals(1, manual.code(), manual.err());
        assertEquals("unhealthy", manual.line());

        berth.ok("exec", "web", "touch", "/tmp/ok");
        await(() -> health("web").equals("healthy 0"), 30_000, "web healthy again after one success");
        assertEquals("web", names("health=healthy"));
        assertTrue(status("web").matches("Up .* \\(healthy\\)"), status("web"));
        manual = berth.run("healthcheck", "run", "web");
        assertEquals(0, manual.code(), manual.err());
        assertEquals("", manual.out(), "nothing printed when healthy, as podman");
        await(() -> logSize("web") == 5, 30_000, "the log keeps the last 5 results");
        Thread.sleep(500);
        assertEquals(5, logSize("web"));

        List<String> events = new ArrayList<>();
        for (String line : berth.ok("events", "--since", since, "--until", RestartPolicyTest.unixNow(),
            "--filter", "container=web", "--format", "{{.Action}}").split("\n")) {
            if (line.startsWith("health_status")) {
                events.add(line);
            }
        }
        assertEquals(List.of("health_status: unhealthy", "health_status: healthy"), events,
            "one event per change of status");

        Berth.Result none = berth.run("healthcheck", "run", "plain");
        assertEquals(125, none.code());
        assertTrue(none.err().contains("has no healthcheck"), none.err());
        Berth.Result bad = berth.run("ps", "--filter", "health=fine");
        assertEquals(125, bad.code());
        assertTrue(bad.err().contains("Unrecognised filter value for health: fine"), bad.err());
    }

    @Test
    void aCheckThatOutlivesItsTimeoutIsKilledAndFails() throws Exception {
        berth.ok("run", "-d", "--name", "hang", "--health-cmd", "echo started; exec sleep 60",
            "--health-timeout", "200ms", "--health-interval", "100ms", "--health-retries", "1", "host", "sleep", "300");
        await(() -> health("hang").startsWith("unhealthy"), 30_000, "unhealthy after one timed-out check");
        Map<String, Object> last = lastLog(healthOf("hang"));
        assertEquals(-1, ((Number) last.get("ExitCode")).intValue());
        assertEquals("Health check exceeded timeout (200ms)", last.get("Output"));
        long took = dev.berth.runtime.Timestamps.parse((String) last.get("End"))
            - dev.berth.runtime.Timestamps.parse((String) last.get("Start"));
        assertTrue(took >= 200_000_000L && took < 10_000_000_000L, "killed after its timeout: " + took + " ns");
        // the killed probe (exec'd into sleep) is gone, not left running in the container
        await(() -> probes("hang") <= 1, 10_000, "at most the check running now is left");
        // never two at once, though each check outlives the interval
        await(() -> logSize("hang") >= 3, 30_000, "three checks");
        long lastEnd = 0;
        for (Object o : (List<?>) healthOf("hang").get("Log")) {
            Map<?, ?> e = (Map<?, ?>) o;
            long s = dev.berth.runtime.Timestamps.parse((String) e.get("Start"));
            assertTrue(s >= lastEnd, "a check started before the last one ended: " + healthOf("hang"));
            lastEnd = dev.berth.runtime.Timestamps.parse((String) e.get("End"));
        }
        // rm ends the checks with the container: no check's JVM or probe of it is left
        String id = berth.ok("inspect", "-f", "{{.Id}}", "hang").strip();
        await(() -> checkers(id) == 1, 10_000, "a check running, one at a time");
        berth.ok("rm", "-f", "hang");
        await(() -> checkers(id) == 0, 2_000, "no check of the removed container left running");
    }

    @Test
    void failuresInTheStartPeriodDoNotCountAndRunAtTheStartInterval() throws Exception {
        String since = RestartPolicyTest.unixNow();
        berth.ok("run", "-d", "--name", "boot", "--health-cmd", "false", "--health-interval", "2s",
            "--health-start-period", "4s", "--health-start-interval", "50ms", "--health-retries", "1",
            "host", "sleep", "300");
        long started = dev.berth.runtime.Timestamps.parse(berth.ok("inspect", "-f", "{{.State.StartedAt}}", "boot").strip());
        // one retry: the first failure that counts makes it unhealthy, and that is after the start period
        Map<String, Object> h = null;
        for (long end = System.currentTimeMillis() + 30_000; h == null || !"unhealthy".equals(h.get("Status")); ) {
            assertTrue(System.currentTimeMillis() < end, "unhealthy once the start period is over: " + h);
            h = healthOf("boot");
        }
        assertEquals(1, ((Number) h.get("FailingStreak")).intValue());
        List<Map<String, Object>> events = new ArrayList<>();
        for (String line : berth.ok("events", "--since", since, "--until", RestartPolicyTest.unixNow(),
            "--filter", "event=health_status", "--format", "json").strip().split("\n")) {
            events.add(Json.parseObject(line));
        }
        assertEquals(1, events.size(), "starting -> unhealthy, nothing before: " + events);
        assertEquals("health_status: unhealthy", events.get(0).get("Action"));
        long at = ((Number) events.get(0).get("timeNano")).longValue();
        assertTrue(at - started >= 4_000_000_000L, "failures in the start period did not count: "
            + (at - started) / 1_000_000 + " ms");
        // the checks ran at the start interval in the period: at the interval of 2s there would be 2 at most
        int inPeriod = 0;
        for (Object o : (List<?>) h.get("Log")) {
            long t = dev.berth.runtime.Timestamps.parse((String) ((Map<?, ?>) o).get("Start"));
            inPeriod += t - started < 4_000_000_000L ? 1 : 0;
        }
        assertTrue(inPeriod >= 4, "the start period's failures among the last five results: " + h);
    }

    @Test
    void restartResetsTheStatusAndAStoppedContainerIsUnhealthy() throws Exception {
        String since = RestartPolicyTest.unixNow();
        berth.ok("run", "-d", "--name", "svc", "--health-cmd", "true", "--health-interval", "1500ms",
            "host", "sleep", "300");
        await(() -> health("svc").equals("healthy 0"), 30_000, "healthy");
        berth.ok("restart", "-t", "0", "svc");
        Map<String, Object> h = healthOf("svc");
        assertEquals("starting", h.get("Status"), "a new start begins again: " + h);
        assertEquals(0, ((Number) h.get("FailingStreak")).intValue());
        assertFalse(((List<?>) h.get("Log")).isEmpty(), "the log of the last run stays, as docker keeps it");
        await(() -> health("svc").equals("healthy 0"), 30_000, "healthy again");
        berth.ok("stop", "-t", "0", "svc");
        assertEquals("unhealthy", healthOf("svc").get("Status"), "docker leaves a stopped container unhealthy");
        assertEquals("svc", names("health=unhealthy", "-a"));
        int healthy = 0;
        for (String a : berth.ok("events", "--since", since, "--until", RestartPolicyTest.unixNow(),
            "--filter", "container=svc", "--format", "{{.Action}}").split("\n")) {
            healthy += a.equals("health_status: healthy") ? 1 : 0;
        }
        assertEquals(2, healthy, "starting -> healthy in each run");
    }

    @Test
    void imageHealthcheckIsMergedWithTheFlagsAndNoneTurnsItOff() throws Exception {
        TestImage.load(berth.root());
        berth.ok("run", "-d", "--name", "base", "--entrypoint", "/bin/sleep", "--health-cmd", "exit 0",
            "--health-interval", "100ms", "--health-retries", "4", "busybox", "300");
        berth.ok("commit", "base", "hc:1");
        berth.ok("rm", "-f", "base");
        assertEquals("{\"Interval\":100000000,\"Retries\":4,\"Test\":[\"CMD-SHELL\",\"exit 0\"]}",
            berth.ok("image", "inspect", "-f", "{{json .Config.Healthcheck}}", "hc:1").strip());

        berth.ok("run", "-d", "--name", "inherits", "hc:1", "300");
        await(() -> health("inherits").equals("healthy 0"), 30_000, "the image's check runs");

        // flags override field by field: the test and the retries here, the interval the image's
        berth.ok("run", "-d", "--name", "over", "--health-cmd", "exit 3", "--health-retries", "1", "hc:1", "300");
        assertEquals("{\"Interval\":100000000,\"Retries\":1,\"Test\":[\"CMD-SHELL\",\"exit 3\"]}",
            berth.ok("inspect", "-f", "{{json .Config.Healthcheck}}", "over").strip());
        await(() -> health("over").equals("unhealthy 1"), 30_000, "the flag's check runs");
        assertEquals(3, ((Number) lastLog(healthOf("over")).get("ExitCode")).intValue());

        berth.ok("run", "-d", "--name", "off", "--no-healthcheck", "hc:1", "300");
        assertEquals("[NONE]", berth.ok("inspect", "-f", "{{.Config.Healthcheck.Test}}", "off").strip());
        assertEquals("null", berth.ok("inspect", "-f", "{{json .State.Health}}", "off").strip());
        // an image whose Healthcheck is NONE runs no check either
        berth.ok("commit", "off", "hc:none");
        berth.ok("run", "-d", "--name", "offimg", "hc:none", "300");
        Thread.sleep(1000); // ten intervals of the image's: a check would have run
        assertEquals("off offimg", names("health=none").replace("\n", " "));
        assertEquals("null", berth.ok("inspect", "-f", "{{json .State.Health}}", "offimg").strip());

        Berth.Result conflict = berth.run("run", "--no-healthcheck", "--health-cmd", "true", "host", "true");
        assertEquals(125, conflict.code());
        assertTrue(conflict.err().contains("--no-healthcheck conflicts with --health-* options"), conflict.err());
        Berth.Result negative = berth.run("run", "--health-interval", "-1s", "--health-cmd", "true", "host", "true");
        assertEquals(125, negative.code());
        assertTrue(negative.err().contains("--health-interval cannot be negative"), negative.err());
        Berth.Result tiny = berth.run("run", "--health-interval", "10us", "--health-cmd", "true", "host", "true");
        assertEquals(125, tiny.code());
        assertTrue(tiny.err().contains("Interval in Healthcheck cannot be less than 1ms"), tiny.err());
    }

    /** Status and failing streak, e.g. "healthy 0"; "" when there is no State.Health. */
    private String health(String ref) {
        try {
            Map<String, Object> h = healthOf(ref);
            return h == null ? "" : h.get("Status") + " " + h.get("FailingStreak");
        } catch (Exception e) {
            return e.toString();
        }
    }

    private Map<String, Object> healthOf(String ref) throws Exception {
        Object h = Json.parse(berth.ok("inspect", "-f", "{{json .State.Health}}", ref).strip());
        @SuppressWarnings("unchecked")
        Map<String, Object> m = (Map<String, Object>) h;
        return m;
    }

    private static Map<String, Object> lastLog(Map<String, Object> h) {
        List<?> log = (List<?>) h.get("Log");
        @SuppressWarnings("unchecked")
        Map<String, Object> last = (Map<String, Object>) log.get(log.size() - 1);
        return last;
    }

    private int logSize(String ref) {
        try {
            Map<String, Object> h = healthOf(ref);
            return h == null ? 0 : ((List<?>) h.get("Log")).size();
        } catch (Exception e) {
            return -1;
        }
    }

    private String status(String ref) throws Exception {
        return berth.ok("ps", "-a", "--filter", "name=^" + ref + "$", "--format", "{{.Status}}").strip();
    }

    private String names(String filter, String... more) throws Exception {
        List<String> args = new ArrayList<>(List.of("ps", "--filter", filter, "--format", "{{.Names}}"));
        args.addAll(List.of(more));
        List<String> out = new ArrayList<>(List.of(berth.ok(args.toArray(String[]::new)).strip().split("\n")));
        out.sort(null);
        return String.join("\n", out);
    }

    /** The container's processes running the probe's sleep (the container's own is "sleep 300"). */
    private int probes(String ref) {
        try {
            int n = 0;
            for (String line : berth.ok("top", ref, "-o", "pid,args").split("\n")) {
                n += line.strip().endsWith(" sleep 60") ? 1 : 0;
            }
            return n;
        } catch (Exception e) {
            return -1;
        }
    }

    /** Processes running a scheduled check of the container. */
    private static long checkers(String id) {
        return ProcessHandle.allProcesses().filter(p -> {
            try {
                return java.nio.file.Files.readString(java.nio.file.Path.of("/proc/" + p.pid() + "/cmdline"))
                    .contains("--monitor\0" + id);
            } catch (java.io.IOException | RuntimeException e) {
                return false;
            }
        }).count();
    }

    private static void await(BooleanSupplier condition, long millis, String what) throws InterruptedException {
        RestartPolicyTest.await(condition, millis, what);
    }
}
