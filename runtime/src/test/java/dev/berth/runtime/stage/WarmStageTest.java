package dev.berth.runtime.stage;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The launched stage's wait with BERTH_STAGE_WARM (native/stage/warm.c), seen from outside: it
 * writes (the kernel counts its write calls in /proc/PID/io) while it waits, stays in its
 * cgroup, keeps the variable from the program it launches, and ends with its launcher. Without
 * the variable it writes nothing while it waits.
 */
class WarmStageTest {
    private static final Path PIDS = Path.of("/sys/fs/cgroup/pids");
    private Path cgroup;
    /** Cgroups made below {@link #cgroup}, deepest last. */
    private final List<Path> below = new ArrayList<>();
    private final List<Long> started = new ArrayList<>();

    @BeforeEach
    void cgroup() throws IOException {
        assumeTrue(Files.isWritable(PIDS.resolve("cgroup.procs")), "needs root and a v1 pids hierarchy");
        cgroup = Files.createDirectory(PIDS.resolve("berth-warm-test-" + ProcessHandle.current().pid()));
    }

    @AfterEach
    void cleanUp() throws Exception {
        for (long pid : started) {
            ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
        }
        for (int d = below.size() - 1; d >= 0; d--) {
            for (int i = 0; i < 100 && Files.exists(below.get(d)); i++) {
                try {
                    Files.delete(below.get(d));
                } catch (IOException busy) {
                    Thread.sleep(50);
                }
            }
        }
        for (int i = 0; i < 100 && cgroup != null && Files.exists(cgroup); i++) {
            try {
                Files.delete(cgroup);
            } catch (IOException busy) {
                Thread.sleep(50); // a killed process is still leaving it
            }
        }
    }

    @Test
    void warmsWhileItWaitsAndMovesNothing() throws Exception {
        Launched l = launch(true, cgroup, true);
        assertTrue(l.writes > 0, "the stage wrote while it waited: " + l.writes);
        assertEquals("pids:/" + cgroup.getFileName(), l.cgroup, "the stage is still in its own cgroup");
        assertEquals("warm=unset", l.output, "the launched program does not see BERTH_STAGE_WARM");
    }

    @Test
    void withoutTheVariableItOnlyWaits() throws Exception {
        Launched l = launch(false);
        assertEquals(0, l.writes, "no write while it waited");
        assertEquals("warm=unset", l.output);
        assertEquals("pids:/" + cgroup.getFileName(), l.cgroup);
    }

    @Test
    void aCgroupPathTooLongForItsBuffersIsNotCutToAnAncestor() throws Exception {
        // the stage's cgroup path as /proc/self/cgroup gives it, cut at warm.c's 511 characters,
        // would end exactly at an ancestor's name: a write there would move the stage out of its cgroup
        String top = "/" + cgroup.getFileName();
        int left = 511 - top.length() - 2; // two more components, each "/" + name
        Path a = Files.createDirectory(cgroup.resolve("a".repeat(left / 2)));
        below.add(a);
        Path b = Files.createDirectory(a.resolve("b".repeat(left - left / 2)));
        below.add(b);
        Path leaf = Files.createDirectory(b.resolve("leaf"));
        below.add(leaf);
        String path = "/" + PIDS.relativize(leaf);
        assertEquals('/', path.charAt(511), "the cut falls on a component's end");
        Launched l = launch(true, leaf, false);
        assertEquals("pids:" + path, l.cgroup, "the stage is still in its own cgroup");
    }

    private record Launched(long writes, String cgroup, String output) {}

    /** A stage launched in our cgroup with /bin/sh as its "JVM", which never takes it. */
    private Launched launch(boolean warm) throws Exception {
        return launch(warm, cgroup, false);
    }

    /**
     * {@code awaitWrites}: wait (up to 10 s) until the stage has written twice, rather than count
     * its writes over 200 ms: its first write waits out a grace period, long on a loaded machine.
     */
    private Launched launch(boolean warm, Path cgroup, boolean awaitWrites) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("/bin/sh", "-c", "echo $$ > \"$0\"/cgroup.procs && exec \"$@\"",
            cgroup.toString(), "env"));
        if (warm) {
            cmd.add("BERTH_STAGE_WARM=3000");
        }
        cmd.addAll(List.of(Stage.locate().toString(), "--launch", "/bin/sh", "-c",
            "echo warm=${BERTH_STAGE_WARM:-unset}; read -r done"));
        Process p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.DISCARD).start();
        started.add(p.pid());
        String output = new java.io.BufferedReader(new java.io.InputStreamReader(p.getInputStream(),
            StandardCharsets.UTF_8)).readLine();
        long stage = stageOf(p.pid());
        started.add(stage);
        long before = syscw(stage);
        long writes = 0;
        for (int i = 0; i < (awaitWrites ? 500 : 10) && writes < 2; i++) {
            Thread.sleep(20); // without awaitWrites, 200 ms: a warming stage writes every 4 ms
            writes = syscw(stage) - before;
        }
        String cg = cgroupLine(stage);
        p.getOutputStream().close(); // the "JVM" ends, and with it the stage's pipes
        assertTrue(p.waitFor(10, TimeUnit.SECONDS));
        for (int i = 0; i < 500 && Files.exists(Path.of("/proc/" + stage)); i++) {
            Thread.sleep(10);
        }
        assertTrue(Files.notExists(Path.of("/proc/" + stage)), "the stage ended with its launcher");
        return new Launched(writes, cg, output);
    }

    /** The stage the launcher forked: its child named berth-monitor, once it waits for its hello. */
    private static long stageOf(long launcher) throws Exception {
        for (int i = 0; i < 200; i++) {
            String children = Files.readString(Path.of("/proc/" + launcher + "/task/" + launcher + "/children")).strip();
            for (String c : children.isEmpty() ? new String[0] : children.split(" ")) {
                if (Files.readString(Path.of("/proc/" + c + "/comm")).strip().equals("berth-monitor")) {
                    return Long.parseLong(c);
                }
            }
            Thread.sleep(10);
        }
        throw new AssertionError("no stage under " + launcher);
    }

    private static long syscw(long pid) throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/io"))) {
            if (line.startsWith("syscw:")) {
                return Long.parseLong(line.substring(6).strip());
            }
        }
        throw new AssertionError("no syscw in /proc/" + pid + "/io");
    }

    private static String cgroupLine(long pid) throws IOException {
        String found = null;
        for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/cgroup"))) {
            if (line.matches("\\d+:pids:.*")) {
                found = line.substring(line.indexOf(':') + 1);
            }
        }
        assertNotNull(found);
        return found;
    }
}
