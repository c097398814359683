package dev.berth.cli.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * Limits under attack (issue 10): what a hostile container does against its own limits, checked
 * from the host through the kernel's cgroup files. The full disk is {@link DiskFullTest}.
 */
class LimitsTest extends ContainerTestBase {
    private static final int PIDS = 64;

    @Test
    void aForkBombStopsAtThePidsLimitAndTheContainerCanStillBeRemoved() throws Exception {
        // the bomb waits for a file the test writes once the limit is seen in the kernel: a
        // berth that did not apply it must fail here, not fork-bomb the shared machine
        String id = berth.ok("run", "-d", "--name", "bomb", "--pids-limit", String.valueOf(PIDS), "host", "sh", "-c",
            "while [ ! -e /tmp/go ]; do sleep 0.05; done; f() { f | f & }; f; exec sleep 600").strip();
        assertEquals(String.valueOf(PIDS), Host.cgroupValue(berth, id, "pids", "pids.max", "pids.max"));
        long pid = Host.pid(berth, "bomb");
        Files.writeString(Path.of("/proc/" + pid + "/root/tmp/go"), "");
        Path pids = Host.cgroupDir(berth, id, "pids");
        long failed = 0;
        int most = 0;
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (failed == 0 && System.nanoTime() < deadline) {
            Thread.sleep(50);
            most = Math.max(most, Integer.parseInt(Files.readString(pids.resolve("pids.current")).strip()));
            failed = events(pids);
        }
        assertTrue(failed > 0, "the bomb never reached the limit: pids.events says no fork was refused");
        for (int i = 0; i < 20; i++) { // it keeps trying: the count stays at the limit meanwhile
            most = Math.max(most, Integer.parseInt(Files.readString(pids.resolve("pids.current")).strip()));
            Thread.sleep(50);
        }
        assertTrue(most <= PIDS, "the container had " + most + " tasks, over its limit of " + PIDS);
        long t0 = System.nanoTime();
        assertEquals("running", berth.ok("inspect", "-f", "{{.State.Status}}", "bomb").strip());
        assertTrue(berth.ok("ps").contains("bomb"));
        long psMillis = (System.nanoTime() - t0) / 1_000_000;
        assertTrue(psMillis < 10_000, "berth answered in " + psMillis + " ms while the bomb ran");
        berth.ok("rm", "-f", "bomb");
        assertFalse(Files.exists(pids), "the bomb's cgroup stayed after rm -f");
        assertTrue(Host.running(ProcessHandle.current().pid()));
    }

    /** The fork refusals the pids controller counted ({@code max} of pids.events, v1 and v2). */
    private static long events(Path dir) throws Exception {
        for (String line : Files.readAllLines(dir.resolve("pids.events"))) {
            if (line.startsWith("max ")) {
                return Long.parseLong(line.substring(4).strip());
            }
        }
        return 0;
    }

    @Test
    void aMemoryHogIsKilledAtItsLimitAndReportedAsOomKilled() throws Exception {
        // tail of /dev/zero keeps everything it reads: it finds no end of line
        Berth.Result hog = berth.run("run", "--name", "hog", "-m", "32m", "host", "tail", "/dev/zero");
        assertEquals(137, hog.code(), "the hog was not killed: " + hog.err());
        assertEquals("true 137", berth.ok("inspect", "-f", "{{.State.OOMKilled}} {{.State.ExitCode}}", "hog").strip());
        String id = berth.ok("inspect", "-f", "{{.Id}}", "hog").strip();
        long peak = Long.parseLong(Host.cgroupValue(berth, id, "memory", "memory.max_usage_in_bytes", "memory.peak"));
        assertTrue(peak <= 32L << 20, "the hog used " + peak + " bytes, over its 32 MiB");
        assertTrue(berth.ok("ps", "-a", "--format", "{{.Names}} {{.Status}}").contains("hog Exited (137)"));

        // the same exit status from a kill that is not the OOM killer's: not OOMKilled
        berth.ok("run", "-d", "--name", "killed", "-m", "32m", "host", "sleep", "60");
        berth.ok("kill", "killed");
        assertEquals("137", berth.ok("wait", "killed").strip());
        assertEquals("false 137", berth.ok("inspect", "-f", "{{.State.OOMKilled}} {{.State.ExitCode}}", "killed").strip());

    }
}
