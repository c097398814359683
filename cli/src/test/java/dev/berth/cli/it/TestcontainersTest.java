package dev.berth.cli.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.containers.Container.ExecResult;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.containers.wait.strategy.Wait;
import org.testcontainers.images.builder.Transferable;
import org.testcontainers.utility.DockerImageName;

/**
 * Testcontainers, unchanged, on berth daemon: a {@code GenericContainer} of the busybox image
 * started, waited for by its log, exec'd into, given and asked for files, and stopped, as a JUnit suite would use it (ryuk is off: it is a
 * container image of its own, see the surefire settings).
 */
class TestcontainersTest extends DaemonTestBase {
    @BeforeEach
    void pointTestcontainersHere() throws Exception {
        Files.deleteIfExists(BerthClientStrategy.SOCKET);
        Files.createSymbolicLink(BerthClientStrategy.SOCKET, socket);
    }

    @AfterEach
    void unpoint() throws Exception {
        Files.deleteIfExists(BerthClientStrategy.SOCKET);
    }

    @Test
    void genericContainerLifecycle() throws Exception {
        TestImage.load(berth.root());
        assertEquals("berth", DockerClientFactory.instance().client().infoCmd().exec().getDriver());
        String id;
        try (GenericContainer<?> c = new GenericContainer<>(DockerImageName.parse("busybox"))
                // the test image's entrypoint is echo: replaced, which drops its Cmd too, as with dockerd
                .withCreateContainerCmdModifier(cmd -> cmd.withEntrypoint("sh", "-c", "echo ready; exec sleep 300")
                    .withUser("0"))
                .withEnv("GREETING", "from-testcontainers")
                // copied between create and start, into the root create made
                .withCopyToContainer(Transferable.of("before the start\n"), "/etc/early.txt")
                .waitingFor(Wait.forLogMessage("ready\\n", 1))) {
            c.start();
            id = c.getContainerId();
            assertTrue(c.isRunning());
            assertEquals("ready\n", c.getLogs());
            ExecResult r = c.execInContainer("sh", "-c", "echo $GREETING; cat /data/file; tr '\\0' ' ' < /proc/1/cmdline");
            assertEquals(0, r.getExitCode(), r.getStderr());
            assertEquals("from-testcontainers\nlayer2\nsleep 300 ", r.getStdout());
            assertEquals("before the start\n", c.execInContainer("cat", "/etc/early.txt").getStdout());
            // files both ways through the archive endpoint (docker cp)
            c.copyFileToContainer(Transferable.of("sent by testcontainers\n"), "/tmp/in.txt");
            assertEquals("sent by testcontainers\n", c.execInContainer("cat", "/tmp/in.txt").getStdout());
            assertEquals("layer2\n", c.copyFileFromContainer("/data/file",
                in -> new String(in.readAllBytes(), StandardCharsets.UTF_8)));
            // the container's init is in a PID namespace of its own, seen from the host
            long pid = Long.parseLong(berth.ok("inspect", "-f", "{{.State.Pid}}", id).strip());
            assertNotEquals(Files.readSymbolicLink(Path.of("/proc/" + pid + "/ns/pid")),
                Files.readSymbolicLink(Path.of("/proc/self/ns/pid")));
            assertEquals("true", berth.ok("inspect", "-f", "{{index .Config.Labels \"org.testcontainers\"}}", id).strip());
        }
        // stop() removes the container, as Testcontainers does with dockerd
        assertEquals(1, berth.run("inspect", id).code());
    }

    @Test
    void waitForHealthcheck() throws Exception {
        TestImage.load(berth.root());
        long start = System.nanoTime();
        try (GenericContainer<?> c = new GenericContainer<>(DockerImageName.parse("busybox"))
                // ready after a second: the wait must see starting (or unhealthy), then healthy
                .withCreateContainerCmdModifier(cmd -> cmd.withEntrypoint("sh", "-c", "sleep 1; touch /tmp/ready; exec sleep 300")
                    .withUser("0")
                    .withHealthcheck(new com.github.dockerjava.api.model.HealthCheck()
                        .withTest(java.util.List.of("CMD-SHELL", "test -f /tmp/ready"))
                        .withInterval(100_000_000L).withRetries(100)))
                .waitingFor(Wait.forHealthcheck())) {
            c.start();
            assertTrue(System.nanoTime() - start >= 1_000_000_000L, "not healthy before the file is there");
            assertEquals("healthy", c.getCurrentContainerInfo().getState().getHealth().getStatus());
            assertEquals(0, c.getCurrentContainerInfo().getState().getHealth().getFailingStreak());
        }
    }
}
