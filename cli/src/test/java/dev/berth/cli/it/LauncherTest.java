package dev.berth.cli.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The two ways a stage comes to be (forked by {@code berth-stage --launch} before the JVM, or
 * spawned by the JVM), and who removes a {@code --rm} container: the CLI when it is there, the
 * monitor's exit command when it is not.
 */
class LauncherTest extends ContainerTestBase {
    @Test
    void aLaunchedStageThatIsNotNeededExits() throws Exception {
        berth.ok("ps", "-a");
        berth.ok("version");
        assertEquals(List.of(), awaitNoProcesses(), "the unused stage must exit with its JVM");
    }

    @Test
    void withoutTheLauncherTheJvmSpawnsItsStage() throws Exception {
        try (Berth plain = new Berth().withoutLauncher()) {
            assertEquals("1", plain.ok("run", "--rm", "host", "sh", "-c", "echo $$").strip());
            plain.ok("run", "-d", "--name", "p", "host", "sleep", "60");
            assertEquals("p-exec", plain.ok("exec", "p", "echo", "p-exec").strip());
            plain.ok("rm", "-f", "p");
            assertEquals("", plain.ok("ps", "-a", "-q"));
        }
    }

    @Test
    void theMonitorRemovesAnRmContainerWhenTheCliDies() throws Exception {
        Process cli = berth.start("run", "--rm", "--name", "orphan", "host", "sleep", "2");
        long deadline = System.currentTimeMillis() + 20_000;
        while (!berth.ok("ps", "-q").contains("\n") && System.currentTimeMillis() < deadline) {
            Thread.sleep(50);
        }
        assertTrue(berth.ok("ps", "--format", "{{.Names}}").contains("orphan"), "the container runs");
        cli.destroyForcibly(); // SIGKILL: no chance to remove anything
        assertTrue(cli.waitFor(10, TimeUnit.SECONDS));
        while (!berth.ok("ps", "-a", "-q").isEmpty() && System.currentTimeMillis() < deadline) {
            Thread.sleep(100);
        }
        assertEquals("", berth.ok("ps", "-a", "-q"), "the monitor's exit command removed it");
    }

    private List<Long> awaitNoProcesses() throws InterruptedException {
        long deadline = System.currentTimeMillis() + 5_000;
        List<Long> left = Host.processesUnder(berth.root());
        while (!left.isEmpty() && System.currentTimeMillis() < deadline) {
            Thread.sleep(50);
            left = Host.processesUnder(berth.root());
        }
        return left;
    }
}
