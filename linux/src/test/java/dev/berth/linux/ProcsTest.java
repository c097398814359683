package dev.berth.linux;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class ProcsTest {
    @Test
    void startTimeIsField22OfStat() throws Exception {
        long self = ProcessHandle.current().pid();
        String stat = Files.readString(Path.of("/proc/self/stat"));
        String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        assertEquals(Long.parseLong(f[19]), Procs.startTime(self));
        assertEquals(-1, Procs.startTime(Integer.MAX_VALUE));
    }

    @Test
    void aliveChecksTheStartTimeToo() throws Exception {
        long self = ProcessHandle.current().pid();
        long start = Procs.startTime(self);
        assertTrue(Procs.alive(self, start));
        assertTrue(Procs.alive(self, -1));
        assertFalse(Procs.alive(self, start + 1), "a reused pid is another process");
        assertFalse(Procs.alive(Integer.MAX_VALUE, -1));
    }

    @Test
    void anExitedChildIsNotAlive() throws Exception {
        Process p = new ProcessBuilder("true").start();
        long start = Procs.startTime(p.pid());
        p.waitFor();
        assertFalse(Procs.alive(p.pid(), start));
    }

    @Test
    void effectiveUidMatchesTheOwnerOfProcSelf() throws Exception {
        assertEquals(Files.getAttribute(Path.of("/proc/self"), "unix:uid"), Procs.effectiveUid());
    }
}
