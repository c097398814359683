package dev.berth.runtime.events;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.berth.runtime.json.Json;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EventLogTest {
    @TempDir
    Path root;

    @Test
    void aLineIsDockersMessage() throws Exception {
        EventLog log = EventLog.at(root);
        log.log("container", "kill", "abc", Map.of("signal", "15", "name", "web", "image", "busybox"));
        log.log("network", "create", "n1", Map.of("name", "net", "type", "bridge"));
        List<String> lines = Files.readAllLines(log.file());
        Map<String, Object> e = Json.parseObject(lines.get(0));
        assertEquals(List.of("status", "id", "from", "Type", "Action", "Actor", "scope", "time", "timeNano"),
            List.copyOf(e.keySet()));
        assertEquals("busybox", e.get("from"));
        assertEquals(List.of("image", "name", "signal"),
            List.copyOf(Json.map(Json.map(e, "Actor"), "Attributes").keySet()), "sorted, as Go's map");
        Map<String, Object> n = Json.parseObject(lines.get(1));
        assertFalse(n.containsKey("status"), "docker fills the legacy fields for containers and images only");
    }

    @Test
    void aTemplateLeavesTheExitCodeAndTimesToTheMonitor() throws Exception {
        String t = EventLog.template("container", "die", "abc", Map.of("exitCode", String.valueOf(EventLog.EXIT_CODE)));
        String filled = t.replace(String.valueOf(EventLog.EXIT_CODE), "3").replace(String.valueOf(EventLog.TIME), "17")
            .replace(String.valueOf(EventLog.TIME_NANO), "17000000005");
        Map<String, Object> e = Json.parseObject(filled);
        assertEquals("3", Json.map(Json.map(e, "Actor"), "Attributes").get("exitCode"));
        assertEquals(17000000005L, ((Number) e.get("timeNano")).longValue());
    }

    @Test
    void concurrentWritersNeverTearALine() throws Exception {
        EventLog log = EventLog.at(root);
        ExecutorService pool = Executors.newFixedThreadPool(4);
        for (int w = 0; w < 4; w++) {
            int writer = w;
            pool.submit(() -> {
                for (int i = 0; i < 150; i++) {
                    log.log("container", "start", "w" + writer + "-" + i, Map.of("pad", "x".repeat(200)));
                }
            });
        }
        pool.shutdown();
        assertTrue(pool.awaitTermination(60, java.util.concurrent.TimeUnit.SECONDS));
        List<String> lines = Files.readAllLines(log.file());
        for (String line : lines) {
            Json.parseObject(line); // whole lines only
        }
        assertEquals(600, lines.stream().distinct().count());
    }

    @Test
    void aReaderFollowsTheLogAcrossRotationsAndTheSizeStaysBounded() throws Exception {
        EventLog log = EventLog.at(root).withMaxBytes(16 * 1024);
        List<String> read = new ArrayList<>();
        int written = 0;
        try (EventReader reader = log.reader(true)) {
            // one rotation between looks
            for (int i = 0; i < 300; i++) {
                log.log("container", "start", "a" + written++, Map.of("pad", "x".repeat(200)));
                if (i % 30 == 0) {
                    read.addAll(reader.poll());
                }
            }
            read.addAll(reader.poll());
            assertEquals(written, read.size(), "followed one rotation at a time");
            // two rotations between two looks: the file in between is read from events.log.1
            long rotations = 0;
            Object key = Files.readAttributes(log.file(), java.nio.file.attribute.BasicFileAttributes.class).fileKey();
            while (rotations < 2) {
                log.log("container", "start", "b" + written++, Map.of("pad", "x".repeat(200)));
                Object now = Files.exists(log.file())
                    ? Files.readAttributes(log.file(), java.nio.file.attribute.BasicFileAttributes.class).fileKey() : null;
                if (now != null && !now.equals(key)) {
                    rotations++;
                    key = now;
                }
            }
            read.addAll(reader.poll());
        }
        assertEquals(written, read.size(), "every event once, across two rotations in one look");
        assertEquals(written, read.stream().distinct().count());
        assertTrue(Files.size(log.dir().resolve("events.log.1")) < 17 * 1024, "bounded");
        assertTrue(Files.size(log.file()) < 17 * 1024, "bounded");
    }

    @Test
    void filtersFollowDockersRules() throws Exception {
        Map<String, Object> die = Json.parseObject(EventLog.line("container", "die", "abcdef", Map.of("name", "web",
            "image", "busybox:latest", "team", "a", "exitCode", "3"), "1", "1000000000"));
        Map<String, Object> exec = Json.parseObject(EventLog.line("container", "exec_start: sh -c ls", "abcdef",
            Map.of("name", "web"), "1", "1000000000"));
        Map<String, Object> net = Json.parseObject(EventLog.line("network", "connect", "n1", Map.of("name", "web",
            "container", "abcdef"), "1", "1000000000"));
        assertTrue(f("container", "web").matches(die));
        assertTrue(f("container", "abc").matches(die), "an id prefix");
        assertFalse(f("container", "web").matches(net), "container= keeps container events only");
        assertTrue(f("image", "busybox").matches(die), "the image without its tag");
        assertTrue(f("label", "team=a").matches(die));
        assertTrue(f("label", "team").matches(die));
        assertFalse(f("label", "team=b").matches(die));
        assertTrue(f("event", "exec_start").matches(exec), "exec_start matches its detail");
        assertFalse(f("event", "die").matches(exec));
        assertTrue(f("type", "network").matches(net));
        assertTrue(f("network", "n1").matches(net));
        assertThrows(IllegalArgumentException.class, () -> f("colour", "red"));
        assertThrows(IllegalArgumentException.class, () -> f("type", "planet"));
    }

    @Test
    void timesAreReadAsTheDockerCliReadsThem() {
        long now = 1_700_000_000_000_000_000L;
        assertEquals(now - 600_000_000_000L, EventTimes.parse("10m", now));
        assertEquals(now - 5_400_000_000_000L, EventTimes.parse("1h30m", now));
        assertEquals(1_700_000_000_500_000_000L, EventTimes.parse("1700000000.5", now));
        assertEquals(1_700_000_000_000_000_000L, EventTimes.parse("2023-11-14T22:13:20Z", now));
        assertThrows(IllegalArgumentException.class, () -> EventTimes.parse("yesterday", now));
    }

    private static EventFilter f(String k, String v) {
        return EventFilter.of(Map.of(k, List.of(v)));
    }
}
