package dev.berth.cli.it;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.berth.engine.Container;
import dev.berth.engine.ContainerRequest;
import dev.berth.engine.Engine;
import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The engine as a library, in this JVM: container after container on spare stages. */
class LibraryTest extends ContainerTestBase {
    @Test
    void runsContainerAfterContainerAndRemovesThem() throws Exception {
        Engine engine = Engine.open(berth.root()).withCgroupParent(berth.cgroupParent());
        for (int i = 0; i < 5; i++) {
            ContainerRequest r = ContainerRequest.rootfs(Path.of(busybox()))
                .command("sh", "-c", "echo run " + i + " as $$; exit " + i).autoRemove(true);
            try (Container c = engine.run(r)) {
                ByteArrayOutputStream out = new ByteArrayOutputStream();
                assertEquals(i, c.pipeOutput(out, OutputStream.nullOutputStream()));
                assertEquals("run " + i + " as 1\n", out.toString(StandardCharsets.UTF_8));
            }
        }
        assertEquals(List.of(), engine.list(true), "auto-removed");
    }

    @Test
    void aDurableContainerKeepsItsExitCode() throws Exception {
        Engine engine = Engine.open(berth.root()).withCgroupParent(berth.cgroupParent());
        try (Container c = engine.run(ContainerRequest.image("host").command("sh", "-c", "exit 3"))) {
            assertEquals(3, c.pipeOutput(OutputStream.nullOutputStream(), OutputStream.nullOutputStream()));
            assertEquals(3, engine.await(c.id()));
            assertEquals("exited", berth.ok("inspect", "-f", "{{.State.Status}}", c.id()).strip());
        }
    }
}
