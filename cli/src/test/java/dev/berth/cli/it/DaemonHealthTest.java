package dev.berth.cli.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.berth.runtime.json.Json;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Healthchecks through berth daemon with the real docker CLI: docker run's --health-* flags
 * arrive as Config.Healthcheck (nanoseconds), the container's monitor runs the checks (the
 * daemon runs none of its own), and docker inspect, docker ps and docker events show them.
 */
class DaemonHealthTest extends DaemonTestBase {

    @Test
    void dockerRunHealthCmdInspectPsEventsAndRestart() throws Exception {
        String since = String.valueOf(System.currentTimeMillis() / 1000);
        ok("run", "-d", "--name", "h", "--health-cmd", "test -f /tmp/ok", "--health-interval", "100ms",
            "--health-retries", "2", "host", "sleep", "300");
        Map<String, Object> hc = Json.parseObject(ok("inspect", "-f", "{{json .Config.Healthcheck}}", "h"));
        assertEquals(java.util.List.of("CMD-SHELL", "test -f /tmp/ok"), hc.get("Test"));
        assertEquals(100_000_000L, ((Number) hc.get("Interval")).longValue());
        assertEquals(2, ((Number) hc.get("Retries")).intValue());

        await(() -> status("h").equals("unhealthy"), "unhealthy after two failures");
        assertTrue(ok("ps", "--format", "{{.Status}}", "--filter", "name=h").strip().matches("Up .* \\(unhealthy\\)"));
        // without a filter, the list's kept entries: health.json's rename changed the directory
        assertTrue(ok("ps", "--format", "{{.Status}}").strip().matches("Up .* \\(unhealthy\\)"));
        assertEquals("h", ok("ps", "--filter", "health=unhealthy", "--format", "{{.Names}}").strip());
        ok("exec", "h", "touch", "/tmp/ok");
        await(() -> status("h").equals("healthy"), "healthy after a success");
        assertTrue(ok("ps", "--format", "{{.Status}}", "--filter", "name=h").strip().matches("Up .* \\(healthy\\)"));
        assertTrue(ok("ps", "--format", "{{.Status}}").strip().matches("Up .* \\(healthy\\)"));
        assertEquals("0", ok("inspect", "-f", "{{.State.Health.FailingStreak}}", "h").strip());
        int logged = Integer.parseInt(ok("inspect", "-f", "{{len .State.Health.Log}}", "h").strip());
        assertTrue(logged >= 3 && logged <= 5, "two failures and a success, at most the last 5: " + logged);

        String events = ok("events", "--since", since, "--until", String.valueOf(System.currentTimeMillis() / 1000 + 1),
            "--filter", "event=health_status", "--format", "{{.Action}}");
        assertEquals("health_status: unhealthy\nhealth_status: healthy\n", events);

        // a restart starts the status again: the host image's /tmp is the container's own, so
        // the new run fails its checks until the start
        ok("restart", "-t", "0", "h");
        String after = status("h");
        assertTrue(after.equals("starting") || after.equals("unhealthy"), after);
        await(() -> status("h").equals("unhealthy"), "unhealthy again in the new run");
    }

    @Test
    void apiCreateTakesACmdTestInNanosecondsAndRefusesTooShortDurations() throws Exception {
        Berth.Result created = curl("-H", "Content-Type: application/json", "-d",
            "{\"Image\":\"host\",\"Cmd\":[\"sleep\",\"300\"],\"Healthcheck\":{\"Test\":[\"CMD\",\"/bin/sh\",\"-c\","
                + "\"exit 0\"],\"Interval\":50000000,\"Timeout\":2000000000}}",
            "http://d/v1.51/containers/create?name=api");
        assertTrue(created.out().contains("\"Id\""), created.out() + created.err());
        ok("start", "api");
        await(() -> status("api").equals("healthy"), "the CMD test runs");
        Berth.Result bad = curl("-w", "\n%{http_code}", "-H", "Content-Type: application/json", "-d",
            "{\"Image\":\"host\",\"Cmd\":[\"true\"],\"Healthcheck\":{\"Test\":[\"CMD\",\"true\"],\"Interval\":1000}}",
            "http://d/v1.51/containers/create");
        assertTrue(bad.out().endsWith("\n400"), bad.out());
        assertTrue(bad.out().contains("Interval in Healthcheck cannot be less than 1ms"), bad.out());
    }

    private String status(String ref) {
        try {
            return docker(null, "inspect", "-f", "{{.State.Health.Status}}", ref).out().strip();
        } catch (Exception e) {
            return e.toString();
        }
    }

    private static void await(java.util.function.BooleanSupplier c, String what) throws InterruptedException {
        RestartPolicyTest.await(c, 30_000, what);
    }
}
