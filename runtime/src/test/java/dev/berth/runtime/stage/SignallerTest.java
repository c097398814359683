package dev.berth.runtime.stage;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.berth.linux.Procs;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** F_KILL: a signal reaches a process with the start time we saw, and only such a one. */
class SignallerTest {
    @Test
    void signalsTheProcessWeSawAndSkipsAReusedPid() throws Exception {
        Process p = new ProcessBuilder("sleep", "60").start();
        try {
            long start = Procs.startTime(p.pid());
            assertEquals(0, Signaller.signal(List.of(new Signaller.Target(p.pid(), start + 1)), 15),
                "a different start time means another process: left alone");
            assertTrue(p.isAlive());
            assertEquals(1, Signaller.signal(List.of(new Signaller.Target(p.pid(), start)), 15));
            assertTrue(p.waitFor(5, TimeUnit.SECONDS));
            assertEquals(128 + 15, p.exitValue(), "killed by SIGTERM");
            assertEquals(0, Signaller.signal(List.of(new Signaller.Target(p.pid(), start)), 9),
                "a process that is gone is skipped, not an error");
        } finally {
            p.destroyForcibly();
        }
    }
}
