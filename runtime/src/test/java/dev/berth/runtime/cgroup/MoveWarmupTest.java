package dev.berth.runtime.cgroup;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The warm-up's write on this host's kernel: it must name this process's own cgroup, so that
 * the kernel takes the migration lock and moves nothing.
 */
class MoveWarmupTest {

    @Test
    void ownProcsListsThisProcess() throws Exception {
        Path procs = Cgroups.detect().ownProcs();
        assertNotNull(procs, "no hierarchy shows this process's cgroup");
        String pid = Long.toString(ProcessHandle.current().pid());
        assertTrue(Files.readAllLines(procs).contains(pid), () -> procs + " does not list pid " + pid);
    }

    @Test
    void theWarmupIsTakenAndMovesNothing() throws Exception {
        assumeTrue(CgroupV1KernelTest.root(), "writing cgroup.procs needs root");
        List<String> before = Files.readAllLines(Path.of("/proc/self/cgroup"));
        assertTrue(MoveWarmup.runOnce(), "the kernel refused the write of our own pid into our own cgroup");
        assertEquals(before, Files.readAllLines(Path.of("/proc/self/cgroup")));
        MoveWarmup.start(); // in the background, and once more at once: the second finds it under way
        MoveWarmup.start();
        assertEquals(before, Files.readAllLines(Path.of("/proc/self/cgroup")));
    }
}
