package dev.berth.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class UsersTest {
    @TempDir
    Path etc;

    @Test
    void resolvesNamesNumbersAndGroupsAsDockerDoes() throws Exception {
        Files.writeString(etc.resolve("passwd"), "root:x:0:0:root:/root:/bin/sh\napp:x:1000:1001::/home/app:/bin/sh\n");
        Files.writeString(etc.resolve("group"), "root:x:0:\napp:x:1001:\nwheel:x:10:app\naudio:x:29:other\n");
        assertEquals(new Users.User(0, 0, List.of(), "/root"), Users.resolve(etc, null));
        assertEquals(new Users.User(1000, 1001, List.of(10), "/home/app"), Users.resolve(etc, "app"));
        assertEquals(new Users.User(1000, 10, List.of(), "/home/app"), Users.resolve(etc, "1000:wheel"));
        assertEquals(new Users.User(4242, 4242, List.of(), "/"), Users.resolve(etc, "4242"));
        assertEquals(5, Users.resolve(etc, "4242:5").gid());
        assertThrows(EngineException.InvalidArgument.class, () -> Users.resolve(etc, "ghost"));
        assertThrows(EngineException.InvalidArgument.class, () -> Users.resolve(etc, "app:ghosts"));
    }

    @Test
    void timeOffsetsBecomeTimensOffsetsText() throws Exception {
        assertEquals("monotonic 86400 0\nboottime -5 0\n", Engine.timeOffsets("monotonic=86400,boottime=-5"));
        assertThrows(EngineException.InvalidArgument.class, () -> Engine.timeOffsets("realtime=5"));
        assertThrows(EngineException.InvalidArgument.class, () -> Engine.timeOffsets("monotonic=soon"));
    }
}
