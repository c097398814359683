package dev.berth.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.util.Map;
import org.junit.jupiter.api.Test;

class RoutesTest {
    private static Map<String, String> match(String pattern, String path) {
        return Routes.match(pattern.substring(1).split("/", -1), path.substring(1).split("/", -1));
    }

    @Test
    void oneSegmentVariables() {
        assertEquals(Map.of("id", "abc"), match("/containers/{id}/json", "/containers/abc/json"));
        assertNull(match("/containers/{id}/json", "/containers//json"));
        assertNull(match("/containers/{id}/json", "/containers/a/b/json"));
        assertNull(match("/containers/{id}/json", "/containers/abc/logs"));
        assertNull(match("/containers/json", "/containers/json/"));
    }

    @Test
    void imageNamesSpanSegments() {
        assertEquals(Map.of("name", "localhost:5000/team/app:1"),
            match("/images/{name*}/json", "/images/localhost:5000/team/app:1/json"));
        assertEquals(Map.of("name", "busybox"), match("/images/{name*}/json", "/images/busybox/json"));
        assertEquals(Map.of("name", "a/b", "tag", "x"), match("/images/{name*}/{tag}", "/images/a/b/x"));
        assertNull(match("/images/{name*}/json", "/images/json"));
        assertEquals(Map.of("name", "a/b"), match("/images/{name*}", "/images/a/b"));
    }
}
