package dev.berth.cli.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@code bin/berth} gives {@code berth daemon} its own JVM options (a small, bounded heap and
 * two malloc arenas: docs/performance.md, "The daemon") and every other command the CLI's. The
 * launcher runs from a copy of the repository's layout whose "JDK" is a script that writes down
 * its arguments and environment, so nothing starts.
 */
class LauncherDaemonFlagsTest {
    private static final Path REPO = Path.of("..").toAbsolutePath().normalize();
    private Path dir;

    @BeforeEach
    void layout() throws Exception {
        dir = Files.createTempDirectory("berth-launcher");
        Files.createDirectories(dir.resolve("bin/lib"));
        Files.copy(REPO.resolve("bin/berth"), dir.resolve("bin/berth"));
        Files.copy(REPO.resolve("bin/lib/java.sh"), dir.resolve("bin/lib/java.sh"));
        Path lib = Files.createDirectories(dir.resolve("cli/target/berth/lib"));
        Files.copy(Berth.STAGE, lib.resolve("berth-stage"));
        Path java = Files.createDirectories(dir.resolve("jdk/bin")).resolve("java");
        Files.writeString(java, "#!/bin/sh\nprintf '%s\\n' \"$@\" >\"$0.args\"\n"
            + "echo \"MALLOC_ARENA_MAX=${MALLOC_ARENA_MAX:-}\" >>\"$0.args\"\n"
            + "echo \"GLIBC_TUNABLES=${GLIBC_TUNABLES:-}\" >>\"$0.args\"\n");
        for (Path p : List.of(dir.resolve("bin/berth"), lib.resolve("berth-stage"), java)) {
            Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rwxr-xr-x"));
        }
    }

    @AfterEach
    void remove() throws Exception {
        try (var walk = Files.walk(dir)) {
            for (Path p : walk.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }

    /** The JVM's arguments and MALLOC_ARENA_MAX as the launcher passed them. */
    private List<String> launch(String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(dir.resolve("bin/berth").toString()));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        pb.environment().put("BERTH_JAVA_HOME", dir.resolve("jdk").toString());
        pb.environment().remove("MALLOC_ARENA_MAX");
        pb.environment().remove("GLIBC_TUNABLES");
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes());
        assertTrue(p.waitFor(30, TimeUnit.SECONDS));
        assertEquals(0, p.exitValue(), out);
        return Files.readAllLines(dir.resolve("jdk/bin/java.args"));
    }

    @Test
    void theDaemonGetsItsHeapAndArenas() throws Exception {
        for (String[] args : List.of(new String[] {"daemon", "-H", "unix:///tmp/x.sock"},
                new String[] {"--root", "/tmp/r", "daemon"}, new String[] {"--root=/tmp/r", "daemon"})) {
            List<String> jvm = launch(args);
            assertTrue(jvm.containsAll(List.of("-Xmn4m", "-Xms8m", "-Xmx256m", "-XX:MaxHeapFreeRatio=30", "-XX:+UseSerialGC")), jvm::toString);
            assertTrue(jvm.contains("MALLOC_ARENA_MAX=2"), jvm::toString);
            // no class data sharing (a mapped archive is resident whole), and the JDK's process
            // reaper pool reachable for api/IdleCollector
            assertTrue(jvm.containsAll(List.of("-Xshare:off", "--add-opens=java.base/java.lang=ALL-UNNAMED")), jvm::toString);
            assertTrue(jvm.contains("GLIBC_TUNABLES=glibc.pthread.stack_cache_size=1048576"), jvm::toString);
            int main = jvm.indexOf("dev.berth.cli.Main");
            assertEquals(List.of(args), jvm.subList(main + 1, main + 1 + args.length));
        }
    }

    @Test
    void otherCommandsKeepTheCliOptions() throws Exception {
        for (String[] args : List.of(new String[] {"ps", "-a"}, new String[] {"run", "daemon"},
                new String[] {"--root", "daemon", "ps"})) {
            List<String> jvm = launch(args);
            assertTrue(jvm.contains("-XX:+UseSerialGC"), jvm::toString);
            assertFalse(jvm.contains("-Xmn4m"), () -> String.join(" ", args) + ": " + jvm);
            assertTrue(jvm.contains("MALLOC_ARENA_MAX="), jvm::toString);
            assertTrue(jvm.contains("GLIBC_TUNABLES="), jvm::toString);
            assertFalse(jvm.contains("-Xshare:off"), jvm::toString);
        }
    }
}
