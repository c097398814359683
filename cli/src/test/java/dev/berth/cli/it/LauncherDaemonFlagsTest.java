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
 * {@code bin/berth} gives {@code berth daemon} its own JVM options (a small, bounded heap, two
 * malloc arenas, no class data sharing: docs/performance.md, "The daemon") and every other
 * command the CLI's. The launcher runs from a copy of the repository's layout whose "JDK" is a
 * script that writes down its arguments and environment, so nothing starts.
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
        return launchAs("berth", args);
    }

    /** As {@link #launch}, through the launcher linked as {@code bin/NAME} (berth-runtime: the OCI runtime). */
    private List<String> launchAs(String name, String... args) throws Exception {
        Path self = dir.resolve("bin").resolve(name);
        if (!Files.exists(self, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
            Files.createSymbolicLink(self, Path.of("berth"));
        }
        List<String> cmd = new ArrayList<>(List.of(self.toString()));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        if (Files.exists(dir.resolve("cli/target/berth/java-home"))) {
            pb.environment().remove("BERTH_JAVA_HOME"); // the JDK bin/build recorded: AOT caches are used
        } else {
            pb.environment().put("BERTH_JAVA_HOME", dir.resolve("jdk").toString());
        }
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

    /**
     * bin/build makes three AOT caches: berth.aot of the container commands, berth-all.aot of every
     * path, berth-run.aot of {@code run} without published ports (a JDK 25 cache has the JVM load
     * every class it holds at start-up, so the small ones are for the commands they were trained
     * on). None is used once a jar is newer than it.
     */
    @Test
    void theContainerCommandsMapTheSmallCacheAndTheRestTheFullOne() throws Exception {
        Path dist = dir.resolve("cli/target/berth");
        Files.writeString(dist.resolve("java-home"), dir.resolve("jdk") + "\n"); // as bin/build records it
        Path jar = Files.writeString(dist.resolve("lib/berth-cli.jar"), "");
        Files.setLastModifiedTime(jar, java.nio.file.attribute.FileTime.fromMillis(System.currentTimeMillis() - 60_000));
        Files.writeString(dist.resolve("berth.aot"), "");
        Files.writeString(dist.resolve("berth-all.aot"), "");
        // without berth-run.aot (a build whose third training failed), run maps berth.aot
        assertEquals(List.of("-XX:AOTCache=" + dist.resolve("berth.aot")), aotOptions(launch("run", "--rm", "host", "true")));
        Files.writeString(dist.resolve("berth-run.aot"), "");
        for (String[] args : List.of(new String[] {"run", "--rm", "host", "true"}, new String[] {"--root", "/tmp/r", "run",
                "-d", "--name", "p", "host", "sleep", "1"})) {
            assertEquals(List.of("-XX:AOTCache=" + dist.resolve("berth-run.aot")), aotOptions(launch(args)), String.join(" ", args));
        }
        // published ports need libnftables, whose FFM classes only berth.aot holds
        for (String[] args : List.of(new String[] {"run", "-p", "80:80", "host", "true"}, new String[] {"run", "-dp", "80",
                "host", "true"}, new String[] {"run", "--publish=80", "host", "true"}, new String[] {"run", "-P", "img"})) {
            assertEquals(List.of("-XX:AOTCache=" + dist.resolve("berth.aot")), aotOptions(launch(args)), String.join(" ", args));
        }
        List<String[]> small = List.of(new String[] {"--root", "/tmp/r", "ps"},
            new String[] {"exec", "c", "true"}, new String[] {"rm", "-f", "c"}, new String[] {"version"},
            new String[] {"healthcheck", "run", "--monitor", "c"});
        for (String[] args : small) {
            assertEquals(List.of("-XX:AOTCache=" + dist.resolve("berth.aot")), aotOptions(launch(args)), String.join(" ", args));
        }
        for (String[] args : List.of(new String[] {"pull", "busybox"}, new String[] {"load", "-i", "x"},
                new String[] {"--root", "run", "images"})) {
            assertEquals(List.of("-XX:AOTCache=" + dist.resolve("berth-all.aot")), aotOptions(launch(args)), String.join(" ", args));
        }
        // the daemon maps no archive at all (-Xshare:off): resident whole, it costs more than it saves
        assertEquals(List.of(), aotOptions(launch("daemon", "-H", "unix:///tmp/x.sock")), "daemon");
        List<String> runtime = launchAs("berth-runtime", "create", "--bundle", "b", "c");
        assertTrue(runtime.contains("dev.berth.cli.oci.RuntimeMain"), runtime::toString);
        assertEquals(List.of("-XX:AOTCache=" + dist.resolve("berth.aot")), aotOptions(runtime), "berth-runtime");
        Files.setLastModifiedTime(jar, java.nio.file.attribute.FileTime.fromMillis(System.currentTimeMillis() + 60_000));
        assertEquals(List.of(), aotOptions(launch("run", "host", "true")), "a jar newer than the cache: no cache");
        assertEquals(List.of(), aotOptions(launch("pull", "busybox")), "a jar newer than the cache: no cache");
    }

    private static List<String> aotOptions(List<String> jvm) {
        return jvm.stream().filter(a -> a.startsWith("-XX:AOTCache")).toList();
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
