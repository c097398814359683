package dev.berth.image.registry;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.berth.image.ImageException;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** docker search's term and arguments, checked before any registry is asked. */
class RegistrySearchTest {
    @Test
    void splitsTheTermAsDockerd() {
        assertArrayEquals(new String[] {"docker.io", "busybox"}, RegistrySearch.split("busybox"));
        assertArrayEquals(new String[] {"docker.io", "team/app"}, RegistrySearch.split("team/app"));
        assertArrayEquals(new String[] {"127.0.0.1:5000", "app"}, RegistrySearch.split("127.0.0.1:5000/app"));
        assertArrayEquals(new String[] {"localhost", "a/b"}, RegistrySearch.split("localhost/a/b"));
        assertArrayEquals(new String[] {"reg.example", ""}, RegistrySearch.split("reg.example/"));
    }

    @Test
    void refusesBadLimitsFiltersAndSchemes() {
        RegistrySearch s = new RegistrySearch(Registries.fromEnv(), null);
        assertEquals("limit 0 is outside the range of [1, 100]",
            assertThrows(ImageException.InvalidArgument.class, () -> s.search("x", 0, Map.of())).getMessage());
        assertThrows(ImageException.InvalidArgument.class, () -> s.search("x", 101, Map.of()));
        assertEquals("invalid filter 'stars=many'", assertThrows(ImageException.InvalidArgument.class,
            () -> s.search("x", 5, Map.of("stars", List.of("many")))).getMessage());
        assertThrows(ImageException.InvalidArgument.class, () -> s.search("x", 5, Map.of("is-official", List.of("maybe"))));
        assertThrows(ImageException.InvalidArgument.class, () -> s.search("x", 5, Map.of("bogus", List.of("1"))));
        assertThrows(ImageException.InvalidArgument.class, () -> s.search("https://reg.example/x", 5, Map.of()));
    }
}
