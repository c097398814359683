package dev.berth.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** docker's merge, JSON shape, validation and probe of Config.Healthcheck; Go's duration text. */
class HealthConfigTest {
    private static final HealthConfig IMAGE = HealthConfig.exec(List.of("/bin/check", "--quick"))
        .interval(10_000_000_000L).timeout(3_000_000_000L).retries(5);

    @Test
    void flagsOverrideTheImageFieldByField() {
        HealthConfig merged = HealthConfig.inherit().interval(500_000_000L).over(IMAGE);
        assertEquals(List.of("CMD", "/bin/check", "--quick"), merged.test());
        assertEquals(500_000_000L, merged.interval());
        assertEquals(3_000_000_000L, merged.timeout());
        assertEquals(5, merged.retries());
        HealthConfig shell = HealthConfig.shell("true").over(IMAGE);
        assertEquals(List.of("CMD-SHELL", "true"), shell.test());
        assertEquals(10_000_000_000L, shell.interval());
        assertFalse(HealthConfig.none().over(IMAGE).active(), "NONE turns the image's check off");
        assertFalse(HealthConfig.inherit().interval(1_000_000L).over(null).active(), "timing without a test runs nothing");
        assertFalse(new HealthConfig(List.of("CMD-WHATEVER", "x"), 0, 0, 0, 0, 0).active(), "unknown kinds never run");
    }

    @Test
    void jsonLeavesZerosOutAndReadsBack() {
        Map<String, Object> json = HealthConfig.shell("curl -f localhost").interval(1_000_000L).toJson();
        assertEquals(Map.of("Test", List.of("CMD-SHELL", "curl -f localhost"), "Interval", 1_000_000L), json);
        assertEquals(HealthConfig.shell("curl -f localhost").interval(1_000_000L), HealthConfig.fromJson(json));
        assertNull(HealthConfig.fromJson(null));
        assertEquals(Map.of("Test", List.of("NONE")), HealthConfig.none().toJson());
    }

    @Test
    void defaultsAndProbe() {
        HealthConfig h = HealthConfig.shell("exit 0");
        assertEquals(30_000_000_000L, h.intervalOrDefault());
        assertEquals(30_000_000_000L, h.timeoutOrDefault());
        assertEquals(5_000_000_000L, h.startIntervalOrDefault());
        assertEquals(3, h.retriesOrDefault());
        assertEquals(List.of("/bin/sh", "-c", "exit 0"), h.probe(List.of()));
        assertEquals(List.of("/bin/bash", "-lc", "exit 0"), h.probe(List.of("/bin/bash", "-lc")));
        assertEquals(List.of("/bin/check", "--quick"), IMAGE.probe(List.of("/bin/bash", "-c")));
    }

    @Test
    void dockersValidation() throws Exception {
        HealthConfig.shell("x").interval(1_000_000L).timeout(0).validate();
        EngineException e = assertThrows(EngineException.class, () -> HealthConfig.shell("x").interval(999_999L).validate());
        assertEquals("Interval in Healthcheck cannot be less than 1ms", e.getMessage());
        e = assertThrows(EngineException.class, () -> HealthConfig.shell("x").startInterval(1).validate());
        assertTrue(e.getMessage().startsWith("StartInterval in Healthcheck"), e.getMessage());
        e = assertThrows(EngineException.class, () -> HealthConfig.shell("x").retries(-1).validate());
        assertEquals("Retries in Healthcheck cannot be negative", e.getMessage());
    }

    @Test
    void goDurations() {
        assertEquals("30s", Health.goDuration(30_000_000_000L));
        assertEquals("1m30s", Health.goDuration(90_000_000_000L));
        assertEquals("1h0m0s", Health.goDuration(3_600_000_000_000L));
        assertEquals("1.5s", Health.goDuration(1_500_000_000L));
        assertEquals("200ms", Health.goDuration(200_000_000L));
        assertEquals("1.5ms", Health.goDuration(1_500_000L));
        assertEquals("10µs", Health.goDuration(10_000L));
        assertEquals("7ns", Health.goDuration(7));
        assertEquals("0s", Health.goDuration(0));
    }
}
